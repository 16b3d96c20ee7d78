/**
 * Real SDK events for grouping tests, adapted from raw JSON to the
 * NormalizedEvent shape with only what grouping reads: exception and thread
 * lists, legacy `sentry.interfaces.*` keys, tags as pairs, the platform
 * Sentry's sample loader infers from a file name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { NormalizedEvent } from '#shared/model.ts';
import { PROTOCOL_DIR } from '../../helpers/protocol.ts';

/** The shared protocol captures; FERRET_PROTOCOL_DIR points elsewhere on other checkouts. */
const PROTOCOL = PROTOCOL_DIR;
const CAPTURES = join(PROTOCOL, 'captures');
const SAMPLES = join(PROTOCOL, 'sentry-samples');

export interface Sample {
  /** `sentry-node/0003`, `sentry-samples/java`, `grouping-inputs/block_invoke`. */
  name: string;
  event: NormalizedEvent;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asValues(value: unknown): { values: unknown[] } | undefined {
  if (Array.isArray(value)) return { values: value };
  if (isRecord(value) && Array.isArray(value.values)) return { values: value.values };
  return undefined;
}

/** Raw SDK JSON → the normalized shape (just enough for grouping). */
export function toEvent(raw: Record<string, unknown>, platformHint = 'other'): NormalizedEvent {
  const data: Record<string, unknown> = structuredClone(raw);
  const legacy: Array<[string, string]> = [
    ['sentry.interfaces.Exception', 'exception'],
    ['sentry.interfaces.Stacktrace', 'stacktrace'],
    ['sentry.interfaces.Message', 'logentry'],
    ['sentry.interfaces.User', 'user'],
    ['sentry.interfaces.Http', 'request'],
  ];
  for (const [from, to] of legacy) {
    if (from in data) {
      data[to] ??= data[from];
      delete data[from];
    }
  }
  const exception = asValues(data.exception);
  if (exception) data.exception = exception;
  else delete data.exception;
  const threads = asValues(data.threads);
  if (threads) data.threads = threads;
  else delete data.threads;
  const tags = data.tags;
  data.tags = isRecord(tags) ? Object.entries(tags).map(([k, v]) => [k, String(v)]) : Array.isArray(tags) ? tags : [];
  if (typeof data.message !== 'string') {
    if (isRecord(data.message)) data.logentry ??= data.message;
    delete data.message;
  }
  return {
    ...data,
    event_id: typeof data.event_id === 'string' ? data.event_id : '00000000000000000000000000000000',
    timestamp: typeof data.timestamp === 'number' ? data.timestamp : 0,
    received: 0,
    level: typeof data.level === 'string' ? (data.level as NormalizedEvent['level']) : 'error',
    platform: typeof data.platform === 'string' ? data.platform : platformHint,
  } as NormalizedEvent;
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** Every event the real SDKs sent (`/store/` bodies and envelope event items). */
export function captureSamples(): Sample[] {
  const samples: Sample[] = [];
  for (const client of readdirSync(CAPTURES).sort()) {
    const dir = join(CAPTURES, client, 'decoded');
    for (const file of readdirSync(dir).sort()) {
      if (!/\.body\.json$|\.item-\d+-event\.json$/.test(file)) continue;
      samples.push({ name: `${client}/${file.slice(0, 4)}`, event: toEvent(readJson(join(dir, file))) });
    }
  }
  return samples;
}

/** Sentry's sample events and grouping inputs; the platform comes from the file name when absent. */
export function sentrySamples(): Sample[] {
  const samples: Sample[] = [];
  for (const [dir, prefix] of [
    [SAMPLES, 'sentry-samples'],
    [join(SAMPLES, 'grouping-inputs'), 'grouping-inputs'],
  ] as const) {
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json')) continue;
      const name = basename(file, '.json');
      samples.push({ name: `${prefix}/${name}`, event: toEvent(readJson(join(dir, file)), prefix === 'sentry-samples' ? name : 'other') });
    }
  }
  return samples;
}

export function allSamples(): Sample[] {
  return [...captureSamples(), ...sentrySamples()];
}

/** One sample by name; throws when the fixture is missing, so a renamed file fails loudly. */
export function sample(name: string): NormalizedEvent {
  const found = allSamples().find((s) => s.name === name);
  if (!found) throw new Error(`no sample ${name}`);
  return structuredClone(found.event);
}
