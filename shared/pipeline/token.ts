/**
 * Batch tokens: every (batch, issue) update gets one. It is written on each
 * event and user claim and recorded on the issue in the counting write, so a
 * retry can tell whether that write happened (see `ledger.ts`).
 */
import { randomBytes } from 'node:crypto';

/** `{mint time, base 36 ms}.{random}`: the mint time orders tokens for fencing. */
export function mintToken(nowMs: number): string {
  return `${tokenTimePrefix(nowMs)}.${randomBytes(6).toString('base64url')}`;
}

/**
 * The mint-time part of a token minted at `ms`: tokens compare as strings in mint order because
 * this part has a fixed width — 8 base-36 digits for every time from 1972 to 2059 (36^7 ms is
 * August 1972, 36^8 ms May 2059) — and the `.` after it sorts below every digit.
 */
export function tokenTimePrefix(ms: number): string {
  return Math.max(0, Math.floor(ms)).toString(36);
}

/** Mint time (epoch ms) of a token; 0 for anything unreadable, so it is always fenced. */
export function tokenTime(token: string): number {
  const n = Number.parseInt(token.split('.')[0] ?? '', 36);
  return Number.isFinite(n) ? n : 0;
}

/** `2026-11-24T21`: the hour bucket of an epoch-ms time. */
export function hourKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 13);
}
