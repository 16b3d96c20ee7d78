/**
 * Benchmark workloads, built from what real SDKs sent (the decoded bodies in
 * `/work/shared/protocol/captures`), sent the way each SDK sends them:
 * sentry-python posts gzip JSON to `/store/`, @sentry/browser a plain-text
 * envelope, @sentry/node a gzip envelope once the body passes 32 KiB.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { KiB } from '#shared/infra.ts';

export const CAPTURES_DIR = process.env['FERRET_CAPTURES_DIR'] ?? '/work/shared/protocol/captures';

/** Target sizes of the three payloads (serialized event JSON), from the benchmark's brief. */
export const PYTHON_EVENT_BYTES = 5 * KiB;
export const BROWSER_EVENT_BYTES = 2 * KiB;
export const BIG_EVENT_BYTES = 50 * KiB;
/** @sentry/node's transport gzips bodies above 32 KiB. */
export const NODE_GZIP_THRESHOLD_BYTES = 32 * KiB;
/** Frames of the enlarged event: deep, like a framework's stack (Sentry keeps up to 250 per trace). */
export const BIG_EVENT_FRAMES = 60;

export type PayloadKind = 'python' | 'browser' | 'big';
export const PAYLOAD_KINDS: readonly PayloadKind[] = ['python', 'browser', 'big'];

/** The distinct-bugs mix: mostly ordinary events, some large ones (weights out of 10). */
export const MIX_WEIGHTS: Readonly<Record<PayloadKind, number>> = { python: 6, browser: 3, big: 1 };

/**
 * `distinct`: events rotate over many bugs (every bug new at first); `storm`:
 * one bug; `steady`: events of bugs that already have issues, the popular ones
 * far more often (Zipf, s = 1), as in a running application.
 */
export type MixName = 'distinct' | 'storm' | 'steady';

export interface Endpoint {
  projectId: string;
  publicKey: string;
}

/** One HTTP request as an SDK would send it. */
export interface SdkRequest {
  kind: PayloadKind;
  bug: number;
  eventId: string;
  method: 'POST';
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
  /** Size of the event JSON before any compression. */
  eventBytes: number;
}

type Json = Record<string, any>;

function readJson(client: string, file: string): Json {
  return JSON.parse(readFileSync(join(CAPTURES_DIR, client, 'decoded', file), 'utf8')) as Json;
}

function size(event: Json): number {
  return Buffer.byteLength(JSON.stringify(event));
}

/** Log breadcrumbs in the shape the SDK records them, until the event reaches `target` bytes. */
function padWithBreadcrumbs(event: Json, target: number, make: (i: number) => Json): Json {
  const values: Json[] = Array.isArray(event['breadcrumbs']) ? event['breadcrumbs'] : (event['breadcrumbs']?.values ?? []);
  const out = { ...event, breadcrumbs: { values: [...values] } };
  for (let i = 0; size(out) < target; i++) out.breadcrumbs.values.push(make(i));
  return out;
}

let templates: Record<PayloadKind, Json> | undefined;

/** The three template events (loaded once). */
export function templateEvents(): Record<PayloadKind, Json> {
  if (templates) return templates;
  // sentry-python 1.9.10: ZeroDivisionError in divide() with local variables.
  const python = padWithBreadcrumbs(readJson('sentry-python', '0002-POST.body.json'), PYTHON_EVENT_BYTES, (i) => ({
    ty: 'log',
    level: 'info',
    category: 'demo.worker',
    message: `processed job ${1000 + i} for account acct_${(i * 7919) % 10_000} in ${(i * 37) % 500} ms`,
    timestamp: '2026-11-24T21:06:11.000000Z',
    data: {},
  }));
  // @sentry/browser 11.12: RangeError thrown in foo() through runDemo().
  const browser = padWithBreadcrumbs(readJson('sentry-browser', '0006-POST.item-0-event.json'), BROWSER_EVENT_BYTES, (i) => ({
    timestamp: 1795554371.4 + i / 100,
    category: 'ui.click',
    message: `body > div#app > button.btn-primary:nth-child(${i + 1})`,
  }));
  // @sentry/node 11.12: TypeError in divide(), enlarged with a deep stack and a long breadcrumb trail.
  const node = readJson('sentry-node', '0003-POST.item-0-event.json');
  const exception = node['exception'].values[0];
  const [outer, ...inner] = exception.stacktrace.frames as Json[];
  const middle: Json[] = [];
  for (let i = 0; i < BIG_EVENT_FRAMES; i++) {
    middle.push({
      filename: i % 3 === 0 ? `/srv/app/node_modules/express/lib/router/layer.js` : `/srv/app/src/services/billing/step${i}.js`,
      module: i % 3 === 0 ? 'express.lib.router:layer' : `services.billing:step${i}`,
      function: i % 3 === 0 ? 'Layer.handle [as handle_request]' : `runStep${i}`,
      lineno: 40 + i,
      colno: 12,
      in_app: i % 3 !== 0,
      pre_context: [`// step ${i}`, `async function runStep${i}(ctx, next) {`, '  const started = Date.now();', '  try {', '    ctx.state.step = ' + i + ';'],
      context_line: `    return await next(ctx.withAccount(ctx.account.id, ${i}));`,
      post_context: ['  } finally {', '    ctx.metrics.timing(`step`, Date.now() - started);', '  }', '}', ''],
    });
  }
  exception.stacktrace.frames = [outer, ...middle, ...inner];
  const big = padWithBreadcrumbs(node, BIG_EVENT_BYTES, (i) => ({
    timestamp: 1795554363.1 + i / 1000,
    category: i % 2 ? 'http' : 'console',
    type: i % 2 ? 'http' : 'default',
    level: 'info',
    message: i % 2 ? undefined : `queue consumer heartbeat ${i}: lag=${(i * 13) % 97} ms, inflight=${i % 11}`,
    data: i % 2 ? { method: 'GET', url: `https://billing.internal/api/v2/accounts/${1000 + i}/invoices?page=${i % 7}`, status_code: 200 } : { logger: 'console' },
  }));
  templates = { python, browser, big };
  return templates;
}

/** 32 lower-case hex digits, the form SDKs use for event ids. */
export function newEventId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The event of bug `bug` (0 = the template's own bug). A different bug gets a
 * different exception type and in-app function, so it fingerprints apart; the
 * tag in the message lets the load generator find its issues and emails.
 */
export function eventFor(kind: PayloadKind, bug: number, tag: string, eventId: string, nowMs: number): Json {
  const event = structuredClone(templateEvents()[kind]);
  const exception = event['exception'].values.at(-1) as Json;
  if (bug > 0) {
    exception.type = `${exception.type ?? 'Error'}${bug}`;
    const frames = exception.stacktrace.frames as Json[];
    const top = frames.findLast((f) => f['in_app'] !== false) ?? frames.at(-1)!;
    top.function = `${top.function}_${bug}`;
  }
  exception.value = `${exception.value} [${tag}-${bug}]`;
  event['event_id'] = eventId;
  event['timestamp'] = nowMs / 1000;
  return event;
}

const zipfTables = new Map<number, Float64Array>();
/** Bug 1..bugs by Zipf (weight 1/k) for a uniform `u` in [0, 1). */
function zipfBug(u: number, bugs: number): number {
  let cdf = zipfTables.get(bugs);
  if (!cdf) {
    cdf = new Float64Array(bugs);
    let sum = 0;
    for (let k = 1; k <= bugs; k++) cdf[k - 1] = sum += 1 / k;
    for (let k = 0; k < bugs; k++) cdf[k]! /= sum;
    zipfTables.set(bugs, cdf);
  }
  let lo = 0;
  let hi = bugs - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

/** The bug and payload kind of the i-th event of a mix. */
export function pick(mix: MixName, i: number, bugs: number): { kind: PayloadKind; bug: number } {
  if (mix === 'storm') return { kind: 'python', bug: 0 };
  const slot = i % 10;
  const kind: PayloadKind = slot < MIX_WEIGHTS.python ? 'python' : slot < MIX_WEIGHTS.python + MIX_WEIGHTS.browser ? 'browser' : 'big';
  // Deterministic and evenly spread: the fractional parts of i × the golden ratio.
  if (mix === 'steady') return { kind, bug: zipfBug((i * 0.6180339887498949) % 1, bugs) };
  // Bugs rotate with a stride coprime to 10 so every bug sees every payload kind.
  return { kind, bug: 1 + ((i * 7) % bugs) };
}

/** The request an SDK sends for this event. */
export function sdkRequest(endpoint: Endpoint, kind: PayloadKind, bug: number, tag: string, nowMs = Date.now()): SdkRequest {
  const eventId = newEventId();
  const event = eventFor(kind, bug, tag, eventId, nowMs);
  const json = JSON.stringify(event);
  const eventBytes = Buffer.byteLength(json);
  const base = { kind, bug, eventId, method: 'POST' as const, eventBytes };
  if (kind === 'python') {
    return {
      ...base,
      path: `/api/${endpoint.projectId}/store/`,
      query: {},
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'user-agent': 'sentry.python/1.9.10',
        'x-sentry-auth': `Sentry sentry_key=${endpoint.publicKey}, sentry_version=7, sentry_client=sentry.python/1.9.10`,
      },
      body: gzipSync(json),
    };
  }
  const client = kind === 'browser' ? 'sentry.javascript.browser/11.12.0' : 'sentry.javascript.node/11.12.0';
  const header = { event_id: eventId, sent_at: new Date(nowMs).toISOString(), sdk: { name: client.split('/')[0], version: '11.12.0' } };
  const envelope = Buffer.from(`${JSON.stringify(header)}\n${JSON.stringify({ type: 'event' })}\n${json}\n`);
  const query = { sentry_version: '7', sentry_key: endpoint.publicKey, sentry_client: client };
  if (kind === 'browser') {
    return { ...base, path: `/api/${endpoint.projectId}/envelope/`, query, headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0' }, body: envelope };
  }
  const gzip = envelope.length > NODE_GZIP_THRESHOLD_BYTES;
  const headers: Record<string, string> = { 'user-agent': 'node' };
  if (gzip) headers['content-encoding'] = 'gzip';
  return { ...base, path: `/api/${endpoint.projectId}/envelope/`, query, headers, body: gzip ? gzipSync(envelope) : envelope };
}

/** Sizes of the three payloads as built, for the report. */
export function payloadSizes(): Record<PayloadKind, { eventBytes: number; wireBytes: number }> {
  const endpoint = { projectId: '1', publicKey: '0'.repeat(32) };
  const out = {} as Record<PayloadKind, { eventBytes: number; wireBytes: number }>;
  for (const kind of PAYLOAD_KINDS) {
    const r = sdkRequest(endpoint, kind, 1, 'size');
    out[kind] = { eventBytes: r.eventBytes, wireBytes: r.body.length };
  }
  return out;
}
