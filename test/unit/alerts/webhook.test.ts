import { describe, expect, it } from 'vitest';
import { webhookPayload } from '#shared/alerts/webhook.ts';
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
});
