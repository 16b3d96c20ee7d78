/**
 * Every sample event and grouping input from Sentry's repository normalizes
 * without throwing and keeps its exceptions and frames.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '#shared/event/normalize.ts';
import { scrubEvent } from '#shared/event/scrub.ts';
import { countFrames } from './frames.ts';
import { PROTOCOL_DIR } from '../helpers/protocol.ts';

const SAMPLES = join(PROTOCOL_DIR, 'sentry-samples');
const files = existsSync(SAMPLES)
  ? [...readdirSync(SAMPLES).filter((f) => f.endsWith('.json')), ...readdirSync(join(SAMPLES, 'grouping-inputs')).map((f) => `grouping-inputs/${f}`)].sort()
  : [];
const ctx = { receivedAt: Date.UTC(2026, 10, 24), clientIp: '192.0.2.1', storeIp: true };

function validExceptions(raw: Record<string, unknown>): number {
  const exc = raw['exception'] ?? raw['sentry.interfaces.Exception'];
  const values = Array.isArray(exc) ? exc : exc !== null && typeof exc === 'object' ? ((exc as { values?: unknown[] }).values ?? [exc]) : [];
  return values.filter((v) => v !== null && typeof v === 'object' && ['type', 'value', 'stacktrace'].some((k) => (v as Record<string, unknown>)[k] != null)).length;
}

describe.skipIf(files.length === 0)('Sentry sample events', () => {
  it.each(files)('%s normalizes, keeps its exceptions and frames, and is stable', (file) => {
    const raw = JSON.parse(readFileSync(join(SAMPLES, file), 'utf8')) as Record<string, unknown>;
    const event = normalizeEvent(raw, ctx);
    expect(event.exception?.values.length ?? 0).toBe(validExceptions(raw));
    expect(countFrames(event)).toBe(countFrames(raw));
    expect(normalizeEvent(event, ctx)).toEqual(event);
    expect(() => scrubEvent(event)).not.toThrow();
  });
});
