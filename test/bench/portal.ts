/**
 * The portal's issue list on the local stack with many issues: how long the
 * portal API takes to answer a page, and how long a real Chromium takes from
 * navigation until the first issue row is on screen and can be clicked — the
 * issue's "interactive in under 1 s with 10,000 issues". Issues are written
 * through the store, as grouping writes them.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '#cdk/local/stack.ts';
import { apiSend } from '../helpers/api.ts';
import { seedIssues } from '../helpers/issues.ts';
import { distribution, type Distribution } from './stats.ts';

export interface PortalOptions {
  issues: number;
  /** Page loads measured after one warm-up load. */
  runs: number;
}

export interface PortalResult {
  issues: number;
  /** `GET …/issues/` of the first page, default query and sort. */
  apiListMs: Distribution;
  apiListFreqMs: Distribution;
  /** Navigation until the first row is visible, in Chromium; absent without Chromium. */
  firstRowMs?: Distribution;
  skipped?: string;
}

export const PORTAL_FIRST_ROW_TARGET_MS = 1000;
async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runPortal(options: PortalOptions): Promise<PortalResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferret-bench-portal-'));
  const stack = await startLocalStack({ dataDir, port: 0, quiet: true });
  try {
    const created = await apiSend(stack, 'POST', '/organizations/ferret/projects/', { name: 'Bench list' });
    if (created.status !== 201) throw new Error(`project creation answered ${created.status}`);
    await seedIssues({ projectId: String(created.body.id), count: options.issues, firstId: 5_000_000 });

    const list = async (query: string) => {
      const res = await fetch(`${stack.url}/api/0/projects/ferret/bench-list/issues/${query}`, { headers: { authorization: `Bearer ${stack.token}` } });
      if (res.status !== 200) throw new Error(`issue list answered ${res.status}`);
      await res.arrayBuffer();
    };
    await list('');
    const apiList: number[] = [];
    const apiFreq: number[] = [];
    for (let i = 0; i < options.runs; i++) {
      apiList.push(await timed(() => list('')));
      apiFreq.push(await timed(() => list('?sort=freq')));
    }
    const result: PortalResult = { issues: options.issues, apiListMs: distribution(apiList), apiListFreqMs: distribution(apiFreq) };

    // The browser helper loads playwright-core: only when there is a browser to drive.
    const { CHROMIUM, PORTAL_BUILD, launchChromium, signIn } = await import('../helpers/browser.ts');
    if (!existsSync(CHROMIUM) || !existsSync(PORTAL_BUILD)) {
      result.skipped = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : 'no portal build (npm run build:portal)';
      return result;
    }
    const browser = await launchChromium();
    try {
      const page = browser.page;
      const url = `${stack.url}/organizations/ferret/projects/bench-list/`;
      await signIn(page, stack, '/organizations/ferret/projects/bench-list/');
      const firstRow = page.getByRole('list', { name: 'Issues' }).locator('li a').first();
      await firstRow.waitFor({ timeout: 30_000 });
      const firstRowMs: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        await page.goto('about:blank');
        firstRowMs.push(
          await timed(async () => {
            await page.goto(url);
            await firstRow.waitFor({ timeout: 30_000 });
          }),
        );
      }
      result.firstRowMs = distribution(firstRowMs);
    } finally {
      await browser.close();
    }
    return result;
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
