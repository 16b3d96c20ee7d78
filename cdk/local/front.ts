/**
 * The local front door: what API Gateway and CloudFront do in AWS. DSN and
 * portal API requests become API Gateway events for the same handlers; every
 * other path serves the portal's static build with the SPA fallback.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { AUTHORIZER, INGEST_PATH, MiB, type IngestApiKind } from '#shared/infra.ts';
import { httpApiEvent, lambdaContext, restApiEvent, type RawRequest } from './lambda.ts';

const MAX_AUTHORIZER_CACHE_ENTRIES = 10_000;

/** API Gateway's request size cap. */
export const MAX_REQUEST_BYTES = 10 * MiB;

type Invoke = (event: unknown, context: unknown) => Promise<APIGatewayProxyResult | undefined>;

export interface FrontOptions {
  ingest: Invoke;
  api: Invoke;
  /**
   * The portal API's authorizer: its context for a request, or undefined to
   * deny. The front caches answers per Authorization header as API Gateway does.
   */
  authorize: (authorization: string) => Promise<Record<string, unknown> | undefined>;
  ingestApi: IngestApiKind;
  portalDir: string;
  /** Served at /config.json, as the CDK stack generates it for CloudFront. */
  portalConfig: () => unknown;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The security headers CloudFront adds in front of the portal. */
const PORTAL_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https:; frame-ancestors 'none'",
};

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) {
        resolveBody(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, result: APIGatewayProxyResult | undefined) {
  if (!result) {
    res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
    return;
  }
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '', 'utf8');
  res.writeHead(result.statusCode, { ...(result.headers as Record<string, string>), 'content-length': String(body.length) });
  res.end(body);
}

export function startFront(opts: FrontOptions, port: number, host = '127.0.0.1'): Promise<Server> {
  const portalRoot = resolve(opts.portalDir);
  const authorizerCache = new Map<string, { context: Record<string, unknown> | undefined; until: number }>();

  /** API Gateway's fixed answers: 401 without the identity header, 403 when the authorizer denies. */
  async function authorizeApi(authorization: string | undefined): Promise<{ denied: APIGatewayProxyResult } | { context: Record<string, unknown> }> {
    if (!authorization) return { denied: { statusCode: 401, headers: { 'content-type': 'application/json' }, body: '{"message":"Unauthorized"}' } };
    let cached = authorizerCache.get(authorization);
    if (!cached || cached.until <= Date.now()) {
      cached = { context: await opts.authorize(authorization), until: Date.now() + AUTHORIZER.cacheTtlSeconds * 1000 };
      // Bounded: every distinct header (a flood of guessed tokens) would otherwise stay in memory.
      if (authorizerCache.size >= MAX_AUTHORIZER_CACHE_ENTRIES) authorizerCache.clear();
      authorizerCache.set(authorization, cached);
    }
    if (!cached.context) return { denied: { statusCode: 403, headers: { 'content-type': 'application/json' }, body: '{"message":"Forbidden"}' } };
    return { context: cached.context };
  }

  function serveStatic(path: string, res: ServerResponse) {
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(opts.portalConfig()));
      return;
    }
    const index = join(portalRoot, 'index.html');
    if (!existsSync(index)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The portal is not built yet: run `npm run build:portal`.\n');
      return;
    }
    let file = normalize(join(portalRoot, decodeURIComponent(path)));
    if (!file.startsWith(portalRoot) || !existsSync(file) || statSync(file).isDirectory()) {
      const html = join(file, 'index.html');
      file = file.startsWith(portalRoot) && existsSync(html) ? html : index; // SPA fallback, as CloudFront's error response does
    }
    const immutable = file.includes(`${join(portalRoot, '_app', 'immutable')}`);
    res.writeHead(200, {
      ...PORTAL_HEADERS,
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(res);
  }

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      const isIngest = INGEST_PATH.test(url.pathname);
      const isApi = url.pathname.startsWith('/api/0/');
      if (!isIngest && !isApi) {
        if (method !== 'GET' && method !== 'HEAD') {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Not Found"}');
          return;
        }
        serveStatic(url.pathname, res);
        return;
      }
      const body = await readBody(req);
      if (body === null) {
        res.writeHead(413, { 'content-type': 'application/json' }).end('{"message":"Request Entity Too Large"}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const raw: RawRequest = {
        method,
        path: url.pathname,
        rawQuery: url.search.slice(1),
        headers,
        body,
        sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      };
      if (isIngest) {
        const event = opts.ingestApi === 'rest' ? restApiEvent(raw, '/{proxy+}') : httpApiEvent(raw, `${method} /{proxy+}`);
        send(res, await opts.ingest(event, lambdaContext('ingest')));
      } else {
        const auth = await authorizeApi(headers['authorization']);
        if ('denied' in auth) {
          send(res, auth.denied);
          return;
        }
        const event = httpApiEvent(raw, 'ANY /api/0/{proxy+}');
        (event.requestContext as unknown as { authorizer: unknown }).authorizer = { lambda: auth.context };
        send(res, await opts.api(event, lambdaContext('api')));
      }
    } catch (error) {
      console.error('front: handler failed', error);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"message":"Internal Server Error"}');
    }
  });
  return new Promise((resolveServer, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveServer(server));
  });
}
