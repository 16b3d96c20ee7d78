import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '#shared/errors.ts';
import { decodeBody, decodeLegacyStoreBody } from '#shared/protocol/decode.ts';
import { parseEnvelope, serializeEnvelope } from '#shared/protocol/envelope.ts';
import { parseIngestRequest } from '#shared/protocol/request.ts';
import { parseDsn } from '#shared/protocol/dsn.ts';
import { enc } from './helpers.ts';

/** Runs `fn`; any error that is not a ProtocolError fails the property. */
function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
  }
}

const envelopeLike = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.array(fc.oneof(fc.json(), fc.constantFrom('{"type":"event"}', '{"type":"attachment","length":3}', '{}', '\r', '')), { maxLength: 8 }).map((lines) => enc(lines.join('\n'))),
);

describe('fuzz', () => {
  it('parseEnvelope throws only ProtocolErrors', () => {
    fc.assert(fc.property(envelopeLike, (bytes) => onlyProtocolErrors(() => parseEnvelope(bytes))), { numRuns: 2000 });
  });

  it('serialized envelopes parse back to the same items', () => {
    const item = fc.record({ type: fc.constantFrom('event', 'attachment', 'log', 'x'), payload: fc.uint8Array({ maxLength: 64 }) });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 5 }), (items) => {
        const bytes = serializeEnvelope({ headers: { a: 1 }, items: items.map((i) => ({ headers: { type: i.type }, payload: i.payload })) });
        const parsed = parseEnvelope(bytes);
        expect(parsed.items.map((i) => [i.type, Array.from(i.payload)])).toEqual(items.map((i) => [i.type, Array.from(i.payload)]));
      }),
      { numRuns: 500 },
    );
  });

  it.each(['gzip', 'deflate', 'br', 'zstd'] as const)('decoding random %s input throws only ProtocolErrors', (encoding) => {
    const zstdLike = fc.uint8Array({ maxLength: 200 }).map((tail) => new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, ...tail]));
    const gzipLike = fc.tuple(fc.uint8Array({ maxLength: 100 }), fc.nat(200)).map(([junk, cut]) => {
      const good = gzipSync(junk);
      return good.subarray(0, Math.min(cut, good.length));
    });
    const input = fc.oneof(fc.uint8Array({ maxLength: 200 }), encoding === 'zstd' ? zstdLike : gzipLike);
    fc.assert(fc.property(input, (bytes) => onlyProtocolErrors(() => decodeBody(bytes, [encoding], 64 * 1024))), { numRuns: 1000 });
  });

  it('the legacy store decoder throws only ProtocolErrors', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.base64String().map(enc)), (bytes) => onlyProtocolErrors(() => decodeLegacyStoreBody(bytes, 64 * 1024))), { numRuns: 1000 });
  });

  it('parseIngestRequest throws only ProtocolErrors', () => {
    const req = fc.record({
      method: fc.constantFrom('POST', 'GET', 'OPTIONS'),
      path: fc.constantFrom('/api/42/envelope/', '/api/42/store/', '/api/store/', '/x/api/1/envelope', '/nope'),
      query: fc.dictionary(fc.constantFrom('sentry_key', 'sentry_version'), fc.string({ maxLength: 20 })),
      headers: fc.dictionary(fc.constantFrom('x-sentry-auth', 'authorization', 'content-encoding'), fc.string({ maxLength: 40 })),
      body: envelopeLike,
      bodyWasText: fc.boolean(),
    });
    fc.assert(fc.property(req, (r) => onlyProtocolErrors(() => parseIngestRequest(r))), { numRuns: 2000 });
  });

  it('parseDsn throws only ProtocolErrors', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.webUrl({ withQueryParameters: true })), (s) => onlyProtocolErrors(() => parseDsn(s))), { numRuns: 1000 });
  });
});
