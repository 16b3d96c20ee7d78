/**
 * The DSN routes on an HTTP API (`ingestApi: 'http'`): API Gateway hands
 * `application/json` bodies to Lambda as UTF-8 text, which mangles
 * sentry-python's gzip /store/ body. That must be a loud 400 naming the
 * `ferret:ingestApi` switch, never a silent loss, while envelopes (no or a
 * binary content type, so base64) keep working.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pythonHas, requireRuntime, SYSTEM_PYTHON } from '../helpers/runtime.ts';
import { exceptions, issueAndEvent, listIssues, run, useLocalStack } from './sdk/harness.ts';

const SDK_DIR = join(import.meta.dirname, 'sdk');
const PYTHON_MESSAGE = 'python store message in http mode';
const pythonPresent = requireRuntime('python3-sentry-sdk', pythonHas('sentry_sdk'), 'apt-get install python3-sentry-sdk');

interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Runs sentry-python against a recorder instead of Ferret, to get the exact bytes it sends. */
async function recordPythonStore(projectId: string, publicKey: string): Promise<Recorded> {
  const recorded: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      recorded.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"0"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const dsn = `http://${publicKey}@127.0.0.1:${(server.address() as AddressInfo).port}/${projectId}`;
    await run(SYSTEM_PYTHON, [join(SDK_DIR, 'python_store.py')], { env: { ...process.env, SENTRY_DSN: dsn, MESSAGE: PYTHON_MESSAGE } });
  } finally {
    await new Promise((r) => server.close(r));
  }
  const store = recorded.find((r) => r.path.includes('/store/'));
  if (!store) throw new Error(`sentry-python sent no /store/ request (saw ${recorded.map((r) => r.path).join(', ')})`);
  return store;
}

describe('the DSN routes on an HTTP API', () => {
  const local = useLocalStack('sdk-http-api', { ingestApi: 'http' });

  it.runIf(pythonPresent)("answers sentry-python's gzip /store/ body with a 400 the SDK logs, naming ferret:ingestApi", async () => {
    const { stderr } = await run(SYSTEM_PYTHON, [join(SDK_DIR, 'python_store.py')], { env: { ...process.env, SENTRY_DSN: local.stack.dsn, MESSAGE: PYTHON_MESSAGE } });
    expect(stderr).toMatch(/Unexpected status code: 400 \(body: b'\{"detail":"[^']*ferret:ingestApi=rest[^']*"\}'\)/);
  });

  it.runIf(pythonPresent)('gives the same bytes posted by hand a JSON 400 whose detail says what to change', async () => {
    const { projectId, publicKey } = local.stack.installation;
    const sent = await recordPythonStore(projectId, publicKey);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['content-encoding']).toBe('gzip');
    expect(sent.headers['x-sentry-auth']).toMatch(/sentry_version=7/);
    expect(JSON.parse(gunzipSync(sent.body).toString('utf8'))).toMatchObject({ message: PYTHON_MESSAGE });

    const headers = {
      'content-type': sent.headers['content-type']!,
      'content-encoding': sent.headers['content-encoding']!,
      'x-sentry-auth': String(sent.headers['x-sentry-auth']),
    };
    const res = await fetch(`${local.stack.url}${sent.path}`, { method: 'POST', headers, body: new Uint8Array(sent.body) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { detail } = (await res.json()) as { detail: string };
    expect(detail).toContain('ferret:ingestApi=rest');
    expect(detail).toMatch(/uncompressed/);

    // The advice holds: the same event uncompressed goes through the text path intact.
    const plain = gunzipSync(sent.body);
    const event = JSON.parse(plain.toString('utf8')) as { event_id: string };
    const ok = await fetch(`${local.stack.url}${sent.path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-sentry-auth': headers['x-sentry-auth'] }, body: plain });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: event.event_id });
    const { issue } = await issueAndEvent(local.stack, PYTHON_MESSAGE);
    expect(issue.count).toBe('1');
  });

  it("keeps @sentry/node's envelopes working: they have no text content type, so they arrive base64", async () => {
    await run(process.execPath, [join(SDK_DIR, 'node-app.cjs')], { env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
    const { issue, event } = await issueAndEvent(local.stack, 'division by zero in foo(10, 1)');
    expect(issue.title).toBe('RangeError: division by zero in foo(10, 1)');
    const frame = exceptions(event)[0].stacktrace.frames.at(-1);
    expect(frame).toMatchObject({ function: 'foo', inApp: true });
    expect(frame.context.find(([n]: [number]) => n === frame.lineNo)?.[1]).toContain('throw new RangeError');
    expect(event.release).toEqual({ version: 'node-app@1.0.0' });
  });

  it('accepts a gzip envelope sent as application/x-sentry-envelope, a binary type on an HTTP API', async () => {
    const eventId = 'b'.repeat(32);
    const envelope = [
      JSON.stringify({ event_id: eventId, dsn: local.stack.dsn, sent_at: new Date().toISOString() }),
      JSON.stringify({ type: 'event', content_type: 'application/json' }),
      JSON.stringify({ event_id: eventId, platform: 'ruby', level: 'error', message: 'gzip envelope through an http api' }),
      '',
    ].join('\n');
    const url = new URL(local.stack.dsn);
    const res = await fetch(`${local.stack.url}/api/${local.stack.installation.projectId}/envelope/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-sentry-envelope',
        'content-encoding': 'gzip',
        'x-sentry-auth': `Sentry sentry_version=7, sentry_client=sentry.ruby/5.3.0, sentry_key=${url.username}`,
      },
      body: gzipSync(envelope),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: eventId });
    const { event } = await issueAndEvent(local.stack, 'gzip envelope through an http api');
    expect(event.id).toBe(eventId);
  });

  it.runIf(pythonPresent)('stored nothing from the rejected gzip body: the only python event is the one resent uncompressed', async () => {
    const python = (await listIssues(local.stack)).filter((i) => String(i.title).includes(PYTHON_MESSAGE));
    expect(python).toHaveLength(1);
    expect(python[0].count).toBe('1');
  });
});
