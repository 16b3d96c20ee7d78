/**
 * Golden tests: every real SDK capture in ../shared/protocol/captures goes
 * through parseIngestRequest → normalizeEvent and must match the checked-in
 * output beside this file. `UPDATE_GOLDEN=1 npx vitest run --project node test/golden`
 * rewrites the outputs; review the diff by eye before committing it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '#shared/event/normalize.ts';
import { corsPreflightHeaders, parseIngestRequest } from '#shared/protocol/request.ts';
import { countFrames } from './frames.ts';
import { PROTOCOL_DIR } from '../helpers/protocol.ts';


const CAPTURES = join(PROTOCOL_DIR, 'captures');
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'captures');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const CLIENT_IP = '127.0.0.1';
const JSON_ITEM_TYPES = new Set(['event', 'transaction', 'session', 'sessions', 'log', 'client_report']);

interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function captureFiles(): Array<[client: string, file: string]> {
  if (!existsSync(CAPTURES)) return [];
  return readdirSync(CAPTURES)
    .sort()
    .flatMap((client) =>
      readdirSync(join(CAPTURES, client))
        .filter((f) => /^\d{4}-\d+-[A-Z]+\.json$/.test(f))
        .sort()
        .map((f): [string, string] => [client, f]),
    );
}

/** What one capture becomes: the parsed request and each item, events normalized. */
function run(capture: Capture, receivedAt: number): unknown {
  const url = new URL(capture.url, 'http://ingest.test');
  if (capture.method === 'OPTIONS') return { preflight: corsPreflightHeaders(capture.headers) };
  const parsed = parseIngestRequest({
    method: capture.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: capture.headers,
    body: Buffer.from(capture.body ?? '', 'base64'),
    bodyWasText: false,
  });
  const sentAt = typeof parsed.envelopeHeaders['sent_at'] === 'string' ? parsed.envelopeHeaders['sent_at'] : undefined;
  return {
    kind: parsed.kind,
    projectId: parsed.projectId,
    publicKey: parsed.publicKey,
    eventId: parsed.eventId,
    envelopeHeaders: parsed.envelopeHeaders,
    items: parsed.items.map((item) => {
      const out: Record<string, unknown> = { type: item.type, headers: item.headers, bytes: item.payload.length };
      if (!JSON_ITEM_TYPES.has(item.type)) return out;
      const json: unknown = JSON.parse(new TextDecoder().decode(item.payload));
      if (item.type === 'event' || item.type === 'transaction') {
        out['normalized'] = normalizeEvent(json, { receivedAt, clientIp: CLIENT_IP, storeIp: true, ...(sentAt ? { sentAt } : {}), ...(parsed.eventId ? { eventId: parsed.eventId } : {}) });
      } else out['json'] = json;
      return out;
    }),
  };
}

const files = captureFiles();

describe.skipIf(files.length === 0)('golden: real SDK captures', () => {
  it.each(files)('%s/%s parses and normalizes to the checked-in output', (client, file) => {
    const capture = JSON.parse(readFileSync(join(CAPTURES, client, file), 'utf8')) as Capture;
    // The capture's file name carries the receive time in ms.
    const receivedAt = Number(file.split('-')[1]);
    const actual = JSON.parse(JSON.stringify(run(capture, receivedAt)));
    const target = join(OUT, client, file.replace(/\.json$/, '.output.json'));
    if (UPDATE) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, JSON.stringify(actual, null, 2) + '\n');
    }
    expect(existsSync(target), `missing ${target}: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(target, 'utf8')));
  });

  it('normalizes every capture’s event with its exception and frames intact', () => {
    for (const [client, file] of files) {
      const decoded = join(CAPTURES, client, 'decoded');
      const n = file.slice(0, 4);
      for (const f of existsSync(decoded) ? readdirSync(decoded) : []) {
        if (!f.startsWith(n) || !(f.endsWith('.body.json') || f.endsWith('-event.json'))) continue;
        const raw = JSON.parse(readFileSync(join(decoded, f), 'utf8')) as Record<string, unknown>;
        const event = normalizeEvent(raw, { receivedAt: Number(file.split('-')[1]) });
        expect(countFrames(event), `${client}/${f}`).toBe(countFrames(raw));
      }
    }
  });
});
