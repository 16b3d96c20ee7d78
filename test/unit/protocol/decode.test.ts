import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PayloadTooLargeError, ProtocolError, UnsupportedMediaError } from '#shared/errors.ts';
import { DecodeError, decodeBody, decodeLegacyStoreBody, parseContentEncoding } from '#shared/protocol/decode.ts';
import { enc } from './helpers.ts';

const json = enc(JSON.stringify({ message: 'hello', n: [1, 2, 3] }));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A zstd frame holding `data` as one raw block (RFC 8878): enough to test the decoder without an encoder. */
function zstdRaw(data: Uint8Array, opts: { windowLog?: number; declaredSize?: number } = {}): Uint8Array {
  const header: number[] = [0x28, 0xb5, 0x2f, 0xfd];
  if (opts.declaredSize !== undefined) {
    // Single segment, 4-byte content size.
    header.push(0b1010_0000);
    const n = opts.declaredSize;
    header.push(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255);
  } else {
    header.push(0);
    header.push(((opts.windowLog ?? 17) - 10) << 3);
  }
  const blockHeader = (1 /* last */ | (0 << 1) /* raw */ | (data.length << 3)) >>> 0;
  return new Uint8Array([...header, blockHeader & 255, (blockHeader >> 8) & 255, (blockHeader >> 16) & 255, ...data]);
}

/** A zstd frame of `blocks` RLE blocks of 128 KiB each: tiny input, large output. */
function zstdRleBomb(blocks: number): Uint8Array {
  const out: number[] = [0x28, 0xb5, 0x2f, 0xfd, 0, (17 - 10) << 3];
  const size = 128 * 1024;
  for (let i = 0; i < blocks; i++) {
    const h = ((i === blocks - 1 ? 1 : 0) | (1 << 1) | (size << 3)) >>> 0;
    out.push(h & 255, (h >> 8) & 255, (h >> 16) & 255, 0x41);
  }
  return new Uint8Array(out);
}

describe('parseContentEncoding', () => {
  it('treats empty, identity and UTF-8 as no encoding', () => {
    expect(parseContentEncoding(undefined)).toEqual([]);
    expect(parseContentEncoding('')).toEqual([]);
    expect(parseContentEncoding('UTF-8')).toEqual([]);
    expect(parseContentEncoding('identity')).toEqual([]);
  });
  it('reads a list of encodings in order', () => {
    expect(parseContentEncoding('gzip, br')).toEqual(['gzip', 'br']);
  });
  it('answers 415 to an unknown encoding', () => {
    expect(() => parseContentEncoding('compress')).toThrow(UnsupportedMediaError);
  });
  it('answers 415 to encodings named like Object.prototype keys', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) expect(() => parseContentEncoding(name), name).toThrow(UnsupportedMediaError);
  });
});

describe('decodeBody', () => {
  it.each([
    ['gzip', gzipSync(json)],
    ['deflate', deflateSync(json)],
    ['deflate', deflateRawSync(json)],
    ['br', brotliCompressSync(json)],
    ['zstd', zstdRaw(json)],
  ] as const)('decodes %s', (encoding, body) => {
    expect(text(decodeBody(body, parseContentEncoding(encoding), 1 << 20))).toBe(text(json));
  });

  it('undoes stacked encodings from the last applied to the first', () => {
    expect(text(decodeBody(brotliCompressSync(gzipSync(json)), ['gzip', 'br'], 1 << 20))).toBe(text(json));
  });

  it('decodes a real zstd stream made by another encoder', () => {
    // `printf '{"message":"hello"}' | zstd -c | base64`
    const body = Buffer.from('KLUv/QRYmQAAeyJtZXNzYWdlIjoiaGVsbG8iffl9bw4=', 'base64');
    expect(text(decodeBody(body, ['zstd'], 1024))).toBe('{"message":"hello"}');
  });

  it.each([
    ['gzip', () => gzipSync(Buffer.alloc(10 << 20))],
    ['deflate', () => deflateSync(Buffer.alloc(10 << 20))],
    ['br', () => brotliCompressSync(Buffer.alloc(10 << 20))],
    ['zstd', () => zstdRleBomb(80)],
  ] as const)('stops a %s bomb at the limit with a 413', (encoding, make) => {
    const body = make();
    expect(body.length).toBeLessThan(100_000);
    expect(() => decodeBody(body, [encoding], 1 << 20)).toThrow(PayloadTooLargeError);
  });

  it('refuses a zstd frame that declares a window larger than allowed', () => {
    expect(() => decodeBody(zstdRaw(json, { windowLog: 30 }), ['zstd'], 200 << 20)).toThrow(PayloadTooLargeError);
    expect(() => decodeBody(zstdRaw(json, { declaredSize: 2 ** 31 }), ['zstd'], 1 << 20)).toThrow(PayloadTooLargeError);
  });

  it.each(['gzip', 'deflate', 'br', 'zstd'] as const)('answers 400 to a body that is not %s', (encoding) => {
    expect(() => decodeBody(enc('{"plain":"json"}'), [encoding], 1 << 20)).toThrow(DecodeError);
  });

  it('applies the limit to identity bodies too', () => {
    expect(() => decodeBody(new Uint8Array(11), [], 10)).toThrow(PayloadTooLargeError);
  });
});

describe('decodeLegacyStoreBody', () => {
  it('reads raven’s base64(zlib(json)) without Content-Encoding', () => {
    const body = enc(deflateSync(json).toString('base64'));
    expect(text(decodeLegacyStoreBody(body, 1 << 20))).toBe(text(json));
  });
  it('reads plain base64 JSON and passes JSON through', () => {
    expect(text(decodeLegacyStoreBody(enc(Buffer.from(json).toString('base64')), 1 << 20))).toBe(text(json));
    expect(decodeLegacyStoreBody(json, 1 << 20)).toBe(json);
  });
  it('answers 400 to a body that is neither', () => {
    const error = (() => {
      try {
        decodeLegacyStoreBody(enc('%%% not base64'), 1 << 20);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).status).toBe(400);
  });
  it('bounds the inflated size', () => {
    const body = enc(deflateSync(Buffer.alloc(4 << 20, 0x20)).toString('base64'));
    expect(() => decodeLegacyStoreBody(body, 1 << 20)).toThrow(PayloadTooLargeError);
  });
});
