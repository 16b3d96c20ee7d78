/**
 * Outcome counters: what the SDKs' client reports and Ferret's own refusals
 * count per project and day. A module of its own because the ingest function
 * writes them too (refused requests) and must not bundle the rest of the
 * intake adapter (`dynamo-intake.ts`, which builds on this class).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OutcomeCount, OutcomeKind } from '#shared/model.ts';
import type { UsageStore } from '#shared/ports.ts';
import { TableClient } from './dynamo-table.ts';

/** Outcome days are kept for the stats page's longest period (90 days) and a little more. */
const OUTCOME_TTL_S = 100 * 24 * 3600;
/** Outcome counters are attributes named `o:{outcome}:{category}:{reason}` on the day item. */
const OUTCOME_PREFIX = 'o:';
/** Attribute names are limited to 64 KiB; reasons and categories come from SDKs. */
const MAX_OUTCOME_PART_CHARS = 64;

const clean = (s: string) => s.replace(/[:#]/g, '_').slice(0, MAX_OUTCOME_PART_CHARS);

export class DynamoOutcomeStore extends TableClient implements Pick<UsageStore, 'addOutcomes' | 'listOutcomes'> {
  async addOutcomes(projectId: string, day: string, outcomes: OutcomeCount[]): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':exp': Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + OUTCOME_TTL_S };
    const adds: string[] = [];
    const merged = new Map<string, number>();
    for (const o of outcomes) {
      if (!(o.quantity > 0)) continue;
      const name = `${OUTCOME_PREFIX}${o.outcome}:${clean(o.category)}:${clean(o.reason)}`;
      merged.set(name, (merged.get(name) ?? 0) + Math.floor(o.quantity));
    }
    if (merged.size === 0) return;
    [...merged.entries()].forEach(([name, n], i) => {
      names[`#o${i}`] = name;
      values[`:o${i}`] = n;
      adds.push(`#o${i} :o${i}`);
    });
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `PROJECT#${projectId}`, sk: `OUTCOME#${day}` },
        UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = :exp`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async listOutcomes(projectId: string, fromDay: string, toDay: string): Promise<Array<OutcomeCount & { day: string }>> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':p': `PROJECT#${projectId}`, ':a': `OUTCOME#${fromDay}`, ':b': `OUTCOME#${toDay}` },
    });
    const out: Array<OutcomeCount & { day: string }> = [];
    for (const item of items) {
      const day = String(item['sk']).slice('OUTCOME#'.length);
      for (const [name, value] of Object.entries(item)) {
        if (!name.startsWith(OUTCOME_PREFIX)) continue;
        const [outcome, category, reason] = name.slice(OUTCOME_PREFIX.length).split(':') as [OutcomeKind, string, string];
        out.push({ day, outcome, category, reason: reason ?? '', quantity: Number(value) });
      }
    }
    return out;
  }
}
