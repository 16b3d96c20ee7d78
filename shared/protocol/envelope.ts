/**
 * Sentry envelopes (https://develop.sentry.dev/sdk/envelopes/).
 *
 * ```text
 * {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://e12d836b15bb49d7bbf99e64295d995b@sentry.io/42"}\n
 * {"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n
 * \xef\xbb\xbfHello\r\n\n
 * {"type":"event","content_type":"application/json","filename":"application.log"}\n
 * {"message":"hello world","level":"error"}\n
 * ```
 *
 * One header line (a JSON object), then items. Each item is a header line with a
 * `type` and an optional `length`, then the payload: exactly `length` bytes when
 * given (which may contain newlines), otherwise everything up to the next `\n`
 * or the end. The final newline is optional. Item types we do not know are kept.
 *
 * Parsing works on bytes, never on decoded text, so binary payloads survive.
 */
import { ProtocolError } from '../errors.ts';
import { MAX_ENVELOPE_ITEMS, MAX_HEADER_LINE_BYTES } from './limits.ts';

export interface EnvelopeItem {
  type: string;
  headers: Record<string, unknown>;
  /** A view into the envelope's bytes (not a copy). */
  payload: Uint8Array;
}

export interface Envelope {
  headers: Record<string, unknown>;
  items: EnvelopeItem[];
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/** A malformed envelope: answered with 400. */
export class EnvelopeError extends ProtocolError {}

/**
 * Parse envelope bytes. Pure: the DSN and project checks belong to the request
 * layer. Throws {@link EnvelopeError} for malformed input and nothing else.
 */
export function parseEnvelope(bytes: Uint8Array): Envelope {
  const first = readLine(bytes, 0);
  const headers = parseHeaderLine(bytes.subarray(0, first.end), 'envelope header');
  const items: EnvelopeItem[] = [];
  let pos = first.next;
  while (pos < bytes.length) {
    // Tolerate blank lines between items (a stray trailing `\n` or `\r\n`).
    if (bytes[pos] === NEWLINE) {
      pos += 1;
      continue;
    }
    if (bytes[pos] === CARRIAGE_RETURN && bytes[pos + 1] === NEWLINE) {
      pos += 2;
      continue;
    }
    if (items.length >= MAX_ENVELOPE_ITEMS) {
      throw new EnvelopeError(`envelope has more than ${MAX_ENVELOPE_ITEMS} items`);
    }
    const line = readLine(bytes, pos);
    const itemHeaders = parseHeaderLine(bytes.subarray(pos, line.end), 'item header');
    const type = itemHeaders['type'];
    if (typeof type !== 'string' || type === '') {
      throw new EnvelopeError('envelope item header has no type');
    }
    const length = itemHeaders['length'];
    let payload: Uint8Array;
    if (length === undefined || length === null) {
      const body = readLine(bytes, line.next);
      payload = bytes.subarray(line.next, body.end);
      pos = body.next;
    } else {
      if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) {
        throw new EnvelopeError('envelope item length is not a non-negative integer');
      }
      // An item header that ends at EOF followed by `length: 0` is a legal empty item.
      const start = line.next;
      const end = start + length;
      if (end > bytes.length) {
        throw new EnvelopeError(`envelope item of length ${length} runs past the end of the envelope`);
      }
      payload = bytes.subarray(start, end);
      pos = end;
      if (pos < bytes.length) {
        if (bytes[pos] === NEWLINE) pos += 1;
        else if (bytes[pos] === CARRIAGE_RETURN && bytes[pos + 1] === NEWLINE) pos += 2;
        else throw new EnvelopeError('envelope item payload is not followed by a newline');
      }
    }
    items.push({ type, headers: itemHeaders, payload });
  }
  return { headers, items };
}

/** Serialize an envelope; every item gets an explicit `length`. Used by tests and tools. */
export function serializeEnvelope(envelope: { headers: Record<string, unknown>; items: Array<{ headers: Record<string, unknown>; payload: Uint8Array | string }> }): Uint8Array {
  const parts: Uint8Array[] = [utf8Encoder.encode(JSON.stringify(envelope.headers) + '\n')];
  for (const item of envelope.items) {
    const payload = typeof item.payload === 'string' ? utf8Encoder.encode(item.payload) : item.payload;
    parts.push(utf8Encoder.encode(JSON.stringify({ ...item.headers, length: payload.length }) + '\n'), payload, utf8Encoder.encode('\n'));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Line from `start`: `end` excludes the newline (and a `\r` before it), `next` is past it. */
function readLine(bytes: Uint8Array, start: number): { end: number; next: number } {
  const nl = bytes.indexOf(NEWLINE, start);
  if (nl === -1) return { end: bytes.length, next: bytes.length };
  const end = nl > start && bytes[nl - 1] === CARRIAGE_RETURN ? nl - 1 : nl;
  return { end, next: nl + 1 };
}

function parseHeaderLine(line: Uint8Array, what: string): Record<string, unknown> {
  if (line.length === 0) throw new EnvelopeError(`${what} is empty`);
  if (line.length > MAX_HEADER_LINE_BYTES) throw new EnvelopeError(`${what} is longer than ${MAX_HEADER_LINE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(line));
  } catch (cause) {
    throw new EnvelopeError(`${what} is not valid JSON`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EnvelopeError(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
