/**
 * Stored event bodies: zlib with the preset dictionary EVENT_DICTIONARY_V1
 * (`event-dictionary.ts`). Bodies written before it are gzip; the first bytes
 * tell the two apart (gzip starts 1f 8b, zlib 78), and zlib's header names the
 * dictionary by its Adler-32, so a body never decodes with the wrong one.
 */
import { deflateSync, gunzipSync, inflateSync } from 'node:zlib';
import { EVENT_DICTIONARY_V1 } from './event-dictionary.ts';

const DICTIONARY_V1 = Buffer.from(EVENT_DICTIONARY_V1, 'utf8');

export function encodeEventBody(json: string): Uint8Array {
  return deflateSync(json, { dictionary: DICTIONARY_V1 });
}

export function decodeEventBody(body: Uint8Array): string {
  if (body[0] === 0x1f && body[1] === 0x8b) return gunzipSync(body).toString('utf8');
  return inflateSync(body, { dictionary: DICTIONARY_V1 }).toString('utf8');
}
