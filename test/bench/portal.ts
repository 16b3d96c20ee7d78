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
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { REPO_ROOT, startLocalStack } from '#cdk/local/stack.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { Issue } from '#shared/model.ts';
import { apiSend } from '../helpers/api.ts';
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
const CHROMIUM = '/usr/bin/chromium';

function issueAt(projectId: string, n: number, base: number): Issue {
  const seen = new Date(base + n * 1000).toISOString();
  return {
    id: String(5_000_000 + n),
    projectId,
    shortId: `BENCH-${n.toString(36).toUpperCase()}`,
    title: `BenchError: issue ${n}`,
    culprit: `handler${n % 97}`,
    metadata: { type: 'BenchError', value: `issue ${n}` },
    type: 'error',
    level: 'error',
    platform: 'python',
    status: 'unresolved',
    firstSeen: seen,
    lastSeen: seen,
    count: 1 + (n % 50),
    userCount: n % 7,
    hashes: [`bench${n}`],
  };
}

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
    const store = new DynamoStore(LOCAL_NAMES.table);
    const base = Date.now() - options.issues * 1000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < options.issues) await store.createIssue(issueAt(created.body.id, next++, base));
      }),
    );

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

    if (!existsSync(CHROMIUM) || !existsSync(join(REPO_ROOT, 'frontend', 'build', 'index.html'))) {
      result.skipped = !existsSync(CHROMIUM) ? 'no Chromium at /usr/bin/chromium' : 'no portal build (npm run build:portal)';
      return result;
    }
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(join(tmpdir(), 'ferret-bench-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = browser.pages()[0] ?? (await browser.newPage());
      const url = `${stack.url}/organizations/ferret/projects/bench-list/`;
      await page.goto(url);
      await page.getByLabel('Access token').fill(stack.token);
      await page.getByRole('button', { name: 'Sign in' }).click();
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
      rmSync(profile, { recursive: true, force: true });
    }
    return result;
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
