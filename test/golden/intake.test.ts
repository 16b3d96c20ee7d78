/**
 * Golden tests of what travels beside events in the real SDK captures of
 * ../shared/protocol/captures: every session, sessions, client_report,
 * user_report, feedback and attachment item goes through parseIngestRequest →
 * readIntake and must match the checked-in record beside this file.
 * `UPDATE_GOLDEN=1 npx vitest run --project node test/golden/intake.test.ts`
 * rewrites them; review the diff before committing.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { QueueItem, QueueMessage } from '#shared/model.ts';
import { readIntake, recordIntake } from '#shared/pipeline/intake.ts';
import { MemoryIntake } from '../unit/pipeline/memory-intake.ts';
import { parseIngestRequest } from '#shared/protocol/request.ts';
import { PROTOCOL_DIR } from '../helpers/protocol.ts';

const CAPTURES = join(PROTOCOL_DIR, 'captures');
const OUT = join(dirname(fileURLToPath(import.meta.url)), 'intake');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SIDE_ITEMS = new Set(['session', 'sessions', 'client_report', 'user_report', 'feedback', 'attachment']);

interface Capture {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Captures holding at least one side item, as [client, file, the request parsed]. */
function sideCaptures() {
  if (!existsSync(CAPTURES)) return [];
  const out: Array<[string, string, ReturnType<typeof parseIngestRequest>]> = [];
  for (const client of readdirSync(CAPTURES).sort()) {
    for (const file of readdirSync(join(CAPTURES, client)).filter((f) => /^\d{4}-\d+-POST\.json$/.test(f)).sort()) {
      const capture = JSON.parse(readFileSync(join(CAPTURES, client, file), 'utf8')) as Capture;
      const url = new URL(capture.url, 'http://ingest.test');
      const parsed = parseIngestRequest({ method: 'POST', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: capture.headers, body: Buffer.from(capture.body ?? '', 'base64'), bodyWasText: false });
      if (parsed.items.some((i) => SIDE_ITEMS.has(i.type))) out.push([client, file, parsed]);
    }
  }
  return out;
}

const captures = sideCaptures();

describe.skipIf(captures.length === 0)('golden: side items of real SDK captures', () => {
  it('finds session updates among the captures', () => {
    expect(captures.some(([, , p]) => p.items.some((i) => i.type === 'session'))).toBe(true);
  });

  it('counts each captured session once per state, however many updates repeat it', async () => {
    for (const client of new Set(captures.map(([c]) => c))) {
      const store = new MemoryIntake();
      const sids = new Set<string>();
      for (const [c, file, parsed] of captures) {
        if (c !== client) continue;
        const items: QueueItem[] = parsed.items.filter((i) => i.type === 'session').map((i) => ({ type: i.type, headers: i.headers, text: new TextDecoder().decode(i.payload) }));
        for (const i of items) sids.add(String((JSON.parse(i.text!) as { sid: string }).sid));
        await recordIntake(store, [readIntake(file, { v: 1, projectId: '1', publicKey: parsed.publicKey, receivedAt: Number(file.split('-')[1]), items })], new Map(), () => 90, Number(file.split('-')[1]));
      }
      const [health] = await store.listReleaseHealth();
      expect(health, client).toMatchObject({ release: 'demo@1.0', started: sids.size, errored: sids.size, crashed: 0 });
    }
  });

  it.each(captures.map(([c, f]) => [c, f] as const))('%s/%s reads to the checked-in intake', (client, file) => {
    const parsed = captures.find(([c, f]) => c === client && f === file)![2];
    const receivedAt = Number(file.split('-')[1]);
    const items: QueueItem[] = parsed.items
      .filter((i) => SIDE_ITEMS.has(i.type))
      .map((i, n) => (i.type === 'attachment' ? { type: i.type, headers: i.headers, ref: `attachments/91d/1/e/golden-${n}`, size: i.payload.length } : { type: i.type, headers: i.headers, text: new TextDecoder().decode(i.payload) }));
    const message: QueueMessage = { v: 1, projectId: '1', publicKey: parsed.publicKey, receivedAt, items };
    if (parsed.eventId) message.eventId = parsed.eventId;
    const actual = JSON.parse(JSON.stringify(readIntake('golden', message)));
    const target = join(OUT, client, file.replace(/\.json$/, '.intake.json'));
    if (UPDATE) {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, JSON.stringify(actual, null, 2) + '\n');
    }
    expect(existsSync(target), `missing ${target}: run with UPDATE_GOLDEN=1`).toBe(true);
    expect(actual).toEqual(JSON.parse(readFileSync(target, 'utf8')));
  });
});
