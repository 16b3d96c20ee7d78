// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { renderAlertEmail } from '#shared/alerts/email.ts';
import { MAX_SUBJECT_CHARS } from '#shared/alerts/summary.ts';
import type { NormalizedEvent } from '#shared/model.ts';
import { emailInput, issue, project, pythonEvent, rule } from './fixtures.ts';

const parse = (html: string) => new DOMParser().parseFromString(html, 'text/html');
const textOf = (html: string) => (parse(html).body.textContent ?? '').replace(/\s+/g, ' ');
const PORTAL = 'https://ferret.example.com';
const ISSUE_URL = `${PORTAL}/organizations/acme/issues/1046/`;
const RULE_URL = `${PORTAL}/settings/acme/projects/backend/alerts/r-7/`;

describe('renderAlertEmail: content', () => {
  it('subject is [Ferret], the short ID and the issue title', () => {
    expect(renderAlertEmail(emailInput()).subject).toBe('[Ferret] BACKEND-1A ZeroDivisionError: division by zero');
  });

  it('says what happened, for each reason', () => {
    const said = (reason: 'new' | 'regression' | 'reappeared' | 'frequency') =>
      renderAlertEmail(emailInput({ reason, rule: rule({ conditions: [{ id: 'event_frequency', value: 100, intervalMinutes: 60 }] }) }));
    expect(textOf(said('new').html)).toContain('New issue');
    expect(said('new').text).toContain('seen for the first time');
    expect(textOf(said('regression').html)).toContain('Regression');
    expect(said('regression').text).toContain('marked as resolved happened again');
    expect(said('reappeared').text).toContain('ignored issue');
    expect(said('frequency').text).toContain('was seen more than 100 times in 1 hour');
    expect(textOf(said('frequency').html)).toContain('was seen more than 100 times in 1 hour');
  });

  it('shows project, environment, release, level, dates and counts', () => {
    const { html, text } = renderAlertEmail(emailInput());
    for (const body of [textOf(html), text.replace(/\s+/g, ' ')]) {
      expect(body).toMatch(/Project:? Backend/);
      expect(body).toMatch(/Environment:? test/);
      expect(body).toMatch(/Release:? demo@1\.0/);
      expect(body).toMatch(/Level:? error/);
      expect(body).toMatch(/First seen:? 2026-11-24 21:05:58 UTC/);
      expect(body).toMatch(/Last seen:? 2026-11-24 22:10:01 UTC/);
      expect(body).toMatch(/Events:? 128/);
      expect(body).toMatch(/Users:? 7/);
      expect(body).toMatch(/Culprit:? __main__ in divide/);
      expect(body).toContain('ZeroDivisionError: division by zero');
    }
  });

  it('a regression of the logging capture shows foo’s code and locals', () => {
    const input = emailInput({
      reason: 'regression',
      event: pythonEvent(1),
      issue: issue({ title: 'ZeroDivisionError: float division by zero', culprit: '__main__ in foo', status: 'unresolved', substatus: 'regressed' }),
    });
    const { subject, html, text } = renderAlertEmail(input);
    expect(subject).toBe('[Ferret] BACKEND-1A ZeroDivisionError: float division by zero');
    expect(text.split('\n')[0]).toBe('Regression: BACKEND-1A ZeroDivisionError: float division by zero');
    expect(text).toContain('foo in sentry_sdk_demo.py at line 9');
    expect(text).toMatch(/^ {2}> {2}9 \| {5}return m \/ h$/m);
    expect(text).toContain('      h = 0.0');
    expect(textOf(html)).toContain('float division by zero');
  });

  it('counts the events merged since the last alert', () => {
    const { html, text } = renderAlertEmail(emailInput({ mergedCount: 37 }));
    expect(textOf(html)).toContain('and 37 more times since the last alert');
    expect(text).toContain('and 37 more times since the last alert');
    expect(renderAlertEmail(emailInput({ mergedCount: 1 })).text).toContain('and 1 more time since the last alert');
    expect(renderAlertEmail(emailInput({ mergedCount: 0 })).text).not.toContain('since the last alert');
  });

  it('links to the issue and to the rule’s settings, and nowhere else', () => {
    const doc = parse(renderAlertEmail(emailInput()).html);
    const hrefs = Array.from(doc.querySelectorAll('[href]')).map((a) => a.getAttribute('href'));
    expect(hrefs).toContain(ISSUE_URL);
    expect(hrefs).toContain(RULE_URL);
    expect(new Set(hrefs)).toEqual(new Set([ISSUE_URL, RULE_URL]));
    expect(doc.querySelectorAll('[src], script, img, link, iframe, form')).toHaveLength(0);
  });

  it('puts both links in the plain text, and accepts a portal URL with a trailing slash', () => {
    const { text } = renderAlertEmail(emailInput({ portalUrl: `${PORTAL}/` }));
    expect(text).toContain(`View the issue: ${ISSUE_URL}`);
    expect(text).toContain(`Change the rule: ${RULE_URL}`);
  });

  it('encodes slugs and ids in the links', () => {
    const { html } = renderAlertEmail(emailInput({ project: project({ orgSlug: 'a/b', slug: 'c?d' }), rule: rule({ id: 'r#1' }) }));
    const hrefs = Array.from(parse(html).querySelectorAll('a')).map((a) => a.getAttribute('href'));
    expect(hrefs).toContain(`${PORTAL}/settings/a%2Fb/projects/c%3Fd/alerts/r%231/`);
  });
});

describe('renderAlertEmail: frames', () => {
  it('lists in-app frames crashing frame first, each with numbered context and the error line marked', () => {
    const { text } = renderAlertEmail(emailInput());
    const divide = text.indexOf('divide in sentry_sdk_demo.py at line 14');
    const module = text.indexOf('<module> in sentry_sdk_demo.py at line 26');
    expect(divide).toBeGreaterThan(0);
    expect(module).toBeGreaterThan(divide);
    expect(text).toMatch(/^ {2}> 14 \| {5}return a \/ b$/m);
    expect(text).toMatch(/^ {5}9 \| {5}return m \/ h$/m); // numbers right-aligned
    expect(text).toMatch(/^ {4}19 \| {21}with_locals=True/m);
    expect(text).toMatch(/^ {6}local_dict = \{"k":"'v'","n":"1"\}$/m);
  });

  it('renders the code as a table with line numbers and highlights the error line in HTML', () => {
    const doc = parse(renderAlertEmail(emailInput()).html);
    const rows = Array.from(doc.querySelectorAll('tr')).filter((tr) => tr.children.length === 2 && /^\d+$/.test(tr.children[0]!.textContent ?? ''));
    const byLine = new Map(rows.map((tr) => [tr.children[0]!.textContent, tr]));
    const errorLine = byLine.get('14')!;
    expect(errorLine.children[1]!.textContent).toBe('\u00a0'.repeat(4) + 'return a / b');
    expect(errorLine.children[1]!.getAttribute('class')).toBe('fx-hl');
    expect(byLine.get('13')!.children[1]!.getAttribute('class')).toBe('fx-code');
    expect(byLine.get('13')!.children[1]!.textContent).toContain("local_dict = {'k': 'v', 'n': 1}");
    expect(byLine.get('26')!.children[1]!.getAttribute('class')).toBe('fx-hl');
  });

  it('shows at most five frames, the ones nearest the crash', () => {
    const frames = Array.from({ length: 9 }, (_, i) => ({ function: `f${i}`, filename: 'app.py', lineno: i + 1, in_app: true, context_line: `call_${i}()` }));
    const event = { ...pythonEvent(2), exception: { values: [{ type: 'E', value: 'v', stacktrace: { frames } }] } };
    const { text } = renderAlertEmail(emailInput({ event }));
    const shown = [...text.matchAll(/^ {2}(f\d) in app\.py/gm)].map((m) => m[1]);
    expect(shown).toEqual(['f8', 'f7', 'f6', 'f5', 'f4']);
  });

  it('skips library frames, and falls back to them when no frame is in-app', () => {
    const frames = [
      { function: 'lib_call', module: 'requests', lineno: 5, in_app: false },
      { function: 'handler', filename: 'app.py', lineno: 10, in_app: true },
      { function: 'lib_inner', module: 'urllib3', lineno: 7, in_app: false },
    ];
    const withApp = { ...pythonEvent(2), exception: { values: [{ type: 'E', stacktrace: { frames } }] } };
    const t1 = renderAlertEmail(emailInput({ event: withApp })).text;
    expect(t1).toContain('handler in app.py at line 10');
    expect(t1).not.toContain('lib_inner');
    const noApp = { ...pythonEvent(2), exception: { values: [{ type: 'E', stacktrace: { frames: frames.map((f) => ({ ...f, in_app: false })) } }] } };
    const t2 = renderAlertEmail(emailInput({ event: noApp })).text;
    expect(t2).toContain('Stack trace (most recent call first)');
    expect(t2.indexOf('lib_inner in urllib3')).toBeLessThan(t2.indexOf('lib_call in requests'));
    expect(t2).toContain('(library)');
  });

  it('uses the most recent exception of a chain and the crashed thread when there is no exception', () => {
    const chain = { ...pythonEvent(2), exception: { values: [
      { type: 'Cause', value: 'first', stacktrace: { frames: [{ function: 'inner', filename: 'a.py', in_app: true }] } },
      { type: 'Outer', value: 'second', stacktrace: { frames: [{ function: 'outer', filename: 'b.py', in_app: true }] } },
    ] } };
    const t1 = renderAlertEmail(emailInput({ event: chain })).text;
    expect(t1).toContain('Outer: second');
    expect(t1).toContain('outer in b.py');
    expect(t1).not.toContain('inner in a.py');

    const { exception: _, ...message } = pythonEvent(3);
    const threads = { values: [
      { id: 1, stacktrace: { frames: [{ function: 'idle', filename: 'w.py', in_app: true }] } },
      { id: 2, crashed: true, stacktrace: { frames: [{ function: 'boom', filename: 'm.py', in_app: true }] } },
    ] };
    const t2 = renderAlertEmail(emailInput({ event: { ...message, threads } as NormalizedEvent })).text;
    expect(t2).toContain('Message\n  Hello from sentry-python');
    expect(t2).toContain('boom in m.py');
    expect(t2).not.toContain('idle');
  });

  it('shows a few local variables per frame, truncated', () => {
    const vars = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`v${i}`, 'x'.repeat(500)]));
    const event = { ...pythonEvent(2), exception: { values: [{ type: 'E', stacktrace: { frames: [{ function: 'f', filename: 'a.py', in_app: true, vars }] } }] } };
    const { text } = renderAlertEmail(emailInput({ event }));
    const lines = text.split('\n').filter((l) => /^ {6}v\d = /.test(l));
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l.length).toBeLessThan(140);
    expect(lines[0]).toMatch(/x…$/);
  });

  it('renders an event with no stack and no tags', () => {
    const { exception: _, ...message } = pythonEvent(3);
    const { html, text } = renderAlertEmail(emailInput({ event: message as NormalizedEvent, issue: issue({ title: 'Hello from sentry-python', culprit: '' }) }));
    expect(text).not.toContain('frames');
    expect(text).not.toContain('Tags');
    expect(text).not.toContain('Culprit');
    expect(textOf(html)).toContain('Hello from sentry-python');
  });

  it('lists the event’s tags', () => {
    const event = { ...pythonEvent(2), tags: [['region', 'eu-west-1'], ['browser', 'Firefox 130']] as Array<[string, string]> };
    const { html, text } = renderAlertEmail(emailInput({ event }));
    expect(text).toContain('Tags\n  region = eu-west-1\n  browser = Firefox 130');
    expect(textOf(html)).toContain('region eu-west-1');
  });
});

describe('renderAlertEmail: hostile event data', () => {
  const SCRIPT = '<script>alert(1)</script>';
  const IMG = '"><img src=x onerror=alert(2)>';
  const JS = 'javascript:alert(3)';
  const CONTROL = 'a\u0000b\u0007c\u001bd\u202Ee\u0085f';
  const HUGE = 'H'.repeat(3_000_000);

  function hostileEvent(payload: string): NormalizedEvent {
    const frame = {
      function: payload, filename: payload, abs_path: payload, module: payload, lineno: 3, in_app: true,
      pre_context: [payload, payload], context_line: payload, post_context: [payload],
      vars: { [payload]: payload, nested: { [payload]: [payload] } },
    };
    return {
      ...pythonEvent(2),
      level: 'error',
      environment: payload,
      release: payload,
      message: payload,
      logentry: { formatted: payload },
      request: { url: payload, method: payload },
      exception: { values: [{ type: payload, value: payload, stacktrace: { frames: [frame] } }] },
      tags: [[payload, payload]],
    };
  }
  const hostileInput = (payload: string) =>
    emailInput({
      event: hostileEvent(payload),
      issue: issue({ title: payload, culprit: payload }),
      project: project({ name: payload }),
      rule: rule({ name: payload }),
    });

  it('escapes markup in every field: no element, attribute or handler comes from the event', () => {
    for (const payload of [SCRIPT, IMG]) {
      const { html } = renderAlertEmail(hostileInput(payload));
      const doc = parse(html);
      expect(doc.querySelectorAll('script, img, iframe, object, embed')).toHaveLength(0);
      const attributes = Array.from(doc.querySelectorAll('*')).flatMap((el) => Array.from(el.attributes).map((a) => a.name));
      expect(attributes.filter((a) => a.startsWith('on'))).toEqual([]);
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      // The text is still shown, as text.
      expect(doc.body.textContent).toContain(payload.includes('script') ? '<script>alert(1)</script>' : 'onerror=alert(2)');
    }
  });

  it('never turns event text into a link', () => {
    for (const payload of [JS, 'https://evil.example/login', 'www.evil.example']) {
      const { html, text } = renderAlertEmail(hostileInput(payload));
      const hrefs = Array.from(parse(html).querySelectorAll('[href]')).map((a) => a.getAttribute('href'));
      expect(new Set(hrefs)).toEqual(new Set([ISSUE_URL, RULE_URL]));
      expect(html).not.toContain('https://evil');
      expect(text).not.toContain('https://evil');
      expect(text).not.toContain('www.evil');
    }
    expect(textOf(renderAlertEmail(hostileInput(JS)).html)).toContain('javascript:alert(3)');
  });

  it('strips control and bidi-override characters from every field', () => {
    const { html, text, subject } = renderAlertEmail(hostileInput(CONTROL));
    // eslint-disable-next-line no-control-regex
    const controls = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E]/;
    expect(controls.test(html)).toBe(false);
    expect(controls.test(text)).toBe(false);
    expect(controls.test(subject)).toBe(false);
    expect(text).toContain('abcde f'); // NEL is a line break: a space on one line
  });

  it('truncates huge strings in every field', () => {
    const { html, text, subject } = renderAlertEmail(hostileInput(HUGE));
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_CHARS);
    expect(html.length).toBeLessThan(100_000);
    expect(text.length).toBeLessThan(30_000);
    expect(text).not.toContain('H'.repeat(400));
    expect(text).toContain('H'.repeat(100) + '…');
  });

  it('keeps the subject on one line and bounded', () => {
    const { subject } = renderAlertEmail(emailInput({ issue: issue({ title: 'Error:\r\nBcc: victim@example.com\n\tX-Injected: yes' }) }));
    expect(subject).toBe('[Ferret] BACKEND-1A Error: Bcc: victim@example.com X-Injected: yes');
    const long = renderAlertEmail(emailInput({ issue: issue({ title: '😀'.repeat(500) }) })).subject;
    expect(Array.from(long)).toHaveLength(MAX_SUBJECT_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(long).not.toMatch(/[\uD800-\uDBFF]…$/);
  });

  it('does not break on fields of the wrong type', () => {
    const event = {
      ...pythonEvent(2),
      environment: 42,
      tags: [['k', { v: 1 }], 'junk', null],
      exception: { values: [{ type: ['x'], value: null, stacktrace: { frames: [null, { function: 7, lineno: 'ten', pre_context: 'nope', context_line: {}, vars: [1, 2], in_app: true }] } }] },
    } as unknown as NormalizedEvent;
    const { html, text } = renderAlertEmail(emailInput({ event }));
    expect(text).toMatch(/^ {2}7 in \?$/m);
    expect(html).toContain('Environment');
  });
});
