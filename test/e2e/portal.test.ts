/**
 * The portal in a real Chromium against the local stack: a real SDK sends an
 * error, the user signs in with the token, finds the issue, reads the crashing
 * frame and resolves it; a fresh project shows its DSN and empty state; an
 * event full of markup, script URLs and control characters renders as text.
 * Every page is saved to test/artifacts/screenshots/ in light and dark.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, type LocalStack } from '#cdk/local/stack.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { requireChromium, shoot as shootPage, startPortalSession, type PortalSession } from '../helpers/browser.ts';
import { seedIssues } from '../helpers/issues.ts';
import { waitFor } from '../helpers/wait.ts';

const NODE_APP = join(REPO_ROOT, 'test', 'integration', 'sdk', 'node-app.cjs');
const TITLE = 'RangeError: division by zero in foo(10, 1)';
/** Playwright's own default is 30 s; a page of this app that takes over 10 s to show is broken. */
const STEP_TIMEOUT_MS = 10_000;

const hasChromium = requireChromium();
const run = promisify(execFile);

let session: PortalSession;
let stack: LocalStack;
let page: Page;
const dialogs: string[] = [];
const pageErrors: string[] = [];

async function shoot(name: string): Promise<void> {
  await shootPage(page, name);
}

/** Opens a page of the portal, signing in first when the session has none (a test run on its own). */
async function open(path: string, ready: () => ReturnType<Page['locator']>): Promise<void> {
  await page.goto(`${stack.url}${path}`);
  const token = page.getByLabel('Access token');
  await ready().or(token).first().waitFor();
  if (await token.isVisible()) {
    await token.fill(stack.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}${path}`);
  }
  await ready().first().waitFor();
}

async function issueTitled(title: string) {
  const { body } = await apiGet<any[]>(stack, `/projects/${stack.installation.orgSlug}/${stack.installation.projectSlug}/issues/?query=`);
  return body.find((i) => i.title === title);
}

describe.runIf(hasChromium)('the portal in Chromium', () => {
  beforeAll(async () => {
    session = await startPortalSession({
      name: 'e2e',
      colorScheme: 'light',
      timeoutMs: STEP_TIMEOUT_MS,
      onPage: (p) => {
        p.on('dialog', (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        p.on('pageerror', (e) => pageErrors.push(e.message));
      },
    });
    ({ stack, page } = session);
  }, 60_000);

  afterAll(async () => {
    await session?.stop();
  });

  it('sends the user to sign in, refuses a wrong token and accepts the right one', async () => {
    await page.goto(`${stack.url}/organizations/ferret/projects/`);
    await page.waitForURL(/\/signin\/\?next=/);
    await page.getByLabel('Access token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');
    await shoot('signin');

    await page.getByLabel('Access token').fill(stack.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${stack.url}/organizations/ferret/projects/`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });

  it('lists the issue of a real @sentry/node error and shows its frame source and local variables', async () => {
    await run(process.execPath, [NODE_APP], { env: { ...process.env, SENTRY_DSN: stack.dsn } });
    const issue = await waitFor(() => issueTitled(TITLE), 'the node issue');

    await page.goto(`${stack.url}/organizations/ferret/projects/`);
    await page.getByRole('link', { name: 'Default' }).first().waitFor();
    // The project's 24 h count comes from the project list's stats.
    expect(await page.locator('li', { hasText: 'Default' }).locator('.count').textContent()).toMatch(/^1 event, 24 h$/);
    await shoot('projects');
    await page.getByRole('link', { name: 'Default' }).first().click();
    await page.waitForURL(`${stack.url}/organizations/ferret/projects/default/`);
    const row = page.getByRole('list', { name: 'Issues' }).locator('li', { hasText: 'division by zero in foo(10, 1)' });
    await row.waitFor();
    expect(await row.textContent()).toContain(issue.shortId);
    await shoot('issues');

    await row.getByRole('link').first().click();
    await page.waitForURL(`${stack.url}/organizations/ferret/issues/${issue.id}/`);
    expect(await page.locator('header.issue h1').textContent()).toContain('RangeError');
    const exception = page.locator('section[aria-labelledby="h-exception"]');
    await exception.waitFor();
    expect(await exception.textContent()).toContain('throw new RangeError');
    const crashed = exception.locator('li.frame.crashed');
    const current = crashed.locator('li[aria-current="true"]');
    expect(await current.getAttribute('data-line')).toBe('13');
    expect(await current.textContent()).toContain('throw new RangeError');
    expect(await crashed.locator('li[data-line]').count()).toBeGreaterThan(5);
    const vars = crashed.getByRole('table', { name: 'Local variables' });
    const rows = await vars.getByRole('row').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('td')?.textContent?.trim()]));
    expect(rows).toEqual(expect.arrayContaining([['m', '10'], ['n', '1'], ['h', '0']]));
    expect(await page.locator('aside .seen').textContent()).toMatch(/(now|ago) in node-app@1\.0\.0/);
    await shoot('issue');

    // A tag value of the sidebar opens the issue's events that carry it.
    const tagLink = page.locator('aside').getByRole('link', { name: /node-app@1\.0\.0/ });
    await tagLink.click();
    await page.waitForURL(/\/events\/\?query=release/);
    expect(await page.getByLabel('Search events').inputValue()).toBe('release:node-app@1.0.0');
    await expect.poll(() => page.locator('table.events tbody tr a').count()).toBe(1);
    await page.getByLabel('Search events').fill('release:other@2.0');
    await page.getByLabel('Search events').press('Enter');
    await page.getByText('No stored event matches release:other@2.0.').waitFor();

    await page.getByRole('link', { name: 'All events' }).click();
    const eventLink = page.locator('table.events a').first();
    await eventLink.waitFor();
    expect(await page.locator('table.events tbody tr').count()).toBe(1);
    await shoot('issue-events');
    await eventLink.click();
    await page.waitForURL(/\/events\/[0-9a-f]{32}\/$/);
    await page.locator('li.frame.crashed li[aria-current="true"]').waitFor();
    await shoot('event');
  });

  it('resolves the issue and it leaves the unresolved list', async () => {
    const issue = await issueTitled(TITLE);
    await page.goto(`${stack.url}/organizations/ferret/issues/${issue.id}/`);
    await page.getByRole('toolbar', { name: 'Issue actions' }).getByRole('button', { name: 'Resolve', exact: true }).click();
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    expect(await page.locator('header.issue .status').textContent()).toContain('resolved');
    await shoot('issue-resolved');
    expect((await issueTitled(TITLE)).status).toBe('resolved');

    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Default' }).click();
    await page.waitForURL(`${stack.url}/organizations/ferret/projects/default/`);
    await page.getByRole('heading', { name: 'No events yet' }).waitFor();
    expect(await page.getByText('division by zero in foo(10, 1)').count()).toBe(0);

    await page.getByLabel('Status').selectOption('resolved');
    await page.getByRole('list', { name: 'Issues' }).locator('li', { hasText: 'division by zero in foo(10, 1)' }).waitFor();
  });

  it('shows the DSN, snippets and alert rules in the settings page', async () => {
    await page.goto(`${stack.url}/settings/ferret/projects/default/`);
    const dsn = page.getByRole('textbox', { name: 'DSN' }).first();
    await dsn.waitFor();
    expect(await dsn.inputValue()).toBe(stack.dsn);
    const rule = page.locator('section[aria-labelledby="h-rules"] li', { hasText: 'new issues and regressions' });
    await rule.waitFor();
    const described = await rule.textContent();
    expect(described).toMatch(/First seen, Regression · at most every \d+ min/);
    expect(described).not.toContain('undefined');
    await page.getByRole('heading', { name: 'Project, retention and limits' }).waitFor();
    expect(await page.getByRole('tabpanel').first().textContent()).toContain(stack.dsn);
    await shoot('settings');
  });

  it('saves retention, limits and scrubbing options from the settings page', async () => {
    await page.goto(`${stack.url}/settings/ferret/projects/default/`);
    await page.getByRole('spinbutton', { name: 'Keep events for' }).fill('30');
    await page.getByRole('spinbutton', { name: 'Events per minute' }).fill('600');
    await page.getByRole('spinbutton', { name: 'Monthly quota' }).fill('100000');
    await page.getByLabel('Store client IP addresses').check();
    await page.getByRole('textbox', { name: 'Additional sensitive fields' }).fill('card_number\n ssn \n');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').or(page.locator('form.limits [role="alert"]')).waitFor();
    expect(await page.locator('form.limits [role="alert"]').count()).toBe(0);
    const project = await apiGet(stack, `/projects/${stack.installation.orgSlug}/${stack.installation.projectSlug}/`);
    expect(project.body.options).toMatchObject({ retentionDays: 30, rateLimitPerMinute: 600, monthlyQuota: 100_000, storeIp: true, sensitiveFields: ['card_number', 'ssn'] });

    // A value the API refuses is shown beside the form, in the API's words.
    await page.getByRole('spinbutton', { name: 'Keep events for' }).evaluate((el) => el.removeAttribute('max'));
    await page.getByRole('spinbutton', { name: 'Keep events for' }).fill('4000');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    expect(await page.locator('form.limits [role="alert"]').textContent()).toContain('retentionDays');
    await shoot('settings-options');
    await page.reload();
    expect(await page.getByRole('spinbutton', { name: 'Keep events for' }).inputValue()).toBe('30');
  });

  it('adds, renames, disables and revokes a client key in the settings page', async () => {
    await page.goto(`${stack.url}/settings/ferret/projects/default/`);
    const keys = page.getByTestId('key');
    await keys.first().waitFor();
    expect(await keys.count()).toBe(1);
    await page.getByLabel('New key name').fill('Worker');
    await page.getByRole('button', { name: 'Add key' }).click();
    await keys.filter({ hasText: 'Worker' }).waitFor();
    // Keys are listed oldest first; the card is found by place, since renaming hides its name in an input.
    const worker = keys.nth(1);
    expect(await worker.textContent()).toContain('Worker');
    const workerDsn = await worker.getByRole('textbox', { name: 'DSN' }).inputValue();
    expect(workerDsn).not.toBe(stack.dsn);

    await worker.getByRole('button', { name: 'Rename' }).click();
    await worker.getByLabel('Key name').fill('Queue worker');
    await worker.getByRole('button', { name: 'Save name' }).click();
    const renamed = keys.filter({ hasText: 'Queue worker' });
    await renamed.waitFor();
    await renamed.getByRole('button', { name: 'Disable' }).click();
    await renamed.getByText('disabled', { exact: true }).waitFor();
    await shoot('settings-keys');
    const listed = await apiGet<any[]>(stack, `/projects/ferret/default/keys/`);
    expect(listed.body.find((k) => k.name === 'Queue worker')).toMatchObject({ isActive: false });

    await renamed.getByRole('button', { name: 'Revoke' }).click();
    await renamed.getByRole('button', { name: 'Revoke for good' }).click();
    await waitFor(async () => (await keys.count()) === 1, 'the revoked key to leave the page');
    expect((await apiGet<any[]>(stack, `/projects/ferret/default/keys/`)).body.map((k) => k.name)).toEqual(['Default']);
  });

  it('creates a project that shows its DSN and snippets, and an empty issue list', async () => {
    await page.goto(`${stack.url}/organizations/ferret/projects/`);
    await page.getByRole('button', { name: 'Create project' }).first().click();
    await page.getByLabel('Name').fill('Hostile');
    await page.getByLabel('Platform').selectOption('javascript');
    await page.locator('form.create').getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { name: 'Hostile is ready' }).waitFor();
    const dsn = await page.getByRole('textbox', { name: 'DSN' }).inputValue();
    expect(dsn).toMatch(new RegExp(`^http://[^@]+@127\\.0\\.0\\.1:\\d+/\\d+$`));
    expect(dsn).not.toBe(stack.dsn);
    const tabs = await page.getByRole('tab').allTextContents();
    expect(tabs.length).toBeGreaterThan(1);
    expect(await page.getByRole('tabpanel').textContent()).toContain(dsn);
    await shoot('projects-created');

    await page.getByRole('link', { name: 'Open Hostile' }).click();
    await page.getByRole('heading', { name: 'No events yet' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'DSN' }).inputValue()).toBe(dsn);
    await shoot('project-empty');
  });

  it('renders an event of markup, script URLs and control characters as inert text', async () => {
    const dsn = await page.getByRole('textbox', { name: 'DSN' }).inputValue();
    const { username: key, pathname } = new URL(dsn);
    const projectId = pathname.slice(1);
    const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const control = 'bell\u0007 esc\u001b[31m rtl\u202eevil nul\u0000end';
    const event = {
      event_id: 'e2e0c0ffee0000000000000000000001',
      platform: 'javascript',
      level: 'error',
      message: `message ${hostile} ${control}`,
      culprit: hostile,
      transaction: hostile,
      environment: 'e2e',
      release: `rel${hostile}`,
      tags: { hostile, link: 'javascript:alert(3)' },
      user: { id: hostile, email: `<b>x</b>@example.com`, ip_address: '127.0.0.1' },
      request: {
        url: 'javascript:alert(4)',
        method: 'GET',
        headers: { Referer: 'javascript:alert(5)', 'X-Hostile': hostile },
        query_string: `q=${encodeURIComponent(hostile)}`,
      },
      breadcrumbs: [
        { type: 'navigation', category: 'navigation', data: { from: 'javascript:alert(6)', to: hostile } },
        { type: 'http', category: 'fetch', data: { url: 'javascript:alert(7)', method: 'GET', status_code: 200 } },
        { category: 'console', message: `${hostile} ${control}` },
      ],
      exception: {
        values: [
          {
            type: 'Error',
            value: `${hostile} ${control}`,
            stacktrace: {
              frames: [
                {
                  filename: 'javascript:alert(8)',
                  abs_path: 'javascript:alert(9)',
                  function: hostile,
                  lineno: 2,
                  in_app: true,
                  pre_context: [hostile],
                  context_line: `throw new Error("${hostile}")`,
                  post_context: [control],
                  vars: { [hostile]: hostile, url: 'javascript:alert(10)' },
                },
              ],
            },
          },
        ],
      },
      contexts: { browser: { name: hostile, version: 'javascript:alert(11)' } },
      extra: { hostile },
    };
    const res = await fetch(`${stack.url}/api/${projectId}/store/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sentry-auth': `Sentry sentry_key=${key}, sentry_version=7, sentry_client=ferret-e2e/1.0` },
      body: JSON.stringify(event),
    });
    expect(res.status).toBe(200);

    await page.reload();
    const row = page.getByRole('list', { name: 'Issues' }).locator('li').first();
    await waitFor(async () => {
      if ((await row.count()) > 0) return true;
      await page.reload();
      return false;
    }, 'the hostile issue in the list', 20_000, 500);
    await shoot('issues-hostile');
    await row.getByRole('link').first().click();
    await page.locator('section[aria-labelledby="h-exception"]').waitFor();
    await page.locator('section[aria-labelledby="h-crumbs"]').waitFor();
    await page.locator('section[aria-labelledby="h-request"]').waitFor();

    const shown = (await page.locator('main').textContent()) ?? '';
    expect(shown).toContain('<script>alert(1)</script>');
    // A right-to-left override would show "evil nul" reversed; it and BEL are drawn, not obeyed.
    expect(shown).not.toMatch(/[\u0000-\u0008\u202a-\u202e]/);
    expect(shown).toContain('rtl[U+202E]evil nul[U+0000]end');
    expect(shown).toContain('bell[U+0007]');
    // Breadcrumb rows carry level classes; they must not pick up the solid colour of the level badges.
    const crumbBackgrounds = await page.getByTestId('breadcrumb').evaluateAll((lis) => lis.map((li) => getComputedStyle(li).backgroundColor));
    expect(crumbBackgrounds).toEqual(crumbBackgrounds.map(() => 'rgba(0, 0, 0, 0)'));
    expect(await page.locator('main script, main img[src="x"], [onerror]').count()).toBe(0);
    const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.filter((h) => !/^https?:/i.test(h))).toEqual([]);
    const sources = await page.locator('[src]').evaluateAll((els) => els.map((e) => e.getAttribute('src')));
    expect(sources.filter((s) => s && /^(javascript:|x$)/i.test(s))).toEqual([]);
    await shoot('event-hostile');

    await page.getByRole('button', { name: 'JSON' }).click();
    expect(await page.getByLabel('Event JSON').textContent()).toContain('<script>alert(1)</script>');

    await page.getByRole('link', { name: 'All events' }).click();
    await page.locator('table.events td.msg').waitFor();
    expect(await page.locator('table.events td.msg').textContent()).toContain('rtl[U+202E]evil');
    expect(await page.locator('main script, main img[src="x"], [onerror]').count()).toBe(0);

    expect(dialogs).toEqual([]);
    expect(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length)).toBe(0);
  });

  it('shows the first page of a project with 10,000 issues, and the next page from the server', async () => {
    const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Scale' });
    expect(created.status).toBe(201);
    // Issues are written through the store, as the grouping step writes them: 10,000 HTTP posts would
    // test ingest, not the list.
    const TOTAL = 10_000;
    await seedIssues({ projectId: created.body.id, count: TOTAL, firstId: 1_000_000 });

    const rows = page.getByRole('list', { name: 'Issues' }).locator('li');
    await open('/organizations/ferret/projects/scale/', () => rows);
    // The newest issue leads; one page of rows is in the document, not ten thousand.
    expect(await rows.first().textContent()).toContain(`issue number ${TOTAL - 1}`);
    const shown = await rows.count();
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThanOrEqual(100);
    const firstPage = await rows.allTextContents();
    await shoot('issues-many');

    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: /Next/ }).click();
    await page.waitForURL(/cursor=/);
    await expect.poll(async () => (await rows.first().textContent()) ?? '').not.toContain(`issue number ${TOTAL - 1}`);
    const secondPage = await rows.allTextContents();
    expect(secondPage.length).toBe(shown);
    expect(secondPage.some((t) => firstPage.includes(t))).toBe(false);
    expect(secondPage[0]).toContain(`issue number ${TOTAL - 1 - shown}`);
    // Back to the first page from the second.
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: /Previous|First page/ }).click();
    await expect.poll(async () => (await rows.first().textContent()) ?? '').toContain(`issue number ${TOTAL - 1}`);

    // Sorting and filtering are the server's: the most frequent issues have count 50.
    await page.getByLabel('Sort').selectOption('freq');
    await page.waitForURL(/sort=freq/);
    await expect.poll(async () => rows.first().locator('.num').first().getAttribute('title')).toBe('50 events');
  }, 240_000);

  it('is driven by the keyboard: j/k move, Enter opens, r resolves, / searches, ? helps', async () => {
    const rows = page.getByRole('list', { name: 'Issues' }).locator('li');
    await open('/organizations/ferret/projects/scale/', () => rows);
    const firstTitle = (await rows.nth(0).locator('.message').textContent())!;
    const secondTitle = (await rows.nth(1).locator('.message').textContent())!;
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('j');
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.querySelector('.message')?.textContent)).toBe(secondTitle);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/issues\/\d+\/$/);
    const issueId = /\/issues\/(\d+)\/$/.exec(page.url())![1]!;
    await page.locator('header.issue').waitFor();
    await page.keyboard.press('r');
    await page.getByRole('button', { name: 'Reopen' }).waitFor();
    expect((await apiGet(stack, `/organizations/ferret/issues/${issueId}/`)).body.status).toBe('resolved');

    // On the list, r resolves the focused issue.
    await page.goBack();
    await rows.first().waitFor();
    expect(await rows.allTextContents()).not.toContainEqual(expect.stringContaining(secondTitle));
    await page.keyboard.press('j');
    const focusedId = await page.evaluate(() => (document.activeElement?.closest('[data-row]') as HTMLElement | null)?.dataset['id']);
    expect(await page.evaluate(() => document.activeElement?.closest('li')?.querySelector('.message')?.textContent)).toBe(firstTitle);
    await page.keyboard.press('r');
    await expect.poll(async () => (await apiGet(stack, `/organizations/ferret/issues/${focusedId}/`)).body.status).toBe('resolved');
    await expect.poll(async () => (await rows.first().locator('.message').textContent()) ?? '').not.toBe(firstTitle);

    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search issues');
    await page.keyboard.type('number 77');
    await page.keyboard.press('Enter');
    await page.waitForURL(/query=/);
    await expect.poll(async () => {
      const texts = await rows.allTextContents();
      return texts.length > 0 && texts.every((t) => t.includes('number 77'));
    }).toBe(true);
    expect(await page.getByLabel('Search issues').inputValue()).toBe('number 77');
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.textContent()).toContain('resolve');
    await shoot('keyboard-help');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(await help.count()).toBe(0);
  });

  it('fits a phone: no sideways scrolling on the list, the issue and settings', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
      const rows = page.getByRole('list', { name: 'Issues' }).locator('li');
      await open('/organizations/ferret/projects/scale/', () => rows);
      expect(await fits()).toBe(true);
      await shoot('mobile-issues');
      const issue = await issueTitled(TITLE);
      await open(`/organizations/ferret/issues/${issue.id}/`, () => page.locator('li.frame.crashed'));
      expect(await fits()).toBe(true);
      await shoot('mobile-issue');
      await open('/settings/ferret/projects/default/', () => page.getByTestId('key'));
      expect(await fits()).toBe(true);
      await shoot('mobile-settings');
      await open('/organizations/ferret/projects/', () => page.getByRole('heading', { name: 'Projects' }));
      expect(await fits()).toBe(true);
      await shoot('mobile-projects');
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('says what is missing when an issue does not exist, and shows the alert rule form', async () => {
    await open('/organizations/ferret/issues/987654321/', () => page.getByRole('heading', { name: 'Not found' }));
    expect(await page.locator('.error-box').textContent()).toContain('issue 987654321 not found');
    await shoot('not-found');

    await open('/settings/ferret/projects/default/', () => page.getByRole('button', { name: 'Add alert rule' }));
    await page.getByRole('button', { name: 'Add alert rule' }).click();
    await page.locator('section[aria-labelledby="h-rules"] form').waitFor();
    await shoot('settings-rules');
  });

  it('ran without uncaught errors in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
