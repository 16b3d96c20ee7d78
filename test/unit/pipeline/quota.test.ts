/**
 * Quotas: the decision on counters, the grouping step enforcing per-minute and
 * monthly limits with one counter write per project per batch, and ingest
 * answering 429 the way SDKs understand while counting what it refused.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RateLimitedError } from '#shared/errors.ts';
import type { Project, ProjectKey, QueueMessage } from '#shared/model.ts';
import { createIngest } from '#shared/pipeline/ingest.ts';
import { decideQuota, monthEnd, OutcomeBuffer, quotaWindows } from '#shared/pipeline/quota.ts';
import { enc, request } from '../protocol/helpers.ts';
import { bugEvent, record } from './events.ts';
import { testGrouper } from './grouper.ts';
import { MemoryIntake } from './memory-intake.ts';
import { mockTable, PROJECT } from './table-mock.ts';

const T0 = Date.parse('2026-11-24T21:30:10Z');

describe('decideQuota', () => {
  const limits = { rateLimitPerMinute: 10, monthlyQuota: 0 };

  it('lets everything through below the limit and sets no limit', () => {
    expect(decideQuota(limits, { minute: 4 }, 4, T0)).toEqual({ allowed: 4 });
  });

  it('limits until the end of the minute once the limit is reached exactly', () => {
    expect(decideQuota(limits, { minute: 10 }, 3, T0)).toEqual({ allowed: 3, limitedUntil: Date.parse('2026-11-24T21:31:00Z'), reason: 'project_rate_limit' });
  });

  it('keeps only what fits of a batch that crosses the limit', () => {
    expect(decideQuota(limits, { minute: 13 }, 6, T0)).toMatchObject({ allowed: 3, reason: 'project_rate_limit' });
    expect(decideQuota(limits, { minute: 30 }, 5, T0)).toMatchObject({ allowed: 0 });
  });

  it('takes the tighter of both limits and the later end', () => {
    const both = { rateLimitPerMinute: 10, monthlyQuota: 100 };
    const d = decideQuota(both, { minute: 12, month: 101 }, 5, T0);
    expect(d.allowed).toBe(3);
    expect(d.limitedUntil).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(decideQuota(both, { minute: 8, month: 102 }, 5, T0)).toMatchObject({ allowed: 3, reason: 'project_quota', limitedUntil: monthEnd(T0) });
  });

  it('asks for no counter write when the project has no limits', () => {
    expect(quotaWindows({ rateLimitPerMinute: 0 }, T0)).toBeUndefined();
    expect(quotaWindows({ rateLimitPerMinute: 5, monthlyQuota: 9 }, T0)).toEqual({ minute: Math.floor(T0 / 60_000), month: '2026-11' });
  });

  it('ends December at the new year', () => {
    expect(monthEnd(Date.parse('2026-12-31T23:59:59Z'))).toBe(Date.parse('2027-01-01T00:00:00Z'));
  });
});

describe('the grouping step enforcing quotas', () => {
  let table: ReturnType<typeof mockTable>;
  let intake: MemoryIntake;
  let now: number;
  beforeEach(() => {
    table = mockTable();
    intake = new MemoryIntake();
    now = T0;
  });
  afterEach(() => table.mock.restore());

  const limit = (p: Partial<Project>) => Object.assign(table.items.get('PROJECT#1|PROJECT')!, p);
  const grouper = () => testGrouper({ now: () => now, intake });
  const count = () => table.issues().reduce((a, i) => a + Number(i.count), 0);

  it('counts a batch with one write per window, keeps what fits and counts the rest as rate-limited', async () => {
    limit({ rateLimitPerMinute: 5 });
    const g = grouper();
    expect(await g(Array.from({ length: 8 }, () => record('1', bugEvent({ bug: 'flood' }))))).toEqual([]);
    expect(count()).toBe(5);
    expect(intake.writes.filter((w) => w === 'countEvents')).toHaveLength(1);
    expect(intake.total({ outcome: 'rate_limited', reason: 'project_rate_limit' })).toBe(3);
    expect(intake.total({ outcome: 'accepted', category: 'error' })).toBe(5);
    expect(intake.limitedUntil.get('1')).toBe(Date.parse('2026-11-24T21:31:00Z'));

    // Still the same minute: nothing more fits.
    expect(await g([record('1', bugEvent({ bug: 'flood' }))])).toEqual([]);
    expect(count()).toBe(5);
    expect(intake.total({ outcome: 'rate_limited' })).toBe(4);

    // The next minute has room again.
    now += 60_000;
    expect(await g([record('1', bugEvent({ bug: 'flood' }))])).toEqual([]);
    expect(count()).toBe(6);
  });

  it('enforces the monthly quota across batches until the month ends', async () => {
    limit({ monthlyQuota: 3 });
    const g = grouper();
    await g([record('1', bugEvent({ bug: 'm' })), record('1', bugEvent({ bug: 'm' }))]);
    expect(intake.limitedUntil.has('1')).toBe(false);
    await g([record('1', bugEvent({ bug: 'm' })), record('1', bugEvent({ bug: 'm' }))]);
    expect(count()).toBe(3);
    expect(intake.limitedUntil.get('1')).toBe(Date.parse('2026-12-01T00:00:00Z'));
    expect(intake.total({ outcome: 'rate_limited', reason: 'project_quota' })).toBe(1);
    now = Date.parse('2026-12-01T00:00:05Z');
    await g([record('1', bugEvent({ bug: 'm' }))]);
    expect(count()).toBe(4);
  });

  it("enforces a key's own rate limit before the project's, per window of the key", async () => {
    table.items.set('KEY#k|KEY', { pk: 'KEY#k', sk: 'KEY', publicKey: 'k', projectId: '1', label: 'Default', isActive: true, dateCreated: '', rateLimit: { window: 3600, count: 4 } });
    limit({ monthlyQuota: 100 });
    const g = grouper();
    expect(await g(Array.from({ length: 6 }, () => record('1', bugEvent({ bug: 'key' }))))).toEqual([]);
    expect(count()).toBe(4);
    expect(intake.total({ outcome: 'rate_limited', reason: 'key_quota' })).toBe(2);
    // What the key refused never reached the project's counter.
    expect(intake.counters.get('1/month/2026-11')).toBe(4);
    expect(intake.keyLimitedUntil.get('k')).toBe(Date.parse('2026-11-24T22:00:00Z'));
    expect(intake.limitedUntil.has('1')).toBe(false);
    now = Date.parse('2026-11-24T22:00:01Z');
    await g([record('1', bugEvent({ bug: 'key' }))]);
    expect(count()).toBe(5);
  });

  it('writes no counter for a project without limits', async () => {
    await grouper()([record('1', bugEvent({ bug: 'free' }))]);
    expect(intake.writes).not.toContain('countEvents');
    expect(intake.writes.filter((w) => w === 'addOutcomes')).toHaveLength(1);
  });

  it('retries the messages whose counting failed, without counting their events', async () => {
    limit({ rateLimitPerMinute: 5 });
    intake.countEvents = async () => {
      throw new Error('throttled');
    };
    const r = record('1', bugEvent({ bug: 'retry' }));
    expect(await grouper()([r])).toEqual([r.messageId]);
    expect(count()).toBe(0);
  });
});

describe('ingest under a limit', () => {
  const KEY: ProjectKey = { publicKey: 'a'.repeat(32), projectId: '42', label: 'Default', isActive: true, dateCreated: '' };
  let project: Project;
  let sent: QueueMessage[];
  let outcomes: MemoryIntake;
  let now: number;
  beforeEach(() => {
    project = { ...PROJECT, id: '42' };
    sent = [];
    outcomes = new MemoryIntake();
    now = T0;
  });
  const ingest = (flushMs = 10_000, key = KEY) =>
    createIngest({
      projects: { getProject: async () => project, getKey: async () => key },
      queue: { send: async (m) => void sent.push(m), deadLetter: async () => undefined },
      blobs: { put: async () => undefined, get: async () => new Uint8Array() },
      now: () => now,
      outcomes,
      outcomeFlushMs: flushMs,
      log: () => undefined,
    });
  const envelope = (...items: Array<[string, unknown]>) =>
    request({ query: { sentry_key: KEY.publicKey }, body: enc([JSON.stringify({}), ...items.flatMap(([t, p]) => [JSON.stringify({ type: t }), JSON.stringify(p)])].join('\n')) });

  it('answers 429 with Retry-After and X-Sentry-Rate-Limits in Relay format for events', async () => {
    project.limitedUntil = T0 + 42_500;
    const error = await ingest()(envelope(['event', { message: 'x' }]), {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const limited = error as RateLimitedError;
    expect(limited.status).toBe(429);
    expect(limited.headers()).toEqual({ 'retry-after': '43', 'x-sentry-rate-limits': '43:default;error;security:project:project_rate_limit' });
    expect(sent).toEqual([]);
  });

  it("answers 429 in the key's scope when the key is over its own limit", async () => {
    const limitedKey = { ...KEY, limitedUntil: T0 + 10_000 };
    const handle = ingest(0, limitedKey);
    const error = (await handle(envelope(['event', { message: 'x' }]), {}).catch((e: unknown) => e)) as RateLimitedError;
    expect(error.headers()).toEqual({ 'retry-after': '10', 'x-sentry-rate-limits': '10:default;error;security:key:key_quota' });
    expect(outcomes.total({ outcome: 'rate_limited', reason: 'key_quota' })).toBe(1);
  });

  it('names the monthly quota when the limit lasts to the end of the month', async () => {
    project.limitedUntil = monthEnd(T0);
    const error = (await ingest()(envelope(['event', { message: 'x' }]), {}).catch((e: unknown) => e)) as RateLimitedError;
    expect(error.headers()['x-sentry-rate-limits']).toMatch(/^\d+:default;error;security:project:project_quota$/);
    expect(error.message).toContain('monthly');
  });

  it("drops a limited envelope's event and its attachments but takes the rest, answering 200 with the limits", async () => {
    project.limitedUntil = T0 + 30_000;
    const body = enc(
      [
        JSON.stringify({ event_id: 'c'.repeat(32) }),
        JSON.stringify({ type: 'event' }),
        JSON.stringify({ message: 'crash' }),
        JSON.stringify({ type: 'attachment', length: 3, filename: 'dump.bin' }),
        'abc',
        JSON.stringify({ type: 'session' }),
        JSON.stringify({ sid: 's', status: 'crashed', errors: 1, attrs: { release: 'r' } }),
      ].join('\n'),
    );
    const result = await ingest(0)(request({ query: { sentry_key: KEY.publicKey }, body }), {});
    expect(result.body).toEqual({});
    expect(result.headers).toEqual({ 'retry-after': '30', 'x-sentry-rate-limits': '30:default;error;security:project:project_rate_limit' });
    expect(sent[0]?.items.map((i) => i.type)).toEqual(['session']);
    expect(sent[0]?.eventId).toBeUndefined();
    expect(outcomes.total({ outcome: 'rate_limited', category: 'error' })).toBe(1);
  });

  it('still takes sessions and client reports of a limited project', async () => {
    project.limitedUntil = T0 + 60_000;
    const result = await ingest()(envelope(['session', { sid: 's', init: true, attrs: { release: 'r' } }], ['client_report', { discarded_events: [] }]), {});
    expect(result.body).toEqual({});
    expect(sent[0]?.items.map((i) => i.type)).toEqual(['session', 'client_report']);
  });

  it('accepts events again once the limit has passed', async () => {
    project.limitedUntil = T0 - 1;
    expect((await ingest()(envelope(['event', { message: 'x' }]), {})).message?.items).toHaveLength(1);
  });

  it('counts refused events in memory and writes them once per interval', async () => {
    project.limitedUntil = T0 + 3_600_000;
    const handle = ingest(10_000);
    for (let i = 0; i < 5; i++) {
      await handle(envelope(['event', { message: 'x' }]), {}).catch(() => undefined);
      now += 1_000;
    }
    expect(outcomes.writes).toEqual([]);
    now += 10_000;
    await handle(envelope(['event', { message: 'x' }]), {}).catch(() => undefined);
    expect(outcomes.writes).toEqual(['addOutcomes']);
    expect(outcomes.total({ outcome: 'rate_limited', category: 'error', projectId: '42' })).toBe(6);
  });

  it('counts the item types it drops on purpose as filtered outcomes, by data category', async () => {
    const handle = ingest(0);
    const result = await handle(envelope(['transaction', { type: 'transaction' }], ['replay_event', {}], ['check_in', {}], ['event', { message: 'kept' }]), {});
    expect(result.message?.items.map((i) => i.type)).toEqual(['event']);
    expect(outcomes.total({ outcome: 'filtered', category: 'transaction', reason: 'unsupported_item_type' })).toBe(1);
    expect(outcomes.total({ outcome: 'filtered', category: 'replay' })).toBe(1);
    expect(outcomes.total({ outcome: 'filtered', category: 'monitor' })).toBe(1);
    await handle(request({ query: { sentry_key: KEY.publicKey }, body: enc('{}\n{"type":"span","item_count":3}\n{"version":2,"items":[{},{},{}]}\n') }), {});
    expect(outcomes.total({ outcome: 'filtered', category: 'span' })).toBe(3);
  });

  it('keeps the counts of a failed write for the next flush', async () => {
    let fail = true;
    const store = new MemoryIntake();
    let clock = T0;
    const buffer = new OutcomeBuffer({ addOutcomes: (p, d, o) => (fail ? Promise.reject(new Error('down')) : store.addOutcomes(p, d, o)) }, 0, () => clock);
    buffer.add('1', 'rate_limited', 'error', 'project_quota', 2);
    await expect(buffer.flush()).rejects.toThrow('down');
    // The write succeeds the next day: the counts keep the day they happened.
    clock = T0 + 86_400_000;
    fail = false;
    buffer.add('1', 'rate_limited', 'error', 'project_quota', 1);
    await buffer.flush();
    expect(store.total({ outcome: 'rate_limited' })).toBe(3);
    expect(store.outcomes.map((o) => [o.day, o.quantity]).sort()).toEqual([['2026-11-24', 2], ['2026-11-25', 1]]);
  });
});

describe('attachment retention tiers', () => {
  it('outlive the event retention by at least a day, and stop at the longest tier', async () => {
    const { attachmentRetentionTier } = await import('#shared/infra.ts');
    expect(attachmentRetentionTier(90)).toBe(91);
    expect(attachmentRetentionTier(91)).toBe(181);
    expect(attachmentRetentionTier(7)).toBe(8);
    expect(attachmentRetentionTier(1)).toBe(8);
    expect(attachmentRetentionTier(365)).toBe(366);
    expect(attachmentRetentionTier(1000)).toBe(366);
  });
});
