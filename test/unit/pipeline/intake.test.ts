/**
 * Items beside events: session updates counted once per session and state,
 * aggregates, client reports as outcomes, feedback of both generations,
 * attachments linked to their event — and the grouping step recording them
 * with one write per release and per project-day per batch.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueMessage } from '#shared/model.ts';
import { parseClientReport, parseFeedback, parseSessionAggregates, parseSessionUpdate, readIntake, recordIntake } from '#shared/pipeline/intake.ts';
import { contentDisposition } from '#shared/api/intake-routes.ts';
import { MemoryIntake } from './memory-intake.ts';
import { mockTable } from './table-mock.ts';
import { bugEvent } from './events.ts';
import { testGrouper } from './grouper.ts';

const T0 = Date.parse('2026-11-24T21:30:00Z');
const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
const attrs = { release: 'app@1.0', environment: 'prod' };
const message = (items: QueueMessage['items'], extra: Partial<QueueMessage> = {}): QueueMessage => ({ v: 1, projectId: '1', publicKey: 'k', receivedAt: T0, items, ...extra });
const json = (type: string, payload: unknown) => ({ type, headers: {}, text: JSON.stringify(payload) });

describe('session updates', () => {
  it('reads the states an update reports', () => {
    expect(parseSessionUpdate({ sid: 'a', init: true, status: 'ok', errors: 0, attrs })).toEqual({ sid: 'a', init: true, release: 'app@1.0', environment: 'prod', states: [] });
    expect(parseSessionUpdate({ sid: 'a', status: 'exited', errors: 2, attrs })?.states).toEqual(['errored']);
    expect(parseSessionUpdate({ sid: 'a', status: 'crashed', errors: 1, attrs })?.states).toEqual(['errored', 'crashed']);
    expect(parseSessionUpdate({ sid: 'a', status: 'abnormal', attrs })?.states).toEqual(['errored', 'abnormal']);
    expect(parseSessionUpdate({ sid: 'a', init: true, attrs: { release: 'r' } })?.environment).toBe('production');
  });

  it('cannot count a session without a release (Sentry drops those too)', () => {
    expect(parseSessionUpdate({ sid: 'a', init: true, attrs: {} })).toBeUndefined();
    expect(parseSessionUpdate('nope')).toBeUndefined();
  });

  it('counts each session once per state over many updates and batches', async () => {
    const store = new MemoryIntake();
    const updates = [
      // s1: starts, errors, errors again, exits errored.
      [{ sid: 's1', init: true, seq: 0, status: 'ok', errors: 0, attrs }],
      [{ sid: 's1', seq: 1, status: 'ok', errors: 1, attrs }, { sid: 's1', seq: 2, status: 'ok', errors: 2, attrs }],
      [{ sid: 's1', seq: 3, status: 'exited', errors: 2, attrs }],
      // s2: healthy. s3: crashes at once, then the SDK repeats the final update.
      [{ sid: 's2', init: true, status: 'exited', errors: 0, attrs }, { sid: 's3', init: true, status: 'crashed', errors: 1, attrs }],
      [{ sid: 's3', status: 'crashed', errors: 1, attrs }],
    ];
    for (const batch of updates) {
      await recordIntake(store, [readIntake('m', message(batch.map((u) => json('session', u))))], new Map(), () => 90, T0);
    }
    expect(await store.listReleaseHealth()).toEqual([expect.objectContaining({ release: 'app@1.0', environment: 'prod', started: 3, errored: 2, crashed: 1, abnormal: 0 })]);
  });

  it('makes one release write per batch however many sessions it holds, and no per-session write for healthy ones', async () => {
    const store = new MemoryIntake();
    const items = Array.from({ length: 50 }, (_, i) => json('session', { sid: `h${i}`, init: true, status: 'exited', errors: 0, attrs }));
    await recordIntake(store, [readIntake('m', message(items))], new Map(), () => 90, T0);
    expect(store.writes.filter((w) => w === 'addSessionCounts')).toHaveLength(1);
    expect(store.writes).not.toContain('markSession');
    expect((await store.listReleaseHealth())[0]?.started).toBe(50);
  });

  it('adds aggregated sessions as sent', async () => {
    expect(parseSessionAggregates({ aggregates: [{ started: '2026-11-24T21:00:00Z', exited: 7, errored: 2, crashed: 1 }, { abnormal: 1 }], attrs })).toEqual([
      { release: 'app@1.0', environment: 'prod', counts: { started: 10, errored: 3, crashed: 1, abnormal: 0 } },
      { release: 'app@1.0', environment: 'prod', counts: { started: 1, errored: 1, crashed: 0, abnormal: 1 } },
    ]);
    expect(parseSessionAggregates({ aggregates: [{ exited: -5, errored: 'x' }], attrs })[0]?.counts.started).toBe(0);
  });
});

describe('client reports', () => {
  it('become client_discard outcomes, with the older per-reason lists too', () => {
    expect(
      parseClientReport({
        timestamp: 1,
        discarded_events: [
          { reason: 'before_send', category: 'error', quantity: 2 },
          { reason: 'queue_overflow', category: 'transaction', quantity: 0 },
          { reason: 'x', quantity: 3 },
        ],
        rate_limited_events: [{ category: 'error', quantity: 4 }],
      }),
    ).toEqual([
      { outcome: 'client_discard', category: 'error', reason: 'before_send', quantity: 2 },
      { outcome: 'client_discard', category: 'error', reason: 'ratelimit_backoff', quantity: 4 },
    ]);
    expect(parseClientReport([1, 2])).toEqual([]);
  });
});

describe('feedback', () => {
  it('reads a legacy user_report keyed by its event', () => {
    expect(parseFeedback('user_report', { event_id: EVENT_ID.toUpperCase(), name: 'Ada', email: 'a@x.io', comments: 'broke' }, '1', T0)).toEqual({
      id: EVENT_ID,
      projectId: '1',
      eventId: EVENT_ID,
      name: 'Ada',
      email: 'a@x.io',
      comments: 'broke',
      source: 'user_report',
      dateCreated: new Date(T0).toISOString(),
    });
    expect(parseFeedback('user_report', { name: 'no event' }, '1', T0)).toBeUndefined();
  });

  it('reads the feedback event of newer SDKs from contexts.feedback', () => {
    const f = parseFeedback('feedback', { event_id: 'a'.repeat(32), contexts: { feedback: { message: 'hi', contact_email: 'b@x.io', name: 'Bo', url: 'https://app/x', associated_event_id: EVENT_ID } } }, '1', T0);
    expect(f).toMatchObject({ id: 'a'.repeat(32), eventId: EVENT_ID, comments: 'hi', email: 'b@x.io', name: 'Bo', url: 'https://app/x', source: 'feedback' });
    expect(parseFeedback('feedback', { event_id: 'a'.repeat(32) }, '1', T0)).toBeUndefined();
  });

  it('links feedback to the issue of its event when that event was grouped', async () => {
    const store = new MemoryIntake();
    store.eventIssues.set(`1/${EVENT_ID}`, '77');
    await recordIntake(store, [readIntake('m', message([json('user_report', { event_id: EVENT_ID, comments: 'c' })]))], new Map(), () => 90, T0);
    expect(await store.listIssueFeedback('77')).toHaveLength(1);
    expect(store.issueFeedbackCounts.get('77')).toBe(1);
    // The same report again (a redelivery, or the user sending it twice): replaced, not counted twice.
    await recordIntake(store, [readIntake('m', message([json('user_report', { event_id: EVENT_ID, comments: 'c, edited' })]))], new Map(), () => 90, T0);
    expect(store.issueFeedbackCounts.get('77')).toBe(1);
    expect((await store.listIssueFeedback('77'))[0]?.comments).toBe('c, edited');
  });
});

describe('feedback that arrives before its event', () => {
  it('is linked to the issue, and counted on it once, when feedback is next read', async () => {
    const { registerIntakeRoutes } = await import('#shared/api/intake-routes.ts');
    const store = new MemoryIntake();
    await recordIntake(store, [readIntake('m', message([json('feedback', { event_id: 'f'.repeat(32), contexts: { feedback: { message: 'early', associated_event_id: EVENT_ID } } })]))], new Map(), () => 90, T0);
    expect([...store.feedback.values()][0]?.issueId).toBeUndefined();
    // The event is grouped later, on issue 77.
    store.eventIssues.set(`1/${EVENT_ID}`, '77');
    const handlers = new Map<string, (...a: any[]) => Promise<any>>();
    const project = { id: '1', slug: 'p', orgSlug: 'o' } as any;
    registerIntakeRoutes(
      {
        route: (method, path, _scope, handler) => void handlers.set(`${method} ${path}`, handler),
        org: (_p, s) => s,
        project: async () => project,
        issueOf: async () => ({ issue: { id: '77', projectId: '1', shortId: 'P-1', title: 't' } as any, project }),
        listProjects: async () => [project],
        now: () => new Date(T0),
      },
      { intake: store, blobs: { put: async () => undefined, get: async () => new Uint8Array() } },
    );
    const principal = { orgs: ['o'], userId: 'u', scopes: [] };
    const read = () => handlers.get('GET /organizations/{org}/issues/{id}/user-reports')!({ query: {}, multiQuery: {} }, { org: 'o', id: '77' }, principal);
    expect((await read()).body.map((r: any) => r.comments)).toEqual(['early']);
    await read();
    expect(store.issueFeedbackCounts.get('77')).toBe(1);
  });
});

describe('attachments', () => {
  it('are recorded under the event they came with, with their size and the S3 key', () => {
    const intake = readIntake('m', message([{ type: 'attachment', headers: { filename: 'a.txt', content_type: 'text/plain', event_id: EVENT_ID }, ref: 'attachments/1/x/uuid-1', size: 5 }]));
    expect(intake.attachments).toEqual([
      { id: 'uuid-1', projectId: '1', eventId: EVENT_ID, name: 'a.txt', contentType: 'text/plain', size: 5, type: 'event.attachment', blobKey: 'attachments/1/x/uuid-1', dateCreated: new Date(T0).toISOString() },
    ]);
  });

  it('download under a header-safe name that keeps the exact one in filename*', () => {
    expect(contentDisposition('report.bin')).toBe(`attachment; filename="report.bin"; filename*=UTF-8''report.bin`);
    expect(contentDisposition('résumé "final"\r\n.pdf')).toBe(`attachment; filename="r_sum_ _final___.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%0D%0A.pdf`);
    expect(contentDisposition('日本.txt')).toMatch(/^attachment; filename="__\.txt"; filename\*=UTF-8''%E6%97%A5%E6%9C%AC\.txt$/);
  });

  it('without an event to belong to are not recorded', () => {
    expect(readIntake('m', message([{ type: 'attachment', headers: {}, ref: 'attachments/1/none/u' }])).attachments).toEqual([]);
  });
});

describe('reading a message', () => {
  it('leaves event items to the grouping step, which parses and validates them: an event adds no side item', () => {
    const read = readIntake('m', message([json('event', bugEvent({ bug: 'x', eventId: EVENT_ID })), { type: 'event', headers: {}, text: '{not json' }, { type: 'session', headers: {}, text: '{not json' }]));
    expect(read.outcomes).toEqual([{ outcome: 'invalid', category: 'session', reason: 'invalid_json', quantity: 1 }]);
    expect([read.attachments, read.feedback, read.sessions, read.aggregates]).toEqual([[], [], [], []]);
  });
});

describe('the grouping step recording side items', () => {
  let table: ReturnType<typeof mockTable>;
  beforeEach(() => {
    table = mockTable();
  });
  afterEach(() => table.mock.restore());

  it('records everything of a batch with one outcome write per project and day', async () => {
    const intake = new MemoryIntake();
    const group = testGrouper({ now: () => T0, intake });
    const event = bugEvent({ bug: 'side', eventId: EVENT_ID });
    const m = message(
      [
        json('event', event),
        { type: 'attachment', headers: { filename: 'log.txt' }, ref: 'attachments/1/e/att-1', size: 9 },
        json('session', { sid: 'x', init: true, status: 'ok', errors: 1, attrs }),
        json('client_report', { discarded_events: [{ reason: 'sample_rate', category: 'transaction', quantity: 3 }] }),
        json('feedback', { event_id: 'f'.repeat(32), contexts: { feedback: { message: 'slow', associated_event_id: EVENT_ID } } }),
        { type: 'session', headers: {}, text: '{not json' },
      ],
      { eventId: EVENT_ID },
    );
    expect(await group([{ messageId: 'm1', body: JSON.stringify(m) }])).toEqual([]);
    expect(intake.attachments.map((a) => [a.eventId, a.name, a.size])).toEqual([[EVENT_ID, 'log.txt', 9]]);
    expect([...intake.feedback.values()].map((f) => f.comments)).toEqual(['slow']);
    expect(await intake.listReleaseHealth()).toEqual([expect.objectContaining({ started: 1, errored: 1 })]);
    expect(intake.writes.filter((w) => w === 'addOutcomes')).toHaveLength(1);
    expect(intake.total({ outcome: 'accepted', category: 'error' })).toBe(1);
    expect(intake.total({ outcome: 'client_discard', category: 'transaction', reason: 'sample_rate' })).toBe(3);
    expect(intake.total({ outcome: 'invalid', category: 'session' })).toBe(1);
  });

  it('counts a poison message as an invalid outcome of the project it names', async () => {
    const intake = new MemoryIntake();
    const dead: string[] = [];
    const group = testGrouper({ queue: { deadLetter: async (_b, reason) => void dead.push(reason) }, now: () => T0, intake });
    const poison = message([{ type: 'event', headers: {}, text: '{"exception": ' }]);
    expect(await group([{ messageId: 'p', body: JSON.stringify(poison) }, { messageId: 'q', body: '{' }])).toEqual([]);
    expect(dead).toHaveLength(2);
    expect(intake.total({ outcome: 'invalid', projectId: '1', reason: 'invalid_event' })).toBe(1);
  });
});
