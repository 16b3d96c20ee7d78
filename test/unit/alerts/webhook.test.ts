import { describe, expect, it } from 'vitest';
import { webhookPayload } from '#shared/alerts/webhook.ts';
import { alertChannelKeys, alertChannels } from '#shared/alerts/channels.ts';
import { emailInput, issue, project, rule } from './fixtures.ts';

describe('webhookPayload', () => {
  it('links the issue under its short ID and title, and links the rule', () => {
    const { text } = webhookPayload(emailInput({ mergedCount: 4 }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('*New issue* <https://ferret.example.com/organizations/acme/issues/1046/|BACKEND-1A ZeroDivisionError: division by zero>');
    expect(lines[1]).toBe('A new issue was seen for the first time, and 4 more times since the last alert.');
    expect(text).toContain('128 events');
    expect(text).toMatch(/At divide in sentry\u200B?_sdk\u200B?_demo\.py:14/);
    expect(lines.at(-1)).toBe('<https://ferret.example.com/settings/acme/projects/backend/alerts/r-7/|Alert rule: Errors in production>');
  });

  it('keeps event text from forging links or mentions', () => {
    const hostile = '<https://evil.example|click> <!channel> @here @everyone & more';
    const { text } = webhookPayload(emailInput({ issue: issue({ title: hostile, culprit: hostile }), project: project({ name: hostile }), rule: rule({ name: hostile }) }));
    const links = [...text.matchAll(/<([^|>]*)\|/g)].map((m) => m[1]);
    expect(links).toEqual(['https://ferret.example.com/organizations/acme/issues/1046/', 'https://ferret.example.com/settings/acme/projects/backend/alerts/r-7/']);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).not.toMatch(/@(here|everyone)/);
    expect(text).toContain('&amp; more');
    expect(text).not.toContain('https://evil');
  });

  it('keeps the message short whatever the event holds', () => {
    const huge = '&'.repeat(1_000_000);
    const { text } = webhookPayload(emailInput({ issue: issue({ title: huge, culprit: huge }) }));
    expect(text.length).toBeLessThan(5_000);
    expect(text.split('\n')).toHaveLength(6);
  });

  it('carries a Sentry-like structure beside the chat text', () => {
    const payload = webhookPayload(emailInput({ mergedCount: 3, reason: 'regression' }));
    expect(payload.action).toBe('triggered');
    expect(payload.url).toBe('https://ferret.example.com/organizations/acme/issues/1046/');
    expect(payload.data.reason).toBe('regression');
    expect(payload.data.merged).toBe(3);
    expect(payload.data.triggered_rule).toBe('Errors in production');
    expect(payload.data.issue_alert).toEqual({ id: 'r-7', title: 'Errors in production', url: 'https://ferret.example.com/settings/acme/projects/backend/alerts/r-7/' });
    expect(payload.data.issue).toMatchObject({
      id: '1046',
      shortId: 'BACKEND-1A',
      title: 'ZeroDivisionError: division by zero',
      status: 'unresolved',
      count: 128,
      userCount: 7,
      firstSeen: '2026-11-24T21:05:58.138Z',
      project: { id: '42', slug: 'backend', name: 'Backend' },
    });
    const event = payload.data.event;
    expect(event.issue_id).toBe('1046');
    expect(event.event_id).toMatch(/^[0-9a-f]{32}$/);
    expect(event.web_url).toBe(payload.url);
    const value = event.exception!.values[0]!;
    expect(value.type).toBe('ZeroDivisionError');
    expect(value.value).toBe('division by zero');
    // Sentry's order: the crashing frame last.
    const top = value.stacktrace.frames.at(-1)!;
    expect(top).toMatchObject({ function: 'divide', in_app: true, lineno: 14 });
    expect(top.context_line).toBe('    return a / b');
    // It survives JSON as it is.
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
  });

  it('bounds the structured part too', () => {
    const huge = 'x'.repeat(1_000_000);
    const payload = webhookPayload(emailInput({ issue: issue({ title: huge, culprit: huge }) }));
    expect(JSON.stringify(payload).length).toBeLessThan(20_000);
  });
});

describe('alertChannels', () => {
  it('merges the email actions into one email and posts each webhook URL once', () => {
    const r = rule({
      actions: [
        { id: 'email', targetType: 'members' },
        { id: 'email', targetType: 'addresses', addresses: ['ops@example.com', 'team@example.com'] },
        { id: 'webhook', url: 'https://chat.example.com/hooks/a' },
        { id: 'webhook', url: 'https://chat.example.com/hooks/a' },
        { id: 'webhook', url: 'https://chat.example.com/hooks/b' },
      ],
    });
    const channels = alertChannels(r, ['team@example.com']);
    expect(channels.map((c) => c.kind)).toEqual(['email', 'webhook', 'webhook']);
    expect(channels[0]).toEqual({ kind: 'email', key: 'r-7', to: ['team@example.com', 'ops@example.com'] });
    const keys = channels.map((c) => c.key);
    expect(new Set(keys).size).toBe(3);
    expect(alertChannelKeys(r)).toEqual(keys);
  });

  it('carries a webhook’s signing secret to its channel', () => {
    const r = rule({ actions: [{ id: 'webhook', url: 'https://chat.example.com/x', secret: 's'.repeat(20) }, { id: 'webhook', url: 'https://chat.example.com/y' }] });
    expect(alertChannels(r, []).map((c) => (c.kind === 'webhook' ? c.secret : undefined))).toEqual(['s'.repeat(20), undefined]);
  });

  it('has no email channel when nobody would receive it', () => {
    const r = rule({ actions: [{ id: 'email', targetType: 'members' }, { id: 'webhook', url: 'https://chat.example.com/x' }] });
    expect(alertChannels(r, []).map((c) => c.kind)).toEqual(['webhook']);
  });
});
