/**
 * The grouping step hands its freshly parsed events over to normalization and
 * scrubbing (`owned`, `inPlace`) to skip two deep copies. The result must be
 * exactly what the pure calls give, for every decoded SDK capture and for
 * events full of things to scrub.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeEvent, type NormalizeContext } from '#shared/event/normalize.ts';
import { FILTERED, scrubEvent, type ScrubOptions } from '#shared/event/scrub.ts';
import { PROTOCOL_DIR } from '../../helpers/protocol.ts';

const CAPTURES = join(PROTOCOL_DIR, 'captures');
// A fixed id for payloads without one (else each call would make up its own).
const ctx: NormalizeContext = { receivedAt: Date.UTC(2026, 10, 24, 12), clientIp: '198.51.100.7', storeIp: true, eventId: 'b'.repeat(32) };

function decodedEvents(): Array<[string, unknown]> {
  if (!existsSync(CAPTURES)) return [];
  return readdirSync(CAPTURES).flatMap((client) => {
    const dir = join(CAPTURES, client, 'decoded');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.meta.json'))
      .map((f): [string, unknown] => [`${client}/${f}`, JSON.parse(readFileSync(join(dir, f), 'utf8'))])
      .filter(([, raw]) => raw !== null && typeof raw === 'object' && !Array.isArray(raw));
  });
}

const SECRETS = {
  event_id: 'a'.repeat(32),
  message: 'card 4111 1111 1111 1111 and ssn 078-05-1120',
  exception: {
    values: [
      {
        type: 'Error',
        value: 'boom',
        stacktrace: { frames: [{ function: 'f', filename: 'a.py', vars: { password: 'hunter2', nested: { api_key: 'k', list: ['Bearer abc.def', 'ok'] }, dsn: 'https://user:pw@example.com/1' } }] },
      },
    ],
  },
  request: { url: 'https://u:p@example.com/x?token=1', headers: { Authorization: 'Basic eA==', 'X-Forwarded-For': '203.0.113.9', Accept: '*/*' }, env: { REMOTE_ADDR: '203.0.113.9' } },
  extra: { note: 'private', deep: { secret: 's', key: '-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----' } },
  breadcrumbs: [{ message: 'login with password=x', data: { csrf: 't', n: 1 } }],
  user: { id: '1', ip_address: '203.0.113.9', session: { sessionid: 'abc' } },
};

const CONFIGS: ScrubOptions[] = [{}, { scrubIp: true }, { sensitiveFields: ['note'], safeFields: ['password'] }, { safeFields: ['api_key'], scrubIp: true }];

describe('normalizing and scrubbing in place', () => {
  const events = decodedEvents();
  if (events.length === 0 && process.env['CI'] === 'true') throw new Error(`no captures under ${CAPTURES}`);

  it.skipIf(events.length === 0)('gives what the pure calls give for every decoded capture', () => {
    for (const [name, raw] of events) {
      const pure = scrubEvent(normalizeEvent(raw, ctx), { scrubIp: true });
      const copy = structuredClone(raw);
      const owned = scrubEvent(normalizeEvent(copy, { ...ctx, owned: true }), { scrubIp: true, inPlace: true });
      expect(owned, name).toEqual(pure);
    }
  });

  it('gives what the pure calls give under each scrubbing configuration, in any order', () => {
    // Twice over: the key rules remembered for one configuration must not leak into another.
    for (const config of [...CONFIGS, ...CONFIGS.slice().reverse()]) {
      const pure = scrubEvent(normalizeEvent(SECRETS, ctx), config);
      const owned = scrubEvent(normalizeEvent(structuredClone(SECRETS), { ...ctx, owned: true }), { ...config, inPlace: true });
      expect(owned).toEqual(pure);
    }
  });

  it('filters by configuration, and the pure calls leave their input untouched', () => {
    const before = structuredClone(SECRETS);
    const normalized = normalizeEvent(SECRETS, ctx);
    const frozen = structuredClone(normalized);
    const strict = scrubEvent(normalized, { sensitiveFields: ['note'] });
    const lenient = scrubEvent(normalized, { safeFields: ['password'] });
    expect(SECRETS).toEqual(before);
    expect(normalized).toEqual(frozen);
    const vars = (e: typeof strict) => e.exception!.values[0]!.stacktrace!.frames[0]!['vars'] as Record<string, unknown>;
    expect(vars(strict)['password']).toBe(FILTERED);
    expect(vars(lenient)['password']).toBe('hunter2');
    expect((strict.extra as Record<string, unknown>)['note']).toBe(FILTERED);
    expect((lenient.extra as Record<string, unknown>)['note']).toBe('private');
  });
});
