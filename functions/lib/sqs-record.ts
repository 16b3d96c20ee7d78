import type { SQSRecord } from 'aws-lambda';
import type { BatchRecord } from '#shared/pipeline/group.ts';

/**
 * An SQS record as the grouping step reads it. The receive count tells a first delivery, which
 * needs no check against earlier ones, from a redelivery (`shared/pipeline/ledger.ts`); an
 * attribute missing or unreadable counts as a redelivery, the safe side.
 */
export function batchRecord(r: SQSRecord): BatchRecord {
  const count = Number(r.attributes?.ApproximateReceiveCount);
  const sent = Number(r.attributes?.SentTimestamp);
  const out: BatchRecord = { messageId: r.messageId, body: r.body, receiveCount: Number.isInteger(count) && count >= 1 ? count : 2 };
  if (Number.isFinite(sent) && sent > 0) out.sentTimestamp = sent;
  return out;
}
