import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { AuthForbiddenError, AuthMissingError, PayloadTooLargeError, ProtocolError } from '#shared/errors.ts';
import { buildDsn, envelopeUrl, parseDsn, storeUrl } from '#shared/protocol/dsn.ts';
import { CORS_HEADERS, corsPreflightHeaders, INGEST_API_SWITCH, parseIngestRequest } from '#shared/protocol/request.ts';
import { parseSentryAuthHeader } from '#shared/protocol/auth.ts';
import { MAX_EVENT_ITEM_BYTES, MAX_STORE_COMPRESSED_BYTES } from '#shared/protocol/limits.ts';
import { enc, EVENT_ID, eventEnvelope, request } from './helpers.ts';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('parseIngestRequest: where the key comes from', () => {
  const cases: Array<[string, Parameters<typeof request>[0]]> = [
    ['X-Sentry-Auth', { headers: { 'x-sentry-auth': 'Sentry sentry_version=7, sentry_key=pub1, sentry_client=x/1' } }],
    ['Authorization: Sentry', { headers: { authorization: 'Sentry sentry_key=pub1, sentry_version=7' } }],
    ['Authorization: Basic', { headers: { authorization: `Basic ${btoa('pub1:secret')}` } }],
    ['the sentry_key query parameter', { query: { sentry_key: 'pub1', sentry_version: '7' } }],
    ['the envelope header dsn', { body: eventEnvelope({ event_id: EVENT_ID, dsn: 'https://pub1@o1.example.com/42' }) }],
  ];
  it.each(cases)('reads it from %s', (_name, over) => {
    const parsed = parseIngestRequest(request({ body: eventEnvelope(), ...over }));
    expect(parsed.publicKey).toBe('pub1');
    expect(parsed.projectId).toBe('42');
    expect(parsed.eventId).toBe(EVENT_ID);
  });

  it('accepts several sources that agree', () => {
    const parsed = parseIngestRequest(request({ body: eventEnvelope(), query: { sentry_key: 'pub1' }, headers: { 'x-sentry-auth': 'Sentry sentry_key=pub1' } }));
    expect(parsed.publicKey).toBe('pub1');
  });

  it('answers 403 when two sources disagree', () => {
    const e = thrown(() => parseIngestRequest(request({ body: eventEnvelope(), query: { sentry_key: 'pub1' }, headers: { 'x-sentry-auth': 'Sentry sentry_key=pub2' } })));
    expect(e).toBeInstanceOf(AuthForbiddenError);
    expect((e as ProtocolError).status).toBe(403);
  });

  it('answers 403 when the envelope dsn disagrees with the query key', () => {
    const body = eventEnvelope({ dsn: 'https://other@o1.example.com/42' });
    expect(() => parseIngestRequest(request({ body, query: { sentry_key: 'pub1' } }))).toThrow(AuthForbiddenError);
  });

  it('rejects an envelope whose DSN names another project', () => {
    const body = eventEnvelope({ dsn: 'https://pub1@o1.example.com/7' });
    expect(() => parseIngestRequest(request({ body, query: { sentry_key: 'pub1' } }))).toThrow(AuthForbiddenError);
  });

  it('answers 401 without any key', () => {
    const e = thrown(() => parseIngestRequest(request({ body: eventEnvelope() })));
    expect(e).toBeInstanceOf(AuthMissingError);
    expect((e as ProtocolError).status).toBe(401);
    expect(() => parseIngestRequest(request({ path: '/api/42/store/', body: enc('{}') }))).toThrow(AuthMissingError);
  });

  it('answers 401 to a malformed key', () => {
    expect(() => parseIngestRequest(request({ body: eventEnvelope(), query: { sentry_key: 'has space' } }))).toThrow(AuthMissingError);
  });
});

describe('parseIngestRequest: paths and projects', () => {
  it('accepts a DSN path prefix in front of /api/', () => {
    const dsn = parseDsn('https://pub1@errors.example.com/some/prefix/42');
    expect(dsn).toMatchObject({ publicKey: 'pub1', host: 'errors.example.com', pathPrefix: '/some/prefix', projectId: '42' });
    const url = new URL(envelopeUrl(dsn));
    const parsed = parseIngestRequest(request({ path: url.pathname, body: eventEnvelope(), query: { sentry_key: 'pub1' } }));
    expect(parsed.projectId).toBe('42');
    expect(new URL(storeUrl(dsn)).pathname).toBe('/some/prefix/api/42/store/');
  });

  it('builds a DSN from a base URL with a prefix and reads it back', () => {
    const dsn = buildDsn('https://errors.example.com/ferret/', 'pub1', '42');
    expect(dsn).toBe('https://pub1@errors.example.com/ferret/42');
    expect(parseDsn(dsn).pathPrefix).toBe('/ferret');
    expect(parseDsn('http://abc123public@127.0.0.1:9011/42')).toMatchObject({ host: '127.0.0.1:9011', pathPrefix: '', projectId: '42' });
  });

  it('leaves the project undefined for /api/store/ so the key decides', () => {
    const parsed = parseIngestRequest(request({ path: '/api/store/', body: enc(`{"event_id":"${EVENT_ID}"}`), query: { sentry_key: 'pub1' } }));
    expect(parsed).toMatchObject({ kind: 'store', projectId: undefined, eventId: EVENT_ID, envelopeHeaders: {} });
    expect(parsed.items).toHaveLength(1);
    expect(parsed.items[0]?.type).toBe('event');
  });

  it('takes the project from the envelope dsn on a tunnel path without one', () => {
    const parsed = parseIngestRequest(request({ path: '/api/envelope/', body: eventEnvelope({ dsn: 'https://pub1@o1.example.com/77' }) }));
    expect(parsed.projectId).toBe('77');
  });

  it('answers 404 off the ingest paths and 405 to other methods', () => {
    expect((thrown(() => parseIngestRequest(request({ path: '/api/42/other/' }))) as ProtocolError).status).toBe(404);
    expect((thrown(() => parseIngestRequest(request({ method: 'GET' }))) as ProtocolError).status).toBe(405);
  });

  it('has no event id for an envelope without an event, and takes it from the payload when the header lacks it', () => {
    const session = parseIngestRequest(request({ body: enc('{}\n{"type":"session"}\n{"sid":"1"}\n'), query: { sentry_key: 'k' } }));
    expect(session.eventId).toBeUndefined();
    const fromPayload = parseIngestRequest(request({ body: eventEnvelope({}), query: { sentry_key: 'k' } }));
    expect(fromPayload.eventId).toBe(EVENT_ID);
  });

  it('makes an event id when the store payload has none', () => {
    const parsed = parseIngestRequest(request({ path: '/api/42/store/', body: enc('{"message":"x"}'), query: { sentry_key: 'k' } }), { newEventId: () => 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE' });
    expect(parsed.eventId).toBe('aaaaaaaabbbbccccddddeeeeeeeeeeee');
  });
});

describe('parseIngestRequest: bodies and limits', () => {
  const store = (body: Uint8Array, headers: Record<string, string> = {}) =>
    request({ path: '/api/42/store/', body, headers: { 'x-sentry-auth': 'Sentry sentry_key=pub1', ...headers } });

  it('decodes a gzip store body', () => {
    const parsed = parseIngestRequest(store(gzipSync(`{"event_id":"${EVENT_ID}"}`), { 'content-encoding': 'gzip' }));
    expect(new TextDecoder().decode(parsed.items[0]!.payload)).toBe(`{"event_id":"${EVENT_ID}"}`);
  });

  it('decodes the legacy raven body base64(zlib(json)) with no Content-Encoding', () => {
    const body = enc(deflateSync(`{"event_id":"${EVENT_ID}","message":"m"}`).toString('base64'));
    const parsed = parseIngestRequest(store(body, { 'content-type': 'application/octet-stream' }));
    expect(parsed.eventId).toBe(EVENT_ID);
    expect(JSON.parse(new TextDecoder().decode(parsed.items[0]!.payload))).toMatchObject({ message: 'm' });
  });

  it('answers 413 to a compressed store body above 200 KiB', () => {
    const body = new Uint8Array(MAX_STORE_COMPRESSED_BYTES + 1);
    expect(() => parseIngestRequest(store(body, { 'content-encoding': 'gzip' }))).toThrow(PayloadTooLargeError);
  });

  it('answers 413 to a store body that inflates past 1 MiB', () => {
    const body = gzipSync(`{"x":"${'a'.repeat(2 << 20)}"}`);
    expect(() => parseIngestRequest(store(body, { 'content-encoding': 'gzip' }))).toThrow(PayloadTooLargeError);
  });

  it('answers 413 to an event item above 1 MiB', () => {
    const payload = `{"x":"${'a'.repeat(MAX_EVENT_ITEM_BYTES)}"}`;
    const body = enc(`{}\n{"type":"event"}\n${payload}\n`);
    expect(() => parseIngestRequest(request({ body, query: { sentry_key: 'k' } }))).toThrow(PayloadTooLargeError);
  });

  it('names the REST API switch when a compressed body arrived as text and does not decode', () => {
    const mangled = enc(new TextDecoder().decode(gzipSync(eventEnvelope())));
    const e = thrown(() => parseIngestRequest(request({ body: mangled, bodyWasText: true, query: { sentry_key: 'k' }, headers: { 'content-encoding': 'gzip' } })));
    expect(e).toBeInstanceOf(ProtocolError);
    expect((e as ProtocolError).status).toBe(400);
    expect((e as Error).message).toContain(INGEST_API_SWITCH);
  });

  it('answers 400 to a store body that is not a JSON object', () => {
    expect((thrown(() => parseIngestRequest(store(enc('[1,2]')))) as ProtocolError).status).toBe(400);
  });
});

describe('auth header and CORS', () => {
  it('parses X-Sentry-Auth fields without the sentry_ prefix', () => {
    expect(parseSentryAuthHeader('Sentry sentry_version=5, sentry_timestamp=1795554366034, sentry_client=raven-node/2.6.4, sentry_key=abc123public')).toEqual({
      version: '5',
      timestamp: '1795554366034',
      client: 'raven-node/2.6.4',
      key: 'abc123public',
    });
  });

  it('allows any origin, the SDK headers, and exposes the rate-limit headers', () => {
    expect(CORS_HEADERS['access-control-allow-origin']).toBe('*');
    for (const h of ['x-sentry-auth', 'content-type', 'content-encoding']) expect(CORS_HEADERS['access-control-allow-headers']).toContain(h);
    for (const h of ['x-sentry-error', 'x-sentry-rate-limits', 'retry-after']) expect(CORS_HEADERS['access-control-expose-headers']).toContain(h);
  });

  it('echoes a custom transport header in a preflight answer', () => {
    expect(corsPreflightHeaders({ 'access-control-request-headers': 'x-demo-header' })['access-control-allow-headers']).toContain('x-demo-header');
  });
});
