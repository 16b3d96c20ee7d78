import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '#shared/event/normalize.ts';
import { derivedTags, userTag } from '#shared/event/tags.ts';

const norm = (raw: Record<string, unknown>) => normalizeEvent(raw, { receivedAt: Date.UTC(2026, 10, 24, 21, 6, 0) });
const tagMap = (raw: Record<string, unknown>) => Object.fromEntries(norm(raw).tags);

describe('tags derived from event fields', () => {
  it('derives Sentry’s tags from a browser event', () => {
    const tags = tagMap({
      level: 'warning',
      environment: 'production',
      release: 'web@2.1.0',
      dist: '7',
      transaction: '/checkout',
      logger: 'console',
      request: { url: 'https://shop.example/checkout?step=2#pay' },
      user: { id: '42', email: 'a@example.com' },
      contexts: {
        browser: { name: 'Chrome', version: '120.0.0' },
        os: { name: 'Windows', version: '10' },
        device: { model: 'iPhone14,3', family: 'iOS' },
      },
      exception: { values: [{ type: 'TypeError', value: 'x is undefined', mechanism: { type: 'onerror', handled: false } }] },
    });
    expect(tags).toEqual({
      level: 'warning',
      logger: 'console',
      environment: 'production',
      release: 'web@2.1.0',
      dist: '7',
      transaction: '/checkout',
      url: 'https://shop.example/checkout',
      user: 'id:42',
      mechanism: 'onerror',
      handled: 'no',
      browser: 'Chrome 120.0.0',
      'browser.name': 'Chrome',
      os: 'Windows 10',
      'os.name': 'Windows',
      device: 'iPhone14,3',
      'device.family': 'iOS',
    });
  });

  it('derives runtime and server tags from a server event, and handled yes', () => {
    const tags = tagMap({
      platform: 'python',
      server_name: 'web-1',
      contexts: { runtime: { name: 'CPython', version: '3.11.4' }, os: { raw_description: 'Linux 6.1' } },
      exception: { values: [{ type: 'KeyError', mechanism: { type: 'logging', handled: true } }] },
    });
    expect(tags).toMatchObject({ server_name: 'web-1', runtime: 'CPython 3.11.4', 'runtime.name': 'CPython', os: 'Linux 6.1', handled: 'yes', mechanism: 'logging' });
    expect(tags).not.toHaveProperty('os.name');
  });

  it('names a context by its alias and reads its type', () => {
    const tags = tagMap({ contexts: { client_os: { type: 'os', name: 'macOS', version: '14' } } });
    expect(tags).toMatchObject({ client_os: 'macOS 14', 'client_os.name': 'macOS' });
    expect(tags).not.toHaveProperty('os');
  });

  it('takes the mechanism of the captured exception, the last of a chain', () => {
    const tags = tagMap({
      exception: {
        values: [
          { type: 'Cause', mechanism: { type: 'chained', handled: true } },
          { type: 'Error', mechanism: { type: 'generic', handled: false } },
        ],
      },
    });
    expect(tags).toMatchObject({ mechanism: 'generic', handled: 'no' });
  });

  it('keeps tags the SDK sent, except the ones mirroring event fields', () => {
    const e = norm({ level: 'error', release: 'r2', tags: { browser: 'Custom 1', release: 'r1', environment: 'from-tag', team: 'pay' }, contexts: { browser: { name: 'Chrome', version: '1' } } });
    const tags = Object.fromEntries(e.tags);
    expect(tags).toMatchObject({ browser: 'Custom 1', release: 'r2', environment: 'from-tag', team: 'pay', 'browser.name': 'Chrome' });
    // SDK tags keep their place, first.
    expect(e.tags.slice(0, 4).map(([k]) => k)).toEqual(['browser', 'release', 'environment', 'team']);
  });

  it('is idempotent: normalizing a normalized event changes no tag', () => {
    const once = norm({ user: { ip_address: '10.0.0.1' }, request: { url: 'http://x/y' }, contexts: { browser: { name: 'Firefox' } } });
    const twice = normalizeEvent(structuredClone(once), { receivedAt: 0 });
    expect(twice.tags).toEqual(once.tags);
    expect(derivedTags(once).every(([k, v]) => once.tags.some(([k2, v2]) => k2 === k && v2 === v))).toBe(true);
  });

  it('gives the user tag Sentry’s precedence: id, email, username, ip', () => {
    expect(userTag({ email: 'e@x', username: 'u', ip_address: '1.2.3.4' })).toBe('email:e@x');
    expect(userTag({ username: 'u', ip_address: '1.2.3.4' })).toBe('username:u');
    expect(userTag({ ip_address: '1.2.3.4' })).toBe('ip:1.2.3.4');
    expect(userTag({})).toBeUndefined();
  });

  it('never makes a tag of a multi-line or over-long value', () => {
    const tags = tagMap({ transaction: 'a\nb', server_name: 'h'.repeat(500) });
    expect(tags).not.toHaveProperty('transaction');
    expect(tags['server_name']).toHaveLength(200);
  });

  it('reads browser, OS and device contexts from the User-Agent of a browser event', () => {
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
    const e = norm({ platform: 'javascript', request: { url: 'https://m.example/', headers: { 'User-Agent': iphone } } });
    expect(e.contexts).toMatchObject({ browser: { type: 'browser', name: 'Safari', version: '17.1' }, os: { type: 'os', name: 'iOS', version: '17.1' }, device: { type: 'device', model: 'iPhone' } });
    expect(Object.fromEntries(e.tags)).toMatchObject({ browser: 'Safari 17.1', 'browser.name': 'Safari', os: 'iOS 17.1', 'os.name': 'iOS', device: 'iPhone' });
  });

  it('keeps the contexts an SDK sent, and puts a server event’s client OS under client_os', () => {
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
    const e = norm({ platform: 'python', request: { headers: [['user-agent', chrome]] }, contexts: { os: { name: 'Linux' }, browser: { name: 'Own', version: '1' } } });
    expect(e.contexts?.['os']).toMatchObject({ name: 'Linux' });
    expect(e.contexts?.['browser']).toMatchObject({ name: 'Own', version: '1' });
    expect(e.contexts?.['client_os']).toMatchObject({ type: 'os', name: 'Windows' });
    expect(Object.fromEntries(e.tags)).toMatchObject({ os: 'Linux', browser: 'Own 1', 'client_os.name': 'Windows' });
  });

  it('reads each User-Agent alike however often and in whatever order it comes (parses are remembered per header)', () => {
    const firefox = (v: number) => `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`;
    const browserOf = (ua: string) => norm({ platform: 'javascript', request: { headers: { 'User-Agent': ua } } }).contexts?.['browser'];
    const first = browserOf(firefox(100));
    expect(first).toEqual({ type: 'browser', name: 'Firefox', version: '100.0' });
    // More distinct headers than are remembered, then the first again, and a repeat.
    for (let v = 1; v <= 1100; v++) expect(browserOf(firefox(v))).toEqual({ type: 'browser', name: 'Firefox', version: `${v}.0` });
    expect(browserOf(firefox(100))).toEqual(first);
    expect(browserOf(firefox(100))).not.toBe(browserOf(firefox(100)));
  });
});

describe('tag values an issue indexes', () => {
  it('keeps only low-cardinality tags, once each, as key=value', async () => {
    const { issueTagValues, isIssueTag } = await import('#shared/event/issue-tags.ts');
    const a = norm({ environment: 'prod', user: { id: '1' }, request: { url: 'https://x/a' }, contexts: { browser: { name: 'Chrome', version: '1' } } });
    const b = norm({ environment: 'prod', user: { id: '2' }, contexts: { browser: { name: 'Chrome', version: '2' } } });
    expect(issueTagValues([a, b]).sort()).toEqual(['browser.name=Chrome', 'browser=Chrome 1', 'browser=Chrome 2', 'environment=prod']);
    expect(isIssueTag('user')).toBe(false);
    expect(isIssueTag('url')).toBe(false);
    expect(isIssueTag('environment')).toBe(true);
  });
});
