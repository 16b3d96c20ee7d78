/**
 * The webhook adapter: one JSON POST per alert, bounded in time, never
 * following a redirect, and never reaching an address inside the function's
 * own host.
 *
 * Rule URLs are checked when a rule is saved, but a name can resolve anywhere
 * at send time (DNS rebinding), so the address is checked again here, on the
 * address the socket actually connects to: `node:http` takes a `lookup`
 * function, which the global `fetch` of Node 20 does not expose without
 * installing undici — the reason this adapter uses `node:http(s)`.
 *
 * Refused always: link-local (169.254.0.0/16 holds EC2's instance metadata
 * and the container credentials endpoint), the IPv6 metadata address,
 * "this network", multicast and broadcast. Loopback is refused unless the
 * installation allows it: inside Lambda it reaches the Runtime API
 * (127.0.0.1:9001), never a chat tool; the local stack allows it through its
 * configuration so tests can run receivers on the same machine. Private
 * ranges are allowed: a self-hosted chat server in the installation's own
 * network is a normal target.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { WebhookOutcome, WebhookRequest, WebhookSender } from '#shared/ports.ts';

/** Ours: a chat tool answers in well under a second; a stuck receiver must not hold the batch. */
export const WEBHOOK_TIMEOUT_MS = 5_000;
/** Ours: the answer is only read for the log line. */
const MAX_RESPONSE_BYTES = 4 * 1024;

const ALWAYS_BLOCKED = new BlockList();
ALWAYS_BLOCKED.addSubnet('0.0.0.0', 8, 'ipv4');
ALWAYS_BLOCKED.addSubnet('169.254.0.0', 16, 'ipv4');
ALWAYS_BLOCKED.addSubnet('224.0.0.0', 4, 'ipv4');
ALWAYS_BLOCKED.addAddress('255.255.255.255', 'ipv4');
ALWAYS_BLOCKED.addAddress('::', 'ipv6');
ALWAYS_BLOCKED.addSubnet('fe80::', 10, 'ipv6');
ALWAYS_BLOCKED.addAddress('fd00:ec2::254', 'ipv6');
ALWAYS_BLOCKED.addSubnet('ff00::', 8, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Why an address may not be posted to, or undefined when it may. */
export function refusedAddress(address: string, allowLoopback: boolean): string | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // An IPv4-mapped IPv6 address reaches the IPv4 host: judge it as that.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  const ip = mapped ? mapped[1]! : bare;
  const family = isIP(ip);
  if (family === 0) return `${address} is not an IP address`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (ALWAYS_BLOCKED.check(ip, type)) return `${address} is a link-local, metadata, multicast or unspecified address`;
  if (!allowLoopback && LOOPBACK.check(ip, type)) return `${address} is a loopback address`;
  return undefined;
}

class RefusedAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

function guardedLookup(allowLoopback: boolean): LookupFunction {
  return ((hostname: string, options: object, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    dnsLookup(hostname, { ...options, verbatim: true } as never, (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, '');
      const all = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
      for (const a of all) {
        const why = refusedAddress(a.address, allowLoopback);
        if (why !== undefined) return callback(new RefusedAddressError(`${hostname} resolves to ${why}`), '');
      }
      callback(null, address, family);
    });
  }) as LookupFunction;
}

export interface HttpWebhookSenderOptions {
  /** Allow loopback receivers (the local stack); never set in AWS. */
  allowLoopback?: boolean;
  timeoutMs?: number;
}

export class HttpWebhookSender implements WebhookSender {
  private readonly allowLoopback: boolean;
  private readonly timeoutMs: number;

  constructor(options: HttpWebhookSenderOptions = {}) {
    this.allowLoopback = options.allowLoopback ?? false;
    this.timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  }

  async post(req: WebhookRequest): Promise<WebhookOutcome> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return { ok: false, retry: false, reason: 'the URL is not valid' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, retry: false, reason: `${url.protocol} URLs are not posted to` };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address never goes through `lookup`: judge it here.
    if (isIP(host) !== 0) {
      const why = refusedAddress(host, this.allowLoopback);
      if (why !== undefined) return { ok: false, retry: false, reason: why };
    }
    const body = Buffer.from(req.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<WebhookOutcome>((resolve) => {
      let settled = false;
      const done = (outcome: WebhookOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const request = send(
        url,
        {
          method: 'POST',
          headers: { ...req.headers, 'content-type': 'application/json', 'content-length': String(body.length) },
          lookup: guardedLookup(this.allowLoopback),
          // A fresh connection per alert: no socket reused across receivers.
          agent: false,
        },
        (res: IncomingMessage) => {
          let read = 0;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => {
            if (read < MAX_RESPONSE_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - read));
            read += chunk.length;
          });
          res.on('error', () => undefined);
          res.on('end', () => done(outcomeOf(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
        },
      );
      const timer = setTimeout(() => {
        done({ ok: false, retry: true, reason: `no answer within ${this.timeoutMs} ms` });
        request.destroy();
      }, this.timeoutMs);
      request.on('error', (error) => {
        if (error instanceof RefusedAddressError) done({ ok: false, retry: false, reason: error.message });
        else done({ ok: false, retry: true, reason: `${(error as NodeJS.ErrnoException).code ?? error.name}: ${error.message}` });
      });
      request.end(body);
    });
  }
}

function outcomeOf(status: number, answer: string): WebhookOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  const said = answer.trim() === '' ? '' : `: ${answer.trim().slice(0, 200)}`;
  // A redirect is not followed: it could point anywhere, including inside the host.
  if (status >= 300 && status < 400) return { ok: false, retry: false, reason: `HTTP ${status} redirect not followed` };
  // 408 and 429 say "later"; 5xx is the receiver's trouble, worth retrying; any other 4xx will not change.
  const retry = status >= 500 || status === 408 || status === 429 || status < 200;
  return { ok: false, retry, reason: `HTTP ${status}${said}` };
}
