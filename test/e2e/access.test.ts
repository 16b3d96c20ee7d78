/**
 * The members and API-token pages in a real Chromium against the local stack:
 * the owner invites a member, creates a token that is shown once and works
 * against the API, and revokes it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '#cdk/local/stack.ts';
import { apiGet } from '../helpers/api.ts';
import { requireChromium, shoot, startPortalSession, type PortalSession } from '../helpers/browser.ts';

const hasChromium = requireChromium();

let session: PortalSession;
let stack: LocalStack;
let page: Page;

describe.runIf(hasChromium)('members and API tokens in Chromium', () => {
  beforeAll(async () => {
    session = await startPortalSession({ name: 'e2e-access', stack: { mailTo: 'owner@example.com' }, timeoutMs: 10_000, signInAt: '/settings/ferret/members/' });
    ({ stack, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
  });

  it('lists the owner and invites a member into a team', async () => {
    await page.getByRole('heading', { name: 'Members of Ferret' }).waitFor();
    await expect.poll(() => page.getByTestId('member').first().textContent()).toContain('owner@example.com');
    await page.getByLabel('Email').fill('new.member@example.com');
    await page.getByLabel('Ferret', { exact: true }).check();
    await page.getByRole('button', { name: 'Send invitation' }).click();
    await expect.poll(() => page.getByTestId('member').count()).toBe(2);
    const invited = (await apiGet<any[]>(stack, '/organizations/ferret/members/')).body.find((m) => m.email === 'new.member@example.com');
    expect(invited).toMatchObject({ orgRole: 'member', pending: true, teams: ['ferret'] });
    await shoot(page, 'settings-members');
  });

  it('creates a token shown once that works, and revokes it', async () => {
    await page.getByRole('link', { name: 'Your API tokens' }).click();
    await page.getByRole('heading', { name: 'Your API tokens' }).waitFor();
    await page.getByLabel('Name').fill('e2e');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.getByTestId('new-token').textContent())!;
    expect(token).toMatch(/^frt_/);
    expect((await apiGet({ url: stack.url, token }, '/projects/ferret/default/')).status).toBe(200);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByTestId('token').count()).toBe(1);
    expect(await page.content()).not.toContain(token);
    await shoot(page, 'settings-api-tokens');
    await page.getByRole('button', { name: 'Revoke e2e' }).click();
    await expect.poll(() => page.getByTestId('token').count()).toBe(0);
    expect((await apiGet({ url: stack.url, token }, '/projects/ferret/default/')).status).toBe(401);
  });
});
