/**
 * Scrubbing, end to end on the local stack: each payload hides a secret in one
 * place an SDK may put it; after grouping, the secret must appear nowhere —
 * not in the event the API serves, not in any DynamoDB item (event bodies
 * decompressed), not in the alert email in the SES inbox. Per-project sensitive
 * and safe fields and "store IPs off" are set on the project first.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { decodeEventBody } from '#functions/lib/event-codec.ts';
import { spawnSync } from 'node:child_process';
import { apiGet, apiSend, inbox } from '../helpers/api.ts';
import { pythonHas, requireRuntime, SYSTEM_PYTHON } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait.ts';

let stack: LocalStack;
let dataDir: string;
let dsn: URL;

const run = randomBytes(4).toString('hex');
/** A secret that is easy to find again: `S3CR3T<place><run>`. */
const secret = (place: string) => `S3CR3T${place.replace(/[^a-z0-9]/gi, '')}${run}`;
const VISIBLE = `visible-${run}`;
const CLIENT_IP = '203.0.113.77';

interface Payload {
  place: string;
  /** The secret as it must never be seen again (a part of what is sent). */
  secret: string;
  /** Event fields carrying it. */
  event: Record<string, unknown>;
}

const frame = (vars: Record<string, unknown>) => ({ exception: { values: [{ type: 'ScrubError', value: 'scrub check', stacktrace: { frames: [{ filename: 'app.py', function: 'handler', lineno: 3, in_app: true, vars }] } }] } });
const request = (r: Record<string, unknown>) => ({ request: { url: 'https://shop.example.com/checkout', method: 'POST', ...r } });

function payloads(): Payload[] {
  const p = (place: string, build: (s: string) => Record<string, unknown>, s = secret(place)): Payload => ({ place, secret: s, event: build(s) });
  return [
    p('frame vars password', (s) => frame({ password: s })),
    p('frame vars nested secret', (s) => frame({ config: { db: { host: 'db', client_secret: s } } })),
    p('frame vars api_key in a list', (s) => frame({ items: [{ id: 1, api_key: s }] })),
    p('frame vars credit card', () => frame({ order: { card: '4111 1111 1111 1111' } }), '4111 1111 1111 1111'),
    p('frame vars private key', () => frame({ pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----' }), 'MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu'),
    p('header authorization', (s) => request({ headers: { Authorization: `Bearer ${s}`, 'User-Agent': 'test' } })),
    p('header cookie', (s) => request({ headers: { Cookie: `sessionid=${s}; theme=dark` } })),
    p('header set-cookie', (s) => request({ headers: [['Set-Cookie', `sid=${s}; HttpOnly`]] })),
    p('header x-api-key', (s) => request({ headers: { 'X-Api-Key': s } })),
    p('cookies sessionid', (s) => request({ cookies: { sessionid: s, theme: 'dark' } })),
    p('query string token', (s) => request({ query_string: `token=${s}&page=2` })),
    p('query pairs access token', (s) => request({ query_string: [['access_token', s], ['page', '2']] })),
    p('form data password', (s) => request({ data: { username: 'ann', password: s } })),
    p('json data nested credentials', (s) => request({ data: { user: { credentials: { aws: s } } } })),
    p('url with password', (s) => request({ url: `https://ann:${s}@db.example.com/orders` })),
    p('extra secret', (s) => ({ extra: { aws_secret_access_key: s, build: 42 } })),
    p('contexts auth token', (s) => ({ contexts: { app: { type: 'app', auth_token: s } } })),
    p('breadcrumb data password', (s) => ({ breadcrumbs: { values: [{ category: 'http', data: { url: '/login', password: s }, timestamp: 1 }] } })),
    p('breadcrumb message bearer', (s) => ({ breadcrumbs: { values: [{ category: 'log', message: `calling api with Bearer ${s}`, timestamp: 1 }] } })),
    p('user extra field', (s) => ({ user: { id: 'u-1', password_hint: s } })),
    p('project sensitive field', (s) => frame({ customer_ref: s })),
    p('exception value card number', () => ({ exception: { values: [{ type: 'PaymentError', value: 'charge failed for card 4111111111111111' }] } }), '4111111111111111'),
    p('exception value bearer', (s) => ({ exception: { values: [{ type: 'HTTPError', value: `401 for Authorization: Bearer ${s}` }] } })),
    p('source context line bearer', (s) => ({ exception: { values: [{ type: 'ScrubError', value: 'src', stacktrace: { frames: [{ filename: 'app.py', function: 'call', lineno: 9, context_line: `headers = {"Authorization": "Bearer ${s}"}`, pre_context: ['def call():'], in_app: true }] } }] } })),
    p('mechanism data password', (s) => ({ exception: { values: [{ type: 'ScrubError', value: 'mech', mechanism: { type: 'generic', handled: false, data: { password: s } } }] } })),
    p('thread name token', (s) => ({ threads: { values: [{ id: 1, name: `worker token=${s}`, crashed: true }] } })),
    p('sdk settings api key', (s) => ({ sdk: { name: 'sentry.custom', version: '1.0', settings: { api_key: s } } })),
    p('transaction query secret', (s) => ({ transaction: `/reset?api_key=${s}&step=2` })),
    p('message url credentials', (s) => ({ message: `cannot connect to postgres://app:${s}@db.internal/orders` })),
    p('log entry bearer', (s) => ({ logentry: { message: 'upstream refused %s', params: [`Bearer ${s}`], formatted: `upstream refused Bearer ${s}` } })),
    p('ip address', () => ({ user: { id: 'u-2', ip_address: CLIENT_IP } }), CLIENT_IP),
    p('forwarded ip header', () => request({ headers: { 'X-Forwarded-For': CLIENT_IP } }), CLIENT_IP),
    p('remote addr env', () => request({ env: { REMOTE_ADDR: CLIENT_IP, SERVER_NAME: 'web-1' } }), CLIENT_IP),
  ];
}

const sent = payloads();
const RAW_PAYLOADS = sent.length;
/**
 * One more through a real SDK: sentry-python sends frame locals; `customer_ref`
 * is not on its own deny list, only on the project's, so the server must scrub it.
 */
const SDK_SECRET = secret('python sdk customer ref');
const hasPython = requireRuntime('python3-sentry-sdk', pythonHas('sentry_sdk'), 'apt-get install python3-sentry-sdk');
const PYTHON = `
import os, sys, sentry_sdk
sentry_sdk.init(dsn=sys.argv[1])
def charge(customer_ref):
    amount = 10
    raise ValueError("charge failed")
try:
    charge(os.environ["CUSTOMER_REF"])
except Exception:
    sentry_sdk.capture_exception()
sentry_sdk.flush(10)
`;

async function post(event: Record<string, unknown>) {
  const res = await fetch(`${stack.url}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  expect(res.status, await res.text()).toBe(200);
}

/** Every string in a DynamoDB item, with event bodies decompressed. */
function itemText(item: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (v: unknown) => {
    if (v instanceof Uint8Array) {
      try {
        parts.push(decodeEventBody(v));
      } catch {
        parts.push(Buffer.from(v).toString('utf8'));
      }
    } else if (typeof v === 'string') parts.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(item);
  return parts.join('\n');
}

async function tableText(): Promise<string> {
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const texts: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await doc.send(new ScanCommand({ TableName: LOCAL_NAMES.table, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) texts.push(itemText(item));
    start = out.LastEvaluatedKey;
  } while (start);
  return texts.join('\n');
}

const issues = new Map<string, string>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-scrub-'));
  stack = await startLocalStack({ dataDir, port: 0, mailTo: 'owner@example.com' });
  // A project of its own, configured before its first event reaches the grouping step.
  const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Scrub', slug: 'scrub' });
  expect(created.status).toBe(201);
  const options = await apiSend(stack, 'PUT', '/projects/ferret/scrub/', { options: { sensitiveFields: ['customer_ref'], safeFields: ['public_token'], storeIp: false } });
  expect(options.status, JSON.stringify(options.body)).toBe(200);
  dsn = new URL((await apiGet<any[]>(stack, '/projects/ferret/scrub/keys/')).body[0].dsn.public);

  for (const [i, payload] of sent.entries()) {
    // One issue per payload (its own fingerprint), so each one gets its own new-issue email.
    await post({
      event_id: randomBytes(16).toString('hex'),
      platform: 'python',
      level: 'error',
      message: `scrub payload ${i}`,
      fingerprint: [`scrub-${run}-${i}`],
      extra: { public_token: VISIBLE, ...(payload.event['extra'] as object | undefined) },
      ...Object.fromEntries(Object.entries(payload.event).filter(([k]) => k !== 'extra')),
    });
  }
  if (hasPython) {
    // The secret travels in the environment (the SDK sends argv as extra, not the environment).
    const out = spawnSync(SYSTEM_PYTHON, ['-c', PYTHON, dsn.toString()], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, CUSTOMER_REF: SDK_SECRET } });
    expect(out.status, out.stderr).toBe(0);
    sent.push({ place: 'python sdk frame local', secret: SDK_SECRET, event: {} });
  }
  const list = await waitFor(async () => {
    const res = await apiGet<any[]>(stack, '/projects/ferret/scrub/issues/?limit=100&query=');
    return res.body.length >= sent.length ? res.body : undefined;
  }, 'every payload grouped', 60_000);
  for (const issue of list) issues.set(issue.id, issue.title);
  await waitFor(async () => (await inbox(stack)).length >= sent.length || undefined, 'an alert email per payload', 60_000);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe(`scrubbing at ingest, ${RAW_PAYLOADS} raw payloads and one sentry-python event`, () => {
  it('serves no secret through the API, and keeps safe fields readable', async () => {
    let served = '';
    for (const id of issues.keys()) {
      const event = await apiGet(stack, `/organizations/ferret/issues/${id}/events/latest/`);
      expect(event.status).toBe(200);
      served += JSON.stringify(event.body);
    }
    for (const p of sent) expect(served.includes(p.secret), `API shows the secret of "${p.place}"`).toBe(false);
    expect(served).toContain(VISIBLE);
    expect(served).toContain('[Filtered]');
  });

  it('stores no secret in any DynamoDB item', async () => {
    const text = await tableText();
    expect(text).toContain(`scrub payload ${RAW_PAYLOADS - 1}`);
    for (const p of sent) expect(text.includes(p.secret), `the table holds the secret of "${p.place}"`).toBe(false);
  });

  it('mails no secret, to the members of the project', async () => {
    const mails = await inbox(stack);
    expect(mails.length).toBeGreaterThanOrEqual(sent.length);
    const text = mails.map((m) => `${m.subject}\n${m.body.text ?? ''}\n${m.body.html ?? ''}`).join('\n');
    for (const p of sent) expect(text.includes(p.secret), `an email shows the secret of "${p.place}"`).toBe(false);
    // The installation's owner is the one signed-in member of the default team.
    expect(mails.every((m) => m.destination.to.join(',') === 'owner@example.com')).toBe(true);
  });
});
