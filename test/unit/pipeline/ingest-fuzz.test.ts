/**
 * Fuzz of the ingest step itself (auth, limits, item routing, claim check) on
 * in-memory ports: whatever the body, headers, query and the project's limit
 * state, it either answers or throws a typed protocol error below 500 — never
 * anything the handler would turn into a 5xx — and what it enqueues holds only
 * the item types the grouping step processes.
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FerretError } from '#shared/errors.ts';
import type { Project, ProjectKey, QueueMessage } from '#shared/model.ts';
import { createIngest, PROCESSED_ITEM_TYPES } from '#shared/pipeline/ingest.ts';
import { PROJECT } from './table-mock.ts';
import { MemoryIntake } from './memory-intake.ts';

const KEY = 'f'.repeat(32);
const T0 = Date.UTC(2026, 10, 24, 21, 30);
const itemHeader = fc.oneof(
  fc.constantFrom('event', 'attachment', 'session', 'sessions', 'client_report', 'user_report', 'feedback', 'transaction', 'span', 'replay_event', 'check_in', 'x').map((type) => JSON.stringify({ type })),
  fc.record({ type: fc.constantFrom('attachment', 'span', 'event'), length: fc.integer({ min: -2, max: 40 }), item_count: fc.oneof(fc.integer(), fc.string()) }).map((h) => JSON.stringify(h)),
  fc.json({ maxDepth: 2 }),
);
const envelope = fc
  .tuple(fc.oneof(fc.constant('{}'), fc.json({ maxDepth: 2 }), fc.constant(JSON.stringify({ event_id: 'a'.repeat(32) }))), fc.array(fc.tuple(itemHeader, fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 30 }))), { maxLength: 5 }))
  .map(([head, items]) => [head, ...items.flatMap(([h, p]) => [h, p])].join('\n'));

describe('ingest fuzz', () => {
  it('answers or refuses with a typed error below 500, and enqueues only processed item types', async () => {
    // The generators must reach both sides: accepted requests and refused ones (429 among them).
    const seen = { answered: 0, enqueued: 0, limited: 0 };
    await fc.assert(
      fc.asyncProperty(
        envelope,
        fc.constantFrom('/api/42/envelope/', '/api/42/store/', '/api/store/', '/x/api/42/envelope/', '/api/43/envelope/', '/nope'),
        fc.boolean(),
        fc.option(fc.integer({ min: -60_000, max: 3_600_000 }), { nil: undefined }),
        fc.option(fc.integer({ min: -60_000, max: 60_000 }), { nil: undefined }),
        fc.constantFrom('query', 'header', 'none', 'both-differ'),
        async (text, path, gzip, projectLimit, keyLimit, auth) => {
          const project: Project = { ...PROJECT, id: '42' };
          if (projectLimit !== undefined) project.limitedUntil = T0 + projectLimit;
          const key: ProjectKey = { publicKey: KEY, projectId: '42', label: 'd', isActive: true, dateCreated: '' };
          if (keyLimit !== undefined) key.limitedUntil = T0 + keyLimit;
          const sent: QueueMessage[] = [];
          const ingest = createIngest({
            projects: { getProject: async (id) => (id === '42' ? project : undefined), getKey: async (k) => (k === KEY ? key : undefined) },
            queue: { send: async (m) => void sent.push(m), deadLetter: async () => undefined },
            blobs: { put: async () => undefined, get: async () => new Uint8Array() },
            now: () => T0,
            outcomes: new MemoryIntake(),
            outcomeFlushMs: 0,
            log: () => undefined,
          });
          const headers: Record<string, string> = {};
          const query: Record<string, string> = {};
          if (auth === 'header' || auth === 'both-differ') headers['x-sentry-auth'] = `Sentry sentry_key=${KEY}, sentry_version=7`;
          if (auth === 'query') query['sentry_key'] = KEY;
          if (auth === 'both-differ') query['sentry_key'] = 'e'.repeat(32);
          let body: Uint8Array = Buffer.from(text);
          if (gzip) {
            body = gzipSync(body);
            headers['content-encoding'] = 'gzip';
          }
          try {
            const result = await ingest({ method: 'POST', path, query, headers, body, bodyWasText: false }, {});
            expect(result.body === undefined || typeof result.body === 'object').toBe(true);
            seen.answered++;
            if (result.message) seen.enqueued++;
          } catch (error) {
            expect(error instanceof FerretError && error.status < 500, String(error)).toBe(true);
            if ((error as FerretError).status === 429) seen.limited++;
          }
          for (const m of sent) for (const i of m.items) expect(PROCESSED_ITEM_TYPES.has(i.type) || i.type === 'payload').toBe(true);
        },
      ),
      { numRuns: 1500 },
    );
    // About 4 % of the arbitrary requests are answered, 1 % enqueued, 1.5 % refused with 429: far above these floors.
    expect(seen.answered).toBeGreaterThan(15);
    expect(seen.enqueued).toBeGreaterThan(3);
    expect(seen.limited).toBeGreaterThan(3);
  });
});
