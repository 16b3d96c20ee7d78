/**
 * Stored event bodies: zlib with the version 1 preset dictionary, and the gzip
 * bodies written before it still readable.
 */
import { gzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeEventBody, encodeEventBody } from '#functions/lib/event-codec.ts';
import { EVENT_DICTIONARY_V1 } from '#functions/lib/event-dictionary.ts';
import { normalizeEvent } from '#shared/event/normalize.ts';
import { eventFor } from '../../bench/workloads.ts';

const stored = (kind: 'python' | 'browser' | 'big') =>
  JSON.stringify(normalizeEvent(eventFor(kind, 3, 'codec', 'c'.repeat(32), Date.UTC(2026, 10, 24)), { receivedAt: Date.UTC(2026, 10, 24), owned: true }));

describe('stored event bodies', () => {
  it('round-trips every payload kind, unicode included', () => {
    for (const json of [stored('python'), stored('browser'), stored('big'), JSON.stringify({ message: 'żółw 🐢 \u202e', n: 1 })]) {
      expect(decodeEventBody(encodeEventBody(json))).toBe(json);
    }
  });

  it('reads the gzip bodies written before the dictionary', () => {
    const json = stored('python');
    expect(decodeEventBody(gzipSync(json))).toBe(json);
  });

  it('names its dictionary: without it the body does not decode', () => {
    const body = encodeEventBody(stored('browser'));
    expect(body[0]).toBe(0x78);
    expect(() => inflateSync(body)).toThrow();
  });

  it('is smaller than gzip for the 5 KB and 2 KB events', () => {
    for (const kind of ['python', 'browser'] as const) {
      const json = stored(kind);
      expect(encodeEventBody(json).length).toBeLessThan(0.9 * gzipSync(json).length);
    }
  });

  it('keeps no application data in the dictionary', () => {
    // The bench payloads' own words (functions, messages, modules) are not in it.
    for (const word of ['divide', 'ZeroDivisionError', 'runDemo', 'billing', 'account']) expect(EVENT_DICTIONARY_V1).not.toContain(word);
  });
});
