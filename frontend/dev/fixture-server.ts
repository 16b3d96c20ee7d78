/**
 * A stand-in API for looking at the portal without the backend:
 *   npm run build:portal && npx tsx frontend/dev/fixture-server.ts
 * then open http://localhost:5180 and sign in with the token "dev".
 * Serves frontend/build (index.html for unknown paths), /config.json and a
 * few Sentry-shaped answers under /api/0/.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const PORT = Number(process.env.PORT ?? 5180);
const TOKEN = 'dev';
const BUILD = fileURLToPath(new URL('../build/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json' };

const now = Math.floor(Date.now() / 1000);
const hourly = (seed: number) => Array.from({ length: 24 }, (_, i) => [now - (23 - i) * 3600, (i * seed) % 7] as [number, number]);
const project = { id: '42', slug: 'web', name: 'web', platform: 'python', dateCreated: '2025-11-01T00:00:00Z', organization: { slug: 'acme' }, stats: { '24h': hourly(3) }, options: { retentionDays: 90, rateLimitPerMinute: 0 } };
const issue = {
  id: '1', shortId: 'WEB-1', title: 'ZeroDivisionError: division by zero', culprit: 'app in foo', level: 'error', status: 'unresolved', substatus: 'new',
  count: '12', userCount: 3, firstSeen: new Date(Date.now() - 86_400_000).toISOString(), lastSeen: new Date().toISOString(), permalink: '', type: 'error',
  metadata: { type: 'ZeroDivisionError', value: 'division by zero', filename: 'app.py', function: 'foo' },
  project: { id: '42', slug: 'web', name: 'web' }, stats: { '24h': hourly(5) },
  firstRelease: { version: '1.0.0' }, lastRelease: { version: '1.0.1' }, groupedBy: 'stack trace', userReportCount: 0,
};
const event = {
  id: 'a1b2', eventID: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', groupID: '1', dateCreated: issue.lastSeen, dateReceived: issue.lastSeen,
  title: issue.title, message: '', platform: 'python', level: 'error', culprit: issue.culprit, release: { version: '1.0.1' }, environment: 'production',
  tags: [{ key: 'environment', value: 'production' }, { key: 'server_name', value: '<b>web-1</b>' }],
  user: { id: '7', email: 'ada@example.com' }, contexts: { os: { type: 'os', name: 'Linux' }, runtime: { type: 'runtime', name: 'CPython', version: '3.12' } },
  sdk: { name: 'sentry.python', version: '2.40.0' }, fingerprints: ['abc'], previousEventID: null, nextEventID: null,
  entries: [
    { type: 'exception', data: { values: [{ type: 'ZeroDivisionError', value: 'division by zero', mechanism: { type: 'logging', handled: true }, stacktrace: { frames: [
      { filename: 'app.py', function: 'main', lineNo: 14, inApp: true, context: [[13, 'try:'], [14, '    foo(10, 1)'], [15, 'except Exception:']] },
      { filename: 'app.py', function: 'foo', lineNo: 8, inApp: true, context: [[6, '    h = m / n - m'], [7, ''], [8, '    return m / h']], vars: { m: 10, n: 1, h: 0 } },
    ] } }] } },
    { type: 'breadcrumbs', data: { values: [{ timestamp: issue.lastSeen, category: 'log', level: 'info', message: '<script>alert(1)</script>' }] } },
    { type: 'request', data: { url: 'javascript:alert(1)', method: 'GET', headers: [['Host', 'example.com']] } },
  ],
};

const routes: Array<[string, RegExp, (m: RegExpMatchArray, body: unknown) => unknown]> = [
  ['GET', /^\/api\/0\/organizations\/$/, () => [{ id: '1', slug: 'acme', name: 'Acme', dateCreated: '2025-11-01T00:00:00Z' }]],
  ['GET', /^\/api\/0\/organizations\/acme\/projects\/$/, () => [project]],
  ['GET', /^\/api\/0\/organizations\/acme\/members\/$/, () => [{ id: '1', email: 'ada@example.com' }]],
  ['GET', /^\/api\/0\/projects\/acme\/web\/$/, () => project],
  ['GET', /^\/api\/0\/projects\/acme\/web\/keys\/$/, () => [{ id: 'k1', name: 'Default', public: 'abc123', isActive: true, dsn: { public: `http://abc123@localhost:${PORT}/42` } }]],
  ['GET', /^\/api\/0\/projects\/acme\/web\/issues\/$/, () => [issue]],
  ['PUT', /^\/api\/0\/projects\/acme\/web\/issues\/$/, (_m, body) => body],
  ['GET', /^\/api\/0\/projects\/acme\/web\/rules\/$/, () => []],
  ['GET', /^\/api\/0\/organizations\/acme\/issues\/1\/$/, () => issue],
  ['PUT', /^\/api\/0\/organizations\/acme\/issues\/1\/$/, (_m, body) => Object.assign(issue, body)],
  ['GET', /^\/api\/0\/organizations\/acme\/issues\/1\/events\/$/, () => [{ id: event.id, eventID: event.eventID, dateCreated: event.dateCreated, title: event.title, message: '', tags: event.tags, user: event.user }]],
  ['GET', /^\/api\/0\/organizations\/acme\/issues\/1\/events\/[^/]+\/$/, () => event],
  ['GET', /^\/api\/0\/organizations\/acme\/issues\/1\/tags\/$/, () => [{ key: 'environment', name: 'Environment', totalValues: 12, topValues: [{ value: 'production', count: 9 }, { value: 'staging', count: 3 }] }]],
];

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json') {
  res.writeHead(status, { 'Content-Type': type });
  res.end(typeof body === 'string' || body instanceof Buffer ? body : JSON.stringify(body));
}

createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/config.json') return send(res, 200, { apiUrl: '', dsnBaseUrl: `http://localhost:${PORT}`, auth: { kind: 'local' } });
  if (url.pathname.startsWith('/api/0/')) {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(res, 401, { detail: 'Invalid token' });
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const route = routes.find(([method, re]) => method === req.method && re.test(url.pathname));
    if (!route) return send(res, 404, { detail: 'Not found' });
    return send(res, 200, route[2](url.pathname.match(route[1])!, raw ? JSON.parse(raw) : undefined));
  }
  const file = normalize(join(BUILD, url.pathname));
  const path = file.startsWith(BUILD) && extname(file) ? file : join(BUILD, 'index.html');
  try {
    send(res, 200, await readFile(path), TYPES[extname(path)] ?? 'application/octet-stream');
  } catch {
    send(res, 200, await readFile(join(BUILD, 'index.html')), 'text/html');
  }
}).listen(PORT, () => console.log(`Portal with fixture API on http://localhost:${PORT} (token: ${TOKEN})`));
