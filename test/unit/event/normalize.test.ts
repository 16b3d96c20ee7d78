import { describe, expect, it } from 'vitest';
import { ProtocolError } from '#shared/errors.ts';
import { normalizeEvent, type NormalizeContext } from '#shared/event/normalize.ts';
import { parseTimestamp } from '#shared/event/time.ts';
import { MAX_BREADCRUMBS, MAX_FRAMES, MAX_MESSAGE_CHARS } from '#shared/event/limits.ts';

const RECEIVED_MS = Date.UTC(2026, 10, 24, 21, 6, 0);
const ctx: NormalizeContext = { receivedAt: RECEIVED_MS };
const norm = (raw: Record<string, unknown>, over: Partial<NormalizeContext> = {}) => normalizeEvent(raw, { ...ctx, ...over });

describe('normalizeEvent', () => {
  it('throws a ProtocolError only when the payload is not an object', () => {
    for (const bad of [null, [], 'x', 3]) expect(() => normalizeEvent(bad, ctx)).toThrow(ProtocolError);
  });

  it('fills defaults: event id, level error, platform other, received, timestamp', () => {
    const e = norm({});
    expect(e.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(e).toMatchObject({ level: 'error', platform: 'other', received: RECEIVED_MS / 1000, timestamp: RECEIVED_MS / 1000, tags: [['level', 'error']] });
  });

  it('uses the id ingest answered with when the payload has none, and lower-cases dashed ids', () => {
    expect(norm({}, { eventId: 'ab'.repeat(16) }).event_id).toBe('ab'.repeat(16));
    expect(norm({ event_id: '9EC79C33-EC99-42AB-8353-589FCB2E04DC' }).event_id).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
  });

  it.each([
    [1795554363.346, 1795554363.346],
    [1795554363346, 1795554363.346],
    ['2026-11-24T21:05:58.015280Z', 1795554358.01528],
    ['2026-11-24T21:05:58', 1795554358],
    ['2026-11-24T23:05:58+02:00', 1795554358],
    ['1795554363.5', 1795554363.5],
  ])('reads the timestamp %s', (input, expected) => {
    expect(parseTimestamp(input)).toBeCloseTo(expected, 5);
  });

  it('corrects clock drift from sent_at and does it only once', () => {
    const sentAt = new Date(RECEIVED_MS - 3 * 3600_000).toISOString();
    const ts = RECEIVED_MS / 1000 - 3 * 3600 - 5;
    const e = norm({ timestamp: ts, breadcrumbs: [{ timestamp: ts - 1 }] }, { sentAt });
    expect(e.timestamp).toBeCloseTo(RECEIVED_MS / 1000 - 5, 3);
    expect(e.breadcrumbs?.values[0]?.timestamp).toBeCloseTo(RECEIVED_MS / 1000 - 6, 3);
    expect(norm(e, { sentAt }).timestamp).toBe(e.timestamp);
  });

  it('replaces timestamps from the far future or past with the receive time', () => {
    expect(norm({ timestamp: RECEIVED_MS / 1000 + 3600 }).timestamp).toBe(RECEIVED_MS / 1000);
    expect(norm({ timestamp: RECEIVED_MS / 1000 - 40 * 86400 }).timestamp).toBe(RECEIVED_MS / 1000);
  });

  it('maps level aliases and records a bad one in _meta', () => {
    expect(norm({ level: 'warn' }).level).toBe('warning');
    expect(norm({ level: 'CRITICAL' }).level).toBe('fatal');
    expect(norm({ level: 20 }).level).toBe('info');
    const bad = norm({ level: 'loud' });
    expect(bad.level).toBe('error');
    expect(JSON.stringify(bad._meta)).toContain('expected a level');
  });

  it('turns tags given as a map or as pairs into pairs, dropping invalid ones', () => {
    // The level tag is derived from the event (test/unit/event/tags.test.ts).
    expect(norm({ tags: { a: 'b', n: 1 } }).tags).toEqual([['a', 'b'], ['n', '1'], ['level', 'error']]);
    const e = norm({ tags: [['a', 'b'], ['', 'x'], ['c', 'x'.repeat(300)], 'nope'] });
    expect(e.tags).toEqual([['a', 'b'], ['level', 'error']]);
    expect(e._meta?.['tags']).toBeDefined();
  });

  it('resolves message and logentry aliases', () => {
    expect(norm({ message: 'hello' })).toMatchObject({ message: 'hello', logentry: { formatted: 'hello' } });
    expect(norm({ 'sentry.interfaces.Message': { message: 'a %s c', params: ['b'] } })).toMatchObject({ message: 'a b c' });
    expect(norm({ message: '' }).logentry).toBeUndefined();
  });

  it('accepts exception, threads and breadcrumbs as bare lists or {values}', () => {
    const frames = [{ function: 'f', lineno: '3' }];
    const a = norm({ exception: [{ type: 'E', value: 'v', stacktrace: { frames } }], threads: [{ id: 1, stacktrace: null }], breadcrumbs: [{ message: 'm' }] });
    const b = norm({ exception: { values: [{ type: 'E', value: 'v', stacktrace: { frames } }] }, threads: { values: [{ id: 1 }] }, breadcrumbs: { values: [{ message: 'm' }] } });
    expect(a.exception).toEqual(b.exception);
    expect(a.exception?.values[0]?.stacktrace?.frames[0]?.lineno).toBe(3);
    expect(a.threads).toEqual({ values: [{ id: 1 }] });
    expect(a.breadcrumbs).toEqual(b.breadcrumbs);
  });

  it('moves a legacy top-level stack trace into its single exception', () => {
    const e = norm({ exception: { values: [{ type: 'E' }] }, stacktrace: { frames: [{ function: 'f' }] } });
    expect(e.exception?.values[0]?.stacktrace?.frames).toEqual([{ function: 'f' }]);
    expect(e['stacktrace']).toBeUndefined();
  });

  it('splits "Type: value" when an exception has no type', () => {
    expect(norm({ exception: [{ value: 'ValueError: bad' }] }).exception?.values[0]).toMatchObject({ type: 'ValueError', value: 'bad' });
  });

  it('drops null exceptions and notes them', () => {
    const e = norm({ exception: { values: [null, { type: 'E' }] } });
    expect(e.exception?.values).toEqual([{ type: 'E' }]);
    expect(e._meta).toHaveProperty(['exception', 'values', '0', '']);
  });

  it('fills {{auto}} user IPs from the client IP only when the project stores IPs', () => {
    const raw = { user: { id: 7, ip_address: '{{auto}}' } };
    expect(norm(raw, { clientIp: '203.0.113.9', storeIp: true }).user).toEqual({ id: '7', ip_address: '203.0.113.9' });
    expect(norm(raw, { clientIp: '203.0.113.9', storeIp: false }).user).toEqual({ id: '7' });
    expect(norm({ platform: 'javascript' }, { clientIp: '203.0.113.9', storeIp: true }).user).toEqual({ ip_address: '203.0.113.9' });
  });

  it('normalizes request headers given as a map to title-cased pairs and splits the query', () => {
    const e = norm({ request: { url: 'https://x.test/a?b=1&c=2#h', method: 'post', headers: { 'content-type': 'text/plain' }, cookies: 'a=1; b=2' } });
    expect(e.request).toMatchObject({
      url: 'https://x.test/a',
      method: 'POST',
      headers: [['Content-Type', 'text/plain']],
      query_string: [['b', '1'], ['c', '2']],
      cookies: [['a', '1'], ['b', '2']],
    });
  });

  it('trims over-long strings, deep vars, huge vars and too many frames and breadcrumbs, noting each in _meta', () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 10; i++) deep = { deeper: deep };
    const vars = { deep, big: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 'v'.repeat(50)])) };
    const frames = Array.from({ length: MAX_FRAMES + 50 }, (_, i) => ({ function: `f${i}`, vars: i === 0 ? vars : undefined }));
    const e = norm({
      message: 'm'.repeat(MAX_MESSAGE_CHARS + 10),
      exception: [{ type: 'E', stacktrace: { frames } }],
      breadcrumbs: Array.from({ length: MAX_BREADCRUMBS + 5 }, (_, i) => ({ message: `b${i}` })),
    });
    expect(e.message).toHaveLength(MAX_MESSAGE_CHARS);
    expect(e.message?.endsWith('...')).toBe(true);
    const kept = e.exception!.values[0]!.stacktrace!.frames;
    expect(kept).toHaveLength(MAX_FRAMES);
    expect(kept[0]?.function).toBe('f0');
    expect(kept.at(-1)?.function).toBe(`f${MAX_FRAMES + 49}`);
    expect(JSON.stringify(kept[0]?.vars).length).toBeLessThan(3000);
    expect(e.breadcrumbs?.values).toHaveLength(MAX_BREADCRUMBS);
    expect(e.breadcrumbs?.values.at(-1)?.message).toBe(`b${MAX_BREADCRUMBS + 4}`);
    const meta = JSON.stringify(e._meta);
    expect(meta).toContain('"len":' + (MAX_MESSAGE_CHARS + 10));
    expect(meta).toContain('!limit');
  });

  it('keeps unknown fields and the SDK’s own _meta', () => {
    const e = norm({ something_new: { a: 1 }, _meta: { user: { '': { rem: [['x', 'x']] } } } });
    expect(e['something_new']).toEqual({ a: 1 });
    expect(e._meta).toEqual({ user: { '': { rem: [['x', 'x']] } } });
  });

  it('is idempotent', () => {
    const raw = {
      message: 'hello',
      level: 'warn',
      timestamp: '2026-11-24T21:05:58',
      tags: { a: 'b' },
      exception: [{ value: 'E: v', stacktrace: { frames: [{ function: 'f', vars: { x: 'y'.repeat(1000) } }] } }],
      user: { ip_address: '{{auto}}' },
      request: { url: 'https://x/?a=1', headers: { 'x-a': 'b' } },
    };
    const c: NormalizeContext = { ...ctx, clientIp: '192.0.2.1', storeIp: true, sentAt: '2026-11-24T20:00:00Z' };
    const once = normalizeEvent(raw, c);
    expect(normalizeEvent(once, c)).toEqual(once);
  });

  it('does not modify its input', () => {
    const raw = { exception: [{ type: 'E' }], tags: { a: 'b' } };
    const copy = structuredClone(raw);
    norm(raw);
    expect(raw).toEqual(copy);
  });
});
