/**
 * Batch tokens: every (batch, issue) update gets one. It is written on each
 * event and user claim and recorded on the issue in the counting write, so a
 * retry can tell whether that write happened (see `ledger.ts`).
 */
import { randomBytes } from 'node:crypto';

/** `{mint time, base 36 ms}.{random}`: the mint time orders tokens for fencing. */
export function mintToken(nowMs: number): string {
  return `${Math.floor(nowMs).toString(36)}.${randomBytes(6).toString('base64url')}`;
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
