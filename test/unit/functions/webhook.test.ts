/**
 * The webhook adapter against real HTTP servers on loopback: what counts as
 * delivered, what is retried, what is refused for good, and which addresses
 * are never posted to.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookSender, refusedAddress } from '#functions/lib/webhook.ts';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = Number(/^\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
      if (req.url?.startsWith('/hang')) return; // never answers
      if (status >= 300 && status < 400) res.setHeader('location', `${base}/landed`);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status >= 400 ? 'receiver says no' : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const sender = new HttpWebhookSender({ allowLoopback: true, timeoutMs: 1_000 });
const post = (path: string, s = sender) => s.post({ url: `${base}${path}`, body: '{"text":"hi"}', headers: { 'request-id': 'r-1' } });

describe('HttpWebhookSender', () => {
  it('posts the JSON body with its headers and reports a 2xx as delivered', async () => {
    expect(await post('/hook/a')).toEqual({ ok: true, status: 200 });
    const got = seen.find((s) => s.path === '/hook/a')!;
    expect(got.body).toBe('{"text":"hi"}');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['request-id']).toBe('r-1');
  });

  it('retries a 5xx, 408 and 429 and gives up on other 4xx', async () => {
    expect(await post('/status/500')).toMatchObject({ ok: false, retry: true, reason: 'HTTP 500: receiver says no' });
    expect(await post('/status/503')).toMatchObject({ ok: false, retry: true });
    expect(await post('/status/429')).toMatchObject({ ok: false, retry: true });
    expect(await post('/status/408')).toMatchObject({ ok: false, retry: true });
    expect(await post('/status/404')).toMatchObject({ ok: false, retry: false, reason: 'HTTP 404: receiver says no' });
    expect(await post('/status/410')).toMatchObject({ ok: false, retry: false });
  });

  it('does not follow a redirect', async () => {
    const before = seen.filter((s) => s.path === '/landed').length;
    expect(await post('/status/302')).toMatchObject({ ok: false, retry: false, reason: 'HTTP 302 redirect not followed' });
    expect(await post('/status/307')).toMatchObject({ ok: false, retry: false });
    expect(seen.filter((s) => s.path === '/landed').length).toBe(before);
  });

  it('gives up on a receiver that does not answer in time, to retry later', async () => {
    expect(await post('/hang')).toMatchObject({ ok: false, retry: true, reason: 'no answer within 1000 ms' });
  });

  it('retries when nobody listens', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await sender.post({ url: `http://127.0.0.1:${port}/`, body: '{}', headers: {} })).toMatchObject({ ok: false, retry: true, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('refuses loopback unless the installation allows it, for literals and for names', async () => {
    const strict = new HttpWebhookSender({ timeoutMs: 1_000 });
    const before = seen.length;
    expect(await post('/hook/strict', strict)).toMatchObject({ ok: false, retry: false, reason: expect.stringContaining('loopback') });
    const port = new URL(base).port;
    // A name is judged by what it resolves to, at connect time.
    expect(await strict.post({ url: `http://localhost:${port}/hook/strict`, body: '{}', headers: {} })).toMatchObject({ ok: false, retry: false, reason: expect.stringContaining('loopback') });
    expect(await strict.post({ url: `http://[::ffff:127.0.0.1]:${port}/hook/strict`, body: '{}', headers: {} })).toMatchObject({ ok: false, retry: false });
    expect(seen.length).toBe(before);
    // Allowed, the same name reaches the receiver.
    expect(await sender.post({ url: `http://localhost:${port}/hook/named`, body: '{}', headers: {} })).toMatchObject({ ok: true });
  });

  it('never posts to metadata or link-local addresses, whatever the configuration', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://[::ffff:169.254.169.254]/', 'http://0.0.0.0:1/', 'http://[fe80::1]/']) {
      expect(await sender.post({ url, body: '{}', headers: {} }), url).toMatchObject({ ok: false, retry: false });
    }
    expect(await sender.post({ url: 'ftp://example.com/', body: '{}', headers: {} })).toMatchObject({ ok: false, retry: false });
  });
});

describe('refusedAddress', () => {
  it('judges addresses by range, IPv4-mapped IPv6 as IPv4', () => {
    expect(refusedAddress('169.254.170.2', true)).toMatch(/link-local/);
    expect(refusedAddress('::ffff:169.254.169.254', true)).toMatch(/link-local/);
    expect(refusedAddress('224.0.0.1', true)).toBeDefined();
    expect(refusedAddress('127.0.0.53', false)).toMatch(/loopback/);
    expect(refusedAddress('::1', false)).toMatch(/loopback/);
    expect(refusedAddress('127.0.0.1', true)).toBeUndefined();
    expect(refusedAddress('10.0.0.7', false)).toBeUndefined();
    expect(refusedAddress('192.168.1.20', false)).toBeUndefined();
    expect(refusedAddress('2606:4700::1111', false)).toBeUndefined();
    expect(refusedAddress('93.184.216.34', false)).toBeUndefined();
  });
});
