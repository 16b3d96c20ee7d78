/**
 * Fuzz of the side-item readers: whatever JSON (or not) an SDK puts in a
 * session, sessions, client_report, user_report, feedback or attachment item,
 * reading and recording it never throws (a throw would retry the whole
 * message until the dead-letter queue), and every count it produces is a
 * non-negative whole number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueueItem } from '#shared/model.ts';
import { readIntake, recordIntake } from '#shared/pipeline/intake.ts';
import { MemoryIntake } from './memory-intake.ts';

const TYPES = ['session', 'sessions', 'client_report', 'user_report', 'feedback', 'attachment', 'event', 'log'] as const;
const field = fc.oneof(fc.constant(undefined), fc.integer({ min: -5, max: 1e9 }), fc.double(), fc.string({ maxLength: 40 }), fc.boolean(), fc.constant(null), fc.json({ maxDepth: 2 }));
/** Payloads shaped like the real ones (so the parsers go deep), or any JSON at all. */
const payload = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.record({ sid: field, init: field, status: fc.oneof(field, fc.constantFrom('ok', 'exited', 'crashed', 'abnormal', 'errored')), errors: field, attrs: fc.oneof(field, fc.record({ release: field, environment: field })) }).map((o) => JSON.stringify(o)),
  fc.record({ attrs: fc.record({ release: field, environment: field }), aggregates: fc.oneof(field, fc.array(fc.record({ exited: field, errored: field, crashed: field, abnormal: field }), { maxLength: 4 })) }).map((o) => JSON.stringify(o)),
  fc.record({ discarded_events: fc.oneof(field, fc.array(fc.record({ reason: field, category: field, quantity: field }), { maxLength: 4 })), rate_limited_events: field }).map((o) => JSON.stringify(o)),
  fc.record({ event_id: fc.oneof(field, fc.uuid()), name: field, email: field, comments: field, contexts: fc.oneof(field, fc.record({ feedback: fc.oneof(field, fc.record({ message: field, contact_email: field, associated_event_id: field, url: field })) })) }).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 60 }),
);
const item = fc.record({ type: fc.constantFrom(...TYPES), text: payload, headers: fc.dictionary(fc.constantFrom('filename', 'content_type', 'event_id', 'length', 'attachment_type', 'item_count'), field) });

describe('side items fuzz', () => {
  it('never throw and count only non-negative whole numbers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(item, { maxLength: 6 }), fc.option(fc.uuid().map((u) => u.replace(/-/g, '')), { nil: undefined }), async (items, eventId) => {
        const queueItems: QueueItem[] = items.map((i, n) => (i.type === 'attachment' ? { type: i.type, headers: i.headers, ref: `attachments/8d/1/e/f${n}` } : { type: i.type, headers: i.headers, text: i.text }));
        const intake = readIntake('m', { v: 1, projectId: '1', publicKey: 'k', receivedAt: Date.UTC(2026, 10, 24), items: queueItems, ...(eventId ? { eventId } : {}) });
        const store = new MemoryIntake();
        await recordIntake(store, [intake], new Map(), () => 90, Date.UTC(2026, 10, 24));
        for (const r of await store.listReleaseHealth()) {
          for (const n of [r.started, r.errored, r.crashed, r.abnormal]) expect(Number.isInteger(n) && n >= 0).toBe(true);
          expect(r.crashed).toBeLessThanOrEqual(r.errored);
        }
        for (const o of store.outcomes) expect(Number.isInteger(o.quantity) && o.quantity >= 0).toBe(true);
        for (const a of store.attachments) expect(Number.isInteger(a.size) && a.size >= 0).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});
