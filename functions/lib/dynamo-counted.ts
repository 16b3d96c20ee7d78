/**
 * COUNTED records (`ISSUE#{id} / COUNTED#{token}`): the counted-only events of a first delivery,
 * listed once per (issue, token) instead of one claim item per event (`shared/pipeline/ledger.ts`).
 * The events' keys (16 hex digits each) are packed as 8 bytes each in one binary attribute, so
 * 100 events make an item under 1 KB: one write unit.
 */
import { tokenTimePrefix } from '#shared/pipeline/token.ts';
import type { CountedRecord } from '#shared/ports.ts';
import type { Item } from './dynamo-table.ts';

export const COUNTED_PREFIX = 'COUNTED#';
const KEY_BYTES = 8;

export function countedItem(issueId: string, token: string, ids: readonly string[], expiresAt: number): Item {
  const packed = new Uint8Array(ids.length * KEY_BYTES);
  ids.forEach((id, i) => {
    if (!/^[0-9a-f]{16}$/.test(id)) throw new Error(`counted key ${id} is not 16 lowercase hex digits`);
    packed.set(Buffer.from(id, 'hex'), i * KEY_BYTES);
  });
  return { pk: `ISSUE#${issueId}`, sk: `${COUNTED_PREFIX}${token}`, ids: packed, expiresAt };
}

/** The key condition of the records of an issue minted at or after `sinceMs` (tokens sort by mint time). */
export function countedRange(issueId: string, sinceMs: number) {
  return {
    KeyConditionExpression: 'pk = :p AND sk BETWEEN :from AND :to',
    // `~` sorts above every base-36 digit and the token's `.` and random part.
    ExpressionAttributeValues: { ':p': `ISSUE#${issueId}`, ':from': `${COUNTED_PREFIX}${tokenTimePrefix(sinceMs)}`, ':to': `${COUNTED_PREFIX}~` },
  };
}

export function readCounted(issueId: string, item: Item): CountedRecord {
  const raw = item['ids'];
  const bytes = raw instanceof Uint8Array ? raw : new Uint8Array();
  const ids: string[] = [];
  for (let i = 0; i + KEY_BYTES <= bytes.length; i += KEY_BYTES) ids.push(Buffer.from(bytes.subarray(i, i + KEY_BYTES)).toString('hex'));
  return { issueId, token: String(item['sk']).slice(COUNTED_PREFIX.length), ids };
}
