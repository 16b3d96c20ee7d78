/**
 * The members and API-token pages in a real Chromium against the local stack:
 * the owner invites a member, creates a token that is shown once and works
 * against the API, and revokes it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiGet } from '../helpers/api.ts';
import { requireRuntime } from '../helpers/runtime.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = requireRuntime('chromium', existsSync(CHROMIUM), 'apt-get install chromium');

let stack: LocalStack;
let dataDir: string;
let profileDir: string;
let browser: BrowserContext;
let page: Page;

describe.runIf(hasChromium)('members and API tokens in Chromium', () => {
  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'frontend', 'build', 'index.html'))) execFileSync('npm', ['run', 'build:portal'], { cwd: REPO_ROOT, stdio: 'ignore' });
    dataDir = mkdtempSync(join(tmpdir(), 'ferret-e2e-access-'));
    profileDir = mkdtempSync(join(tmpdir(), 'ferret-chromium-'));
    stack = await startLocalStack({ dataDir, port: 0, mailTo: 'owner@example.com', quiet: true });
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(10_000);
    await page.goto(`${stack.url}/settings/ferret/members/`);
    await page.getByLabel('Access token').fill(stack.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/settings/ferret/members/`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(profileDir, { recursive: true, force: true });
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
    await page.getByRole('button', { name: 'Revoke e2e' }).click();
    await expect.poll(() => page.getByTestId('token').count()).toBe(0);
    expect((await apiGet({ url: stack.url, token }, '/projects/ferret/default/')).status).toBe(401);
  });
});
