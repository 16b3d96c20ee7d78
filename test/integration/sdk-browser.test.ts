/**
 * @sentry/browser 11 (npm, bundled with esbuild) in a real headless Chromium
 * against the local stack. The page is served from another origin than the
 * DSN, so every report is a real cross-origin request: query-string auth,
 * `text/plain` envelopes, and with a custom transport header a CORS preflight.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { requireRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait.ts';
import { entry, exceptions, issueAndEvent, issueWithCount, latestEvent, listIssues, tag, useLocalStack } from './sdk/harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const PAGE_DIR = join(import.meta.dirname, 'sdk', 'browser');

const present = requireRuntime('chromium', existsSync(CHROMIUM), 'apt-get install chromium');

interface Exchange {
  method: string;
  url: string;
  status: number | undefined;
  requestHeaders: Record<string, string>;
}

/** Serves the test page and the SDK bundle on a port of its own: another origin than the stack. */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const bundle = await build({
    stdin: { contents: "export * from '@sentry/browser';", resolveDir: REPO_ROOT, loader: 'js' },
    bundle: true,
    format: 'iife',
    globalName: 'Sentry',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const files: Record<string, [string, string]> = {
    '/': ['text/html; charset=utf-8', readFileSync(join(PAGE_DIR, 'index.html'), 'utf8')],
    '/blank': ['text/html; charset=utf-8', '<!doctype html><title>blank</title>'],
    '/sentry.js': ['text/javascript; charset=utf-8', bundle.outputFiles[0]!.text],
    '/page.js': ['text/javascript; charset=utf-8', readFileSync(join(PAGE_DIR, 'page.js'), 'utf8')],
  };
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', 'http://page').pathname];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe.runIf(present)('@sentry/browser 11 in headless Chromium', () => {
  const local = useLocalStack('sdk-browser');
  let page: { server: Server; origin: string };
  let context: BrowserContext;
  let userDataDir = '';
  const exchanges: Record<string, Exchange[]> = {};
  const pageErrors: string[] = [];

  /** Loads the page in one variant, runs its scenario and records what went to the stack. */
  async function visit(variant: 'simple' | 'preflight') {
    const tab = await context.newPage();
    const seen: Array<Promise<Exchange>> = [];
    tab.on('pageerror', (e) => pageErrors.push(`${variant}: ${e.message}`));
    tab.on('request', (req) => {
      if (!req.url().startsWith(local.stack.url)) return;
      // response() settles when the exchange ends (null if it failed); all are read before the tab closes.
      seen.push(req.response().then(async (res) => ({ method: req.method(), url: req.url(), status: res?.status(), requestHeaders: await req.allHeaders() })));
    });
    await tab.goto(`${page.origin}/?variant=${variant}&dsn=${encodeURIComponent(local.stack.dsn)}`);
    // The page runs its scenario on load; flush() answers true once everything was sent.
    expect(await tab.evaluate(() => (window as unknown as { scenarioDone: Promise<boolean> }).scenarioDone)).toBe(true);
    exchanges[variant] = await Promise.all(seen);
    await tab.close();
  }

  beforeAll(async () => {
    page = await startPageServer();
    userDataDir = mkdtempSync(join(tmpdir(), 'ferret-chromium-'));
    // playwright-core drives the system Chromium; it never downloads a browser.
    context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    await visit('simple');
    await visit('preflight');
  }, 45_000);

  afterAll(async () => {
    await context?.close();
    await new Promise((r) => page?.server.close(r));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it('delivers every envelope cross-origin with query-string auth, text/plain bodies and readable 200 answers', () => {
    for (const variant of ['simple', 'preflight'] as const) {
      const posts = exchanges[variant]!.filter((x) => x.method === 'POST');
      // Two exceptions, a message and an unhandled error, plus the session updates.
      expect(posts.length).toBeGreaterThanOrEqual(4);
      for (const post of posts) {
        const url = new URL(post.url);
        expect(url.pathname).toBe(`/api/${local.stack.installation.projectId}/envelope/`);
        expect(url.searchParams.get('sentry_key')).toBe(local.stack.installation.publicKey);
        expect(post.requestHeaders['content-type']).toBe('text/plain;charset=UTF-8');
        expect(post.requestHeaders['origin']).toBe(page.origin);
        expect(post.requestHeaders['x-sentry-auth']).toBeUndefined();
        expect(post.status).toBe(200);
      }
      expect(posts.every((p) => p.requestHeaders['x-ferret-trace'] === (variant === 'preflight' ? 'on' : undefined))).toBe(true);
    }
    expect(pageErrors.filter((e) => !e.includes("reading 'amount'"))).toEqual([]);
  });

  it('answers the preflight of a custom transport header, and the page can read the event id', async () => {
    const tab = await context.newPage();
    await tab.goto(`${page.origin}/blank`);
    const envelopeUrl = exchanges['preflight']![0]!.url;
    const answer = await tab.evaluate(async (url) => {
      const eventId = 'a'.repeat(32);
      const body = `{"event_id":"${eventId}"}\n{"type":"event"}\n{"event_id":"${eventId}","message":"sent by hand from the page","platform":"javascript"}\n`;
      const res = await fetch(url, { method: 'POST', headers: { 'x-ferret-trace': 'on' }, body });
      return { status: res.status, body: await res.json() };
    }, envelopeUrl);
    await tab.close();
    expect(answer).toEqual({ status: 200, body: { id: 'a'.repeat(32) } });

    const preflight = await fetch(envelopeUrl, {
      method: 'OPTIONS',
      headers: { origin: page.origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-ferret-trace' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toMatch(new RegExp(`^(\\*|${page.origin.replace(/[.]/g, '\\.')})$`));
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-ferret-trace');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('stores a caught exception with the page functions, file URLs, lines and columns as frames', async () => {
    // Both variants reported the same bug: one issue.
    const issue = await issueWithCount(local.stack, 'coupon SPRING', 2);
    const event = await latestEvent(local.stack, issue.id);
    expect(issue).toMatchObject({ title: 'RangeError: coupon SPRING is not valid for cart 7', level: 'error', type: 'error' });
    expect(issue.culprit).toBe(`applyCoupon(${page.origin}/page.js)`);
    const [exception, ...rest] = exceptions(event);
    expect(rest).toEqual([]);
    expect(exception).toMatchObject({ type: 'RangeError', value: 'coupon SPRING is not valid for cart 7', mechanism: { type: 'generic', handled: true } });
    const frames = exception.stacktrace.frames;
    expect(frames.map((f: any) => [f.function, f.filename, f.lineNo])).toEqual([
      ['?', `${page.origin}/page.js`, 50],
      ['scenario', `${page.origin}/page.js`, 34],
      ['submitCart', `${page.origin}/page.js`, 24],
      ['applyCoupon', `${page.origin}/page.js`, 18],
    ]);
    expect(frames.at(-1)).toMatchObject({ colNo: 11, inApp: true });
    // The browser SDK sends no source: context lines would need the file fetched, and locals do not exist in JS SDKs.
    expect(frames.every((f: any) => f.context.length === 0 && f.vars === null)).toBe(true);
    expect(event).toMatchObject({ platform: 'javascript', release: { version: 'web-app@4.5.6' }, environment: 'browser-test', user: { id: 'web-user-1' } });
    expect(event.sdk).toMatchObject({ name: 'sentry.javascript.browser', version: '11.12.0' });
    expect(entry(event, 'request')).toMatchObject({ url: `${page.origin}/` });
  });

  it('stores an error nobody caught as unhandled, with the timer callback and the failing function', async () => {
    const issue = await issueWithCount(local.stack, "reading 'amount'", 2);
    const event = await latestEvent(local.stack, issue.id);
    expect(issue).toMatchObject({ title: "TypeError: Cannot read properties of null (reading 'amount')", level: 'error' });
    expect(issue.culprit).toBe(`renderTotals(${page.origin}/page.js)`);
    const [exception] = exceptions(event);
    expect(exception.mechanism).toMatchObject({ handled: false });
    expect(exception.stacktrace.frames.map((f: any) => [f.function, f.lineNo])).toEqual([
      ['?', 45],
      ['renderTotals', 29],
    ]);
  });

  it('stores an Error with a cause as a two-exception chain, the cause first, each with its frames', async () => {
    const issue = await issueWithCount(local.stack, 'profile could not be loaded', 2);
    const event = await latestEvent(local.stack, issue.id);
    expect(issue.title).toBe('Error: profile could not be loaded');
    const [cause, error, ...rest] = exceptions(event);
    expect(rest).toEqual([]);
    expect(cause.type).toBe('SyntaxError');
    expect(cause.value).toMatch(/JSON/);
    expect(cause.mechanism).toMatchObject({ type: 'chained', source: 'cause' });
    expect(error).toMatchObject({ type: 'Error', value: 'profile could not be loaded' });
    const appFrames = (frames: any[]) => frames.filter((f) => f.filename === `${page.origin}/page.js`).map((f) => [f.function, f.lineNo]);
    expect(appFrames(cause.stacktrace.frames)).toEqual([
      ['?', 50],
      ['scenario', 40],
      ['loadProfile', 58],
      ['parseProfile', 53],
    ]);
    expect(cause.stacktrace.frames.at(-1).function).toBe('JSON.parse');
    expect(appFrames(error.stacktrace.frames)).toEqual([
      ['?', 50],
      ['scenario', 40],
      ['loadProfile', 60],
    ]);
  });

  it('groups captureMessage as a message (not by its synthetic exception), one issue per text', async () => {
    for (const variant of ['simple', 'preflight']) {
      const text = `checkout page loaded slowly (${variant})`;
      const { issue, event } = await issueAndEvent(local.stack, text);
      expect(issue).toMatchObject({ title: text, level: 'warning', type: 'default', count: '1' });
      expect(entry(event, 'message').formatted).toBe(text);
      expect(tag(event, 'variant')).toBe(variant);
      // @sentry/browser 11 attaches a synthetic exception holding the call site.
      const [synthetic] = exceptions(event);
      expect(synthetic.mechanism).toMatchObject({ synthetic: true });
      expect(synthetic.stacktrace.frames.at(-1)).toMatchObject({ function: 'scenario', lineNo: 38, filename: `${page.origin}/page.js` });
    }
    const titles = (await listIssues(local.stack)).map((i) => i.title);
    expect(titles.filter((t) => t.startsWith('checkout page loaded slowly'))).toHaveLength(2);
  });

  it('reads the rate-limit headers of a 429 across origins, and the SDK holds its next error back', async () => {
    const created = await apiSend(local.stack, 'POST', '/organizations/ferret/projects/', { name: 'Browser quota' });
    expect(created.status).toBe(201);
    expect((await apiSend(local.stack, 'PUT', '/projects/ferret/browser-quota/', { options: { monthlyQuota: 1 } })).status).toBe(200);
    const dsn: string = (await apiGet<any[]>(local.stack, '/projects/ferret/browser-quota/keys/')).body[0].dsn.public;
    const url = new URL(dsn);
    const storeUrl = `${local.stack.url}/api${url.pathname}/store/?sentry_key=${url.username}`;
    // Until the grouping step has counted the quota and ingest's cache shows it.
    await waitFor(async () => (await fetch(storeUrl, { method: 'POST', body: '{"message":"fill the quota"}' })).status === 429, 'the quota to bite', 30_000, 200);

    const tab = await context.newPage();
    await tab.goto(`${page.origin}/blank`);
    await tab.addScriptTag({ url: `${page.origin}/sentry.js` });
    const seen = await tab.evaluate(async (dsn) => {
      const S = (window as any).Sentry;
      const out: Array<{ types: string[]; status: number | undefined; limits: string | null; retryAfter: string | null }> = [];
      S.init({
        dsn,
        integrations: [],
        transport: (options: unknown) => {
          const inner = S.makeFetchTransport(options);
          return {
            send: async (envelope: any) => {
              const res = await inner.send(envelope);
              out.push({ types: envelope[1].map((i: any) => i[0].type), status: res.statusCode, limits: res.headers?.['x-sentry-rate-limits'] ?? null, retryAfter: res.headers?.['retry-after'] ?? null });
              return res;
            },
            flush: (t: number) => inner.flush(t),
          };
        },
      });
      S.captureException(new Error('over quota: first'));
      await S.flush(5000);
      S.captureException(new Error('over quota: second'));
      await S.flush(5000);
      return out;
    }, dsn);
    await tab.close();
    const events = seen.filter((x) => x.types.includes('event'));
    // The page read both headers: CORS exposes them, so the SDK limits only the error categories.
    expect(events[0]).toMatchObject({ status: 429, limits: expect.stringMatching(/^\d+:default;error;security:project:project_quota$/), retryAfter: expect.stringMatching(/^\d+$/) });
    // The second error never left the page: the transport answered it from its rate limits.
    expect(events).toHaveLength(2);
    expect(events[1]!.status).toBeUndefined();
  });
});
