import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '#shared/event/normalize.ts';
import { FILTERED, scrubEvent } from '#shared/event/scrub.ts';

const event = (raw: Record<string, unknown>) => normalizeEvent(raw, { receivedAt: Date.UTC(2026, 0, 1), clientIp: '198.51.100.7', storeIp: true });

describe('scrubEvent', () => {
  const raw = {
    exception: [{ type: 'E', stacktrace: { frames: [{ function: 'f', vars: { password: 'hunter2', user_token: 'abc', count: 3, nested: { api_key: 'k' } } }] } }],
    request: {
      headers: { Authorization: 'Bearer abc', Cookie: 'sid=1', 'Set-Cookie': 'sid=2', Accept: 'text/html' },
      data: { card: '4111 1111 1111 1111', note: 'fine' },
      cookies: { sessionid: 's', theme: 'dark' },
      query_string: 'secret=1&page=2',
      env: { DB_PASSWORD: 'x', REMOTE_ADDR: '198.51.100.7' },
    },
    extra: { credentials: { a: 1 }, url: 'https://user:pw@db.example/x', ssn: 'my ssn 123-45-6789' },
    contexts: { app: { auth_header: 'x' } },
    breadcrumbs: [{ message: 'sent Bearer abc.def', data: { passwd: 'p' } }],
    user: { id: '1', email: 'a@b.c', ip_address: '{{auto}}', data: { secret_answer: 'blue' } },
  };

  it('filters sensitive keys, credential headers, card numbers, bearer tokens, SSNs and URL passwords', () => {
    const e = scrubEvent(event(raw));
    const vars = e.exception!.values[0]!.stacktrace!.frames[0]!.vars!;
    expect(vars).toEqual({ password: FILTERED, user_token: FILTERED, count: 3, nested: { api_key: FILTERED } });
    const headers = Object.fromEntries(e.request!.headers as Array<[string, string]>);
    expect(headers).toEqual({ Authorization: FILTERED, Cookie: FILTERED, 'Set-Cookie': FILTERED, Accept: 'text/html' });
    expect(e.request!.data).toEqual({ card: FILTERED, note: 'fine' });
    expect(e.request!.cookies).toEqual([['sessionid', FILTERED], ['theme', 'dark']]);
    expect(e.request!.query_string).toEqual([['secret', FILTERED], ['page', '2']]);
    expect(e.request!.env).toMatchObject({ DB_PASSWORD: FILTERED });
    expect(e.extra).toEqual({ credentials: FILTERED, url: `https://user:${FILTERED}@db.example/x`, ssn: FILTERED });
    expect(e.contexts?.['app']?.['auth_header']).toBe(FILTERED);
    expect(e.breadcrumbs?.values[0]).toMatchObject({ message: FILTERED, data: { passwd: FILTERED } });
    expect(e.user).toMatchObject({ id: '1', email: 'a@b.c', ip_address: '198.51.100.7', data: { secret_answer: FILTERED } });
  });

  it('records what it filtered in _meta', () => {
    const e = scrubEvent(event(raw));
    const meta = e._meta as any;
    expect(meta.exception.values['0'].stacktrace.frames['0'].vars.password['']).toEqual({ rem: [['@password:filter', 's', 0, FILTERED.length]], len: 'hunter2'.length });
    expect(JSON.stringify(e._meta)).toContain('@creditcard:filter');
  });

  it('honours safe and extra sensitive fields, and removes IPs on request', () => {
    const e = scrubEvent(event(raw), { safeFields: ['password'], sensitiveFields: ['note'], scrubIp: true });
    expect(e.exception!.values[0]!.stacktrace!.frames[0]!.vars!['password']).toBe('hunter2');
    expect((e.request!.data as Record<string, unknown>)['note']).toBe(FILTERED);
    expect(e.user?.ip_address).toBeUndefined();
    expect(e.request!.env).not.toHaveProperty('REMOTE_ADDR');
  });

  it('is pure and idempotent', () => {
    const input = event(raw);
    const copy = structuredClone(input);
    const once = scrubEvent(input);
    expect(input).toEqual(copy);
    expect(scrubEvent(once)).toEqual(once);
  });
});

describe('scrubEvent, header spellings and derived tags', () => {
  it('reads dashes in key names as underscores: X-Api-Key is an api_key', () => {
    const out = scrubEvent(event({ request: { url: 'https://a.example/', headers: { 'X-Api-Key': 'k-123', 'api-key': 'k-456', 'X-Request-Id': 'r-1' } } }));
    const headers = Object.fromEntries(out.request!.headers as Array<[string, string]>);
    expect(headers['X-Api-Key']).toBe(FILTERED);
    expect(headers['Api-Key'] ?? headers['api-key']).toBe(FILTERED);
    expect(headers['X-Request-Id']).toBe('r-1');
  });

  it('scrubs tags like any other field: credentials in a URL tag, a tag named after a secret', () => {
    const out = scrubEvent(event({ tags: { url: 'https://ann:pw-123@db.example.com/x', session_token: 't-1', browser: 'Chrome 120' } }));
    const tags = Object.fromEntries(out.tags);
    expect(tags['url']).not.toContain('pw-123');
    expect(tags['session_token']).toBe(FILTERED);
    expect(tags['browser']).toBe('Chrome 120');
  });
});

describe('scrubbing the text people read: exception values, messages, log entries, breadcrumbs', () => {
  it('replaces only the secret inside an exception value, so the title stays readable', () => {
    const e = scrubEvent(
      event({
        exception: {
          values: [
            { type: 'PaymentError', value: 'card 4111 1111 1111 1111 declined for order 1234567890123' },
            { type: 'HTTPError', value: 'GET https://api.example/x?user=bob&password=hunter2&page=3 failed: Authorization: Bearer eyJhbGciOi.abc' },
            { type: 'DBError', value: 'connect postgres://app:s3cr3t@db:5432/app refused; ssn 123-45-6789 on file' },
          ],
        },
      }),
    );
    const [card, http, db] = e.exception!.values.map((v) => v.value);
    // 1234567890123 fails the Luhn check: an order number, not a card.
    expect(card).toBe(`card ${FILTERED} declined for order 1234567890123`);
    expect(http).toBe(`GET https://api.example/x?user=bob&password=${FILTERED}&page=3 failed: Authorization: Bearer ${FILTERED}`);
    expect(db).toBe(`connect postgres://app:${FILTERED}@db:5432/app refused; ssn ${FILTERED} on file`);
    const meta = e._meta as any;
    expect(meta.exception.values['0'].value['']).toMatchObject({ rem: [['@creditcard:filter', 's']] });
    expect(meta.exception.values['1'].value[''].rem.map((r: unknown[]) => r[0]).sort()).toEqual(['@bearer:filter', '@password:filter']);
  });

  it('scrubs messages, log entry templates, formatted text and params', () => {
    const e = scrubEvent(
      event({
        logentry: { message: 'login api_key=%s token=%s', params: ['sk_live_123', 'access_token=abc'], formatted: 'login api_key=sk_live_123 client_secret=zzz' },
      }),
    );
    expect(e.logentry).toEqual({ message: 'login api_key=%s token=%s', params: ['sk_live_123', `access_token=${FILTERED}`], formatted: `login api_key=${FILTERED} client_secret=${FILTERED}` });
    const m = scrubEvent(event({ message: 'retrying with passwd=letmein' }));
    expect(m.logentry?.formatted ?? m.message).toContain(`passwd=${FILTERED}`);
  });

  it('scrubs password=… in breadcrumb messages and string values beside the whole-value patterns', () => {
    const e = scrubEvent(event({ breadcrumbs: [{ message: 'POST /login password=hunter2 ok' }], extra: { dsn: 'mysql://db/x?pwd=abc&ssl=1' } }));
    expect(e.breadcrumbs?.values[0]?.message).toBe(`POST /login password=${FILTERED} ok`);
    expect(e.extra?.['dsn']).toBe(`mysql://db/x?pwd=${FILTERED}&ssl=1`);
  });

  it('leaves ordinary text alone and is idempotent', () => {
    const raw = { exception: { values: [{ type: 'KeyError', value: "'password' not in form; expected token=<value>, got token=abc123" }] }, message: 'x = 1; y == 2' };
    const once = scrubEvent(event(raw));
    expect(once.exception!.values[0]!.value).toBe(`'password' not in form; expected token=<value>, got token=${FILTERED}`);
    expect(scrubEvent(once)).toEqual(once);
    const plain = scrubEvent(event({ exception: { values: [{ type: 'ValueError', value: 'invalid literal for int() with base 10: abc' }] } }));
    expect(plain.exception!.values[0]!.value).toBe('invalid literal for int() with base 10: abc');
    expect(plain._meta).toBeUndefined();
  });

  it('scrubs a secret in the query of a transaction name, as in its tag', () => {
    const out = scrubEvent(event({ transaction: '/reset?api_key=k-789&step=2' }));
    expect(out.transaction).not.toContain('k-789');
    expect(out.transaction).toContain('step=2');
    expect(Object.fromEntries(out.tags)['transaction']).not.toContain('k-789');
  });

  it('scrubs source lines, mechanism data, thread names and fields it has no rule of its own for', () => {
    const out = scrubEvent(
      event({
        exception: { values: [{ type: 'E', value: 'v', mechanism: { type: 'generic', data: { password: 'p-1' } }, stacktrace: { frames: [{ function: 'f', context_line: 'auth = "Bearer b-2abc"', pre_context: ['card = "4111111111111111"', 'x = 1'] }] } }] },
        threads: { values: [{ id: 1, name: 'worker token=t-3' }] },
        sdk: { name: 'sentry.python', settings: { api_key: 'k-4' } },
      }),
    );
    const text = JSON.stringify(out);
    for (const secret of ['p-1', 'b-2abc', '4111111111111111', 't-3', 'k-4']) expect(text, secret).not.toContain(secret);
    const frame = out.exception!.values[0]!.stacktrace!.frames[0]!;
    expect(frame.context_line).toBe(`auth = "Bearer ${FILTERED}"`);
    expect(frame.pre_context![1]).toBe('x = 1');
    expect(out.sdk!.name).toBe('sentry.python');
  });
});
