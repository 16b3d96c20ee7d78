/**
 * sentry-python 1.9.10 (Debian `python3-sentry-sdk`) against the local stack:
 * gzip JSON to /store/ with X-Sentry-Auth v7, locals as `vars`, chained
 * exceptions, scope data and breadcrumbs.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonHas, requireRuntime, SYSTEM_PYTHON } from '../helpers/runtime.ts';
import { apiGet } from '../helpers/api.ts';
import { contextLine, entry, exceptions, frameNamed, issueAndEvent, issueWithCount, latestEvent, lineOf, run, sourceWindow, tag, useLocalStack } from './sdk/harness.ts';

const SCRIPT = join(import.meta.dirname, 'sdk', 'python_captures.py');
const present = requireRuntime('python3-sentry-sdk', pythonHas('sentry_sdk'), 'apt-get install python3-sentry-sdk');

describe.runIf(present)('sentry-python 1.9.10', () => {
  const local = useLocalStack('sdk-python');

  beforeAll(async () => {
    await run(SYSTEM_PYTHON, [SCRIPT], { env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
  }, 30_000);

  it('stores capture_message as a message event titled by its text, with release, environment, user, tags and breadcrumbs', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'python says hello to ferret');
    expect(issue).toMatchObject({ title: 'python says hello to ferret', level: 'info', type: 'default' });
    expect(event.type).toBe('default');
    expect(entry(event, 'exception')).toBeUndefined();
    expect(entry(event, 'message')).toMatchObject({ formatted: 'python says hello to ferret' });
    expect(event.platform).toBe('python');
    expect(event.sdk).toMatchObject({ name: 'sentry.python', version: '1.9.10' });
    expect(event.release).toEqual({ version: 'py-sdk@3.1.4' });
    expect(event.environment).toBe('staging');
    expect(event.user).toMatchObject({ id: 'py-user-7', email: 'ada@example.org' });
    expect(tag(event, 'shop')).toBe('north');
    expect(entry(event, 'breadcrumbs').values).toContainEqual(expect.objectContaining({ category: 'cart', message: 'added 3 items', level: 'info' }));
  });

  it('groups logging records by their template, so different parameters count on one issue', async () => {
    const issue = await issueWithCount(local.stack, 'could not be shipped to', 2);
    expect(issue).toMatchObject({ level: 'error', type: 'default' });
    expect(issue.title).toMatch(/^order 100[12] could not be shipped to (Oslo|Lima)$/);
    const { body: events } = await apiGet<any[]>(local.stack, `/organizations/${local.stack.installation.orgSlug}/issues/${issue.id}/events/`);
    expect(events.map((e) => e.message).sort()).toEqual(['order 1001 could not be shipped to Oslo', 'order 1002 could not be shipped to Lima']);
    const event = await latestEvent(local.stack, issue.id);
    expect(event.logger).toBe('shop.orders');
    expect(entry(event, 'message')).toMatchObject({ message: 'order %s could not be shipped to %s', params: [expect.any(Number), expect.any(String)] });
    expect(entry(event, 'exception')).toBeUndefined();
  });

  it('stores capture_exception with the frame, its context lines and its local variables', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'ValueError');
    expect(issue.title).toBe("ValueError: invalid literal for int() with base 10: 'three apples'");
    expect(issue.culprit).toBe('__main__ in parse_quantity');
    const [exception] = exceptions(event);
    expect(exception).toMatchObject({ type: 'ValueError', value: "invalid literal for int() with base 10: 'three apples'" });
    const frames = exception.stacktrace.frames;
    const frame = frames.at(-1);
    const lineNo = lineOf(SCRIPT, 'quantity = int(text)');
    expect(frame).toMatchObject({ function: 'parse_quantity', filename: 'python_captures.py', absPath: SCRIPT, module: '__main__', lineNo, inApp: true });
    // sentry-python sends five lines of pre- and post-context.
    expect(frame.context).toEqual(sourceWindow(SCRIPT, lineNo, 5, 5));
    // sentry-python sends locals as their repr().
    expect(frame.vars).toEqual({ text: "'three apples'" });
    expect(frames[0].function).toBe('<module>');
    expect(event.user).toMatchObject({ id: 'py-user-7' });
    expect(tag(event, 'shop')).toBe('north');
  });

  it('stores a chained exception (raise … from e) as both exceptions, the cause first', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'CheckoutFailed');
    expect(issue.title).toBe('CheckoutFailed: checkout of cart 77 failed');
    expect(issue.culprit).toBe('__main__ in checkout');
    const chain = exceptions(event);
    expect(chain.map((e) => [e.type, e.value])).toEqual([
      ['PaymentDeclined', 'amount 9900 over limit 5000'],
      ['CheckoutFailed', 'checkout of cart 77 failed'],
    ]);
    const charge = frameNamed(chain[0].stacktrace.frames, 'charge');
    expect(charge.lineNo).toBe(lineOf(SCRIPT, 'raise PaymentDeclined('));
    expect(charge.context).toEqual(sourceWindow(SCRIPT, charge.lineNo, 5, 5));
    expect(charge.vars).toEqual({ card_last4: "'4242'", amount_cents: '9900', attempts: '3', limit_cents: '5000' });
    const checkout = frameNamed(chain[1].stacktrace.frames, 'checkout');
    expect(checkout.lineNo).toBe(lineOf(SCRIPT, 'raise CheckoutFailed('));
    expect(contextLine(checkout)).toContain('raise CheckoutFailed(');
    expect(checkout.vars).toMatchObject({ cart: { total: '9900' } });
  });
});
