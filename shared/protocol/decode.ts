/**
 * Request body decoding: `Content-Encoding` (gzip, deflate in its zlib and raw
 * forms, br, zstd) and the legacy raven `/store/` form `base64(zlib(json))`.
 *
 * Every decoder stops at `maxBytes` of output and throws
 * {@link PayloadTooLargeError}: a zip bomb costs at most that much memory.
 * Node's zlib enforces the cap itself (`maxOutputLength`); zstd, which Node 20
 * lacks, goes through `fzstd`'s streaming decoder with the cap checked per block
 * after its frame headers were checked for a bounded window.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { PayloadTooLargeError, ProtocolError, UnsupportedMediaError } from '../errors.ts';
import { MAX_ZSTD_WINDOW_BYTES } from './limits.ts';

export type ContentEncoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'zstd';

/** A compressed body that does not decompress: answered with 400. */
export class DecodeError extends ProtocolError {}

const ENCODING_ALIASES: Record<string, ContentEncoding> = {
  '': 'identity',
  identity: 'identity',
  // Old sentry-python sent `Content-Encoding: UTF-8` on plain JSON.
  'utf-8': 'identity',
  utf8: 'identity',
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
  zstd: 'zstd',
};

/**
 * The encodings named by a `Content-Encoding` header, in the order they were
 * applied. Throws {@link UnsupportedMediaError} (415) for one we do not know.
 */
export function parseContentEncoding(header: string | undefined): ContentEncoding[] {
  if (header === undefined) return [];
  const out: ContentEncoding[] = [];
  for (const token of header.split(',')) {
    const name = token.trim().toLowerCase();
    // Own keys only: `__proto__` or `constructor` must not resolve through the prototype.
    const encoding = Object.hasOwn(ENCODING_ALIASES, name) ? ENCODING_ALIASES[name] : undefined;
    if (encoding === undefined) throw new UnsupportedMediaError(`unsupported Content-Encoding: ${name.slice(0, 64)}`);
    if (encoding !== 'identity') out.push(encoding);
  }
  return out;
}

/**
 * Undo the encodings in `encodings` (outermost last, as HTTP lists them),
 * producing at most `maxBytes` bytes.
 */
export function decodeBody(body: Uint8Array, encodings: readonly ContentEncoding[], maxBytes: number): Uint8Array {
  let data = body;
  for (let i = encodings.length - 1; i >= 0; i--) {
    data = decompress(data, encodings[i] ?? 'identity', maxBytes);
  }
  if (data.length > maxBytes) throw tooLarge(maxBytes);
  return data;
}

/** Decompress one layer, bounded by `maxBytes`. */
export function decompress(data: Uint8Array, encoding: ContentEncoding, maxBytes: number): Uint8Array {
  switch (encoding) {
    case 'identity':
      return data;
    case 'gzip':
      return viaZlib(() => gunzipSync(data, { maxOutputLength: maxBytes }), 'gzip', maxBytes);
    case 'deflate':
      // RFC 9110 says zlib-wrapped, but some clients send raw deflate: sniff the zlib header.
      return hasZlibHeader(data)
        ? viaZlib(() => inflateSync(data, { maxOutputLength: maxBytes }), 'deflate', maxBytes)
        : viaZlib(() => inflateRawSync(data, { maxOutputLength: maxBytes }), 'deflate', maxBytes);
    case 'br':
      return viaZlib(() => brotliDecompressSync(data, { maxOutputLength: maxBytes }), 'br', maxBytes);
    case 'zstd':
      return zstd(data, maxBytes);
  }
}

/**
 * The legacy `/store/` body of raven clients: JSON, or base64 of JSON, or
 * base64 of zlib-compressed JSON, with no `Content-Encoding` (as Relay's
 * store endpoint accepts). Returns the JSON bytes.
 */
export function decodeLegacyStoreBody(body: Uint8Array, maxBytes: number): Uint8Array {
  const first = firstNonSpace(body);
  if (first === -1 || body[first] === 0x7b /* { */) return body;
  const decoded = decodeBase64(body);
  if (decoded === undefined) throw new DecodeError('store body is neither JSON nor base64');
  const start = firstNonSpace(decoded);
  if (start !== -1 && decoded[start] === 0x7b) {
    if (decoded.length > maxBytes) throw tooLarge(maxBytes);
    return decoded;
  }
  return decompress(decoded, 'deflate', maxBytes);
}

function hasZlibHeader(data: Uint8Array): boolean {
  const cmf = data[0];
  const flg = data[1];
  if (cmf === undefined || flg === undefined) return false;
  return (cmf & 0x0f) === 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 === 0;
}

function viaZlib(run: () => Uint8Array, name: string, maxBytes: number): Uint8Array {
  try {
    return run();
  } catch (cause) {
    if (isOutputTooLarge(cause)) throw tooLarge(maxBytes);
    throw new DecodeError(`body is not valid ${name}`, { cause });
  }
}

function isOutputTooLarge(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`body is larger than ${maxBytes} bytes once decompressed`);
}

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_SKIPPABLE_MASK = 0xfffffff0;
const ZSTD_SKIPPABLE_MAGIC = 0x184d2a50;
/** Input fed to the zstd decoder per push, so the output cap is checked often. */
const ZSTD_CHUNK_BYTES = 16 * 1024;

class ZstdLimitReached extends Error {}

function zstd(data: Uint8Array, maxBytes: number): Uint8Array {
  checkZstdFrames(data, MAX_ZSTD_WINDOW_BYTES, maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const decoder = new ZstdDecompress((chunk) => {
    total += chunk.length;
    if (total > maxBytes) throw new ZstdLimitReached();
    // fzstd may hand out views of its window, which it overwrites later: copy.
    chunks.push(chunk.slice());
  });
  try {
    if (data.length === 0) decoder.push(data, true);
    for (let offset = 0; offset < data.length; offset += ZSTD_CHUNK_BYTES) {
      const end = Math.min(offset + ZSTD_CHUNK_BYTES, data.length);
      decoder.push(data.subarray(offset, end), end === data.length);
    }
  } catch (cause) {
    if (cause instanceof ZstdLimitReached) throw tooLarge(maxBytes);
    if (cause instanceof ProtocolError) throw cause;
    throw new DecodeError('body is not valid zstd', { cause });
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}

/**
 * Walk the zstd frames (RFC 8878 §3.1) without decoding them, so no frame can
 * make the decoder allocate a window larger than `maxWindow`, and a frame
 * that declares more content than `maxBytes` is refused before decoding.
 */
function checkZstdFrames(data: Uint8Array, maxWindow: number, maxBytes: number): void {
  let pos = 0;
  if (data.length === 0) throw new DecodeError('body is not valid zstd: empty');
  while (pos < data.length) {
    if (pos + 4 > data.length) throw new DecodeError('body is not valid zstd: truncated frame');
    const magic = readLE(data, pos, 4);
    if ((magic & ZSTD_SKIPPABLE_MASK) >>> 0 === ZSTD_SKIPPABLE_MAGIC) {
      if (pos + 8 > data.length) throw new DecodeError('body is not valid zstd: truncated frame');
      pos += 8 + readLE(data, pos + 4, 4);
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw new DecodeError('body is not valid zstd: bad magic number');
    const descriptor = data[pos + 4];
    if (descriptor === undefined) throw new DecodeError('body is not valid zstd: truncated frame');
    const sizeFlag = descriptor >> 6;
    const singleSegment = (descriptor >> 5) & 1;
    const checksum = (descriptor >> 2) & 1;
    const dictFlag = descriptor & 3;
    let p = pos + 5;
    let window = 0;
    if (!singleSegment) {
      const wd = data[p];
      if (wd === undefined) throw new DecodeError('body is not valid zstd: truncated frame');
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
      p += 1;
    }
    p += [0, 1, 2, 4][dictFlag] ?? 0;
    const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag] ?? 0;
    if (p + sizeBytes > data.length) throw new DecodeError('body is not valid zstd: truncated frame');
    const declaredSize = sizeBytes === 0 ? undefined : readLE(data, p, sizeBytes) + (sizeBytes === 2 ? 256 : 0);
    if (singleSegment) window = declaredSize ?? 0;
    p += sizeBytes;
    if (declaredSize !== undefined && declaredSize > maxBytes) throw tooLarge(maxBytes);
    if (window > maxWindow) {
      throw new PayloadTooLargeError(`zstd frame needs a ${window}-byte window; at most ${maxWindow} is accepted`);
    }
    for (;;) {
      if (p + 3 > data.length) throw new DecodeError('body is not valid zstd: truncated block');
      const header = readLE(data, p, 3);
      const last = header & 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw new DecodeError('body is not valid zstd: reserved block type');
      p += 3 + (type === 1 ? 1 : size);
      if (last) break;
    }
    pos = p + (checksum ? 4 : 0);
  }
  if (pos > data.length) throw new DecodeError('body is not valid zstd: truncated frame');
}

function readLE(data: Uint8Array, pos: number, bytes: number): number {
  let value = 0;
  for (let i = bytes - 1; i >= 0; i--) value = value * 256 + (data[pos + i] ?? 0);
  return value;
}

function firstNonSpace(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
  }
  return -1;
}

const BASE64_CHARS = /^[A-Za-z0-9+/\-_]*={0,2}$/;

function decodeBase64(bytes: Uint8Array): Uint8Array | undefined {
  const text = new TextDecoder('latin1').decode(bytes).replace(/\s+/g, '');
  if (text.length === 0 || !BASE64_CHARS.test(text)) return undefined;
  const normalized = text.replace(/-/g, '+').replace(/_/g, '/');
  // Buffer is Node's; the frontend never decodes bodies.
  return new Uint8Array(Buffer.from(normalized, 'base64'));
}
