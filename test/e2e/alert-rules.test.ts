/**
 * Alert rules in a real Chromium against the local stack: a rule made in the
 * settings form (a frequency condition and a webhook) is stored in Sentry's
 * rule shape, its page — the page alert emails link to — edits it, and deletes it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#cdk/local/stack.ts';
import { ruleUrl } from '#shared/alerts/summary.ts';
import { apiGet } from '../helpers/api.ts';
import { requireChromium, startPortalSession, type PortalSession } from '../helpers/browser.ts';

const hasChromium = requireChromium();
const RULES = '/projects/ferret/default/rules/';

let session: PortalSession;
let stack: LocalStack;
let page: Page;

const rules = async () => (await apiGet<any[]>(stack, RULES)).body;

describe.runIf(hasChromium)('alert rules in Chromium', () => {
  beforeAll(async () => {
    session = await startPortalSession({
      name: 'e2e-rules',
      timeoutMs: 10_000,
      onPage: (p) => p.on('dialog', (d) => void d.accept()),
      signInAt: '/settings/ferret/projects/default/',
    });
    ({ stack, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
  });

  it('adds a rule with a frequency condition and a webhook from the settings page', async () => {
    await page.getByRole('button', { name: 'Add alert rule' }).click();
    const form = page.getByRole('form', { name: 'New alert rule' });
    await form.getByLabel('Name').fill('Busy checkout');
    await form.getByRole('checkbox', { name: /A new issue is created/ }).uncheck();
    await form.getByRole('checkbox', { name: /seen more than/ }).check();
    await form.getByLabel('Events', { exact: true }).fill('50');
    await form.getByLabel('Events interval').selectOption('15m');
    await form.getByLabel(/Post to a webhook/).fill('https://chat.example.com/hooks/e2e');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await page.getByRole('link', { name: 'Busy checkout' }).waitFor();
    const stored = (await rules()).find((r) => r.name === 'Busy checkout');
    expect(stored.conditions).toEqual([expect.objectContaining({ id: 'sentry.rules.conditions.event_frequency.EventFrequencyCondition', value: 50, interval: '15m' })]);
    expect(stored.actions).toEqual([
      expect.objectContaining({ id: 'sentry.mail.actions.NotifyEmailAction', targetType: 'IssueOwners' }),
      expect.objectContaining({ service: 'webhooks', url: 'https://chat.example.com/hooks/e2e' }),
    ]);
  });

  it('edits the rule on the page alert emails link to, and deletes it there', async () => {
    const stored = (await rules()).find((r) => r.name === 'Busy checkout');
    // The link an alert email carries for this rule.
    await page.goto(ruleUrl(stack.url, 'ferret', 'default', stored.id));
    const form = page.getByRole('form', { name: 'Edit alert rule' });
    await form.waitFor();
    expect(await form.getByLabel('Events', { exact: true }).inputValue()).toBe('50');
    await form.getByLabel(/minutes per issue/).fill('120');
    await form.getByRole('checkbox', { name: 'Enabled' }).uncheck();
    await form.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(`${stack.url}/settings/ferret/projects/default/`);
    await expect.poll(async () => page.locator('section[aria-labelledby="h-rules"] li', { hasText: 'Busy checkout' }).textContent()).toContain('at most every 120 min · disabled');
    expect((await rules()).find((r) => r.id === stored.id)).toMatchObject({ frequency: 120, status: 'disabled' });

    await page.getByRole('link', { name: 'Busy checkout' }).click();
    await page.getByRole('button', { name: 'Delete rule' }).click();
    await page.waitForURL(`${stack.url}/settings/ferret/projects/default/`);
    await expect.poll(async () => (await rules()).some((r) => r.id === stored.id)).toBe(false);
  });
});
