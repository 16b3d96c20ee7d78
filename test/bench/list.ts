/**
 * Issue list at scale on the local stack: a project with many issues (10,000
 * in the full run), and the time the portal API takes to answer its first
 * page in each order, a page further on (by cursor), a status the project has
 * few issues in, and a text search. The issues are written through the store
 * with their counts (posting 10,000 bugs would measure ingest, not the list).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '#cdk/local/stack.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { seedIssues } from '../helpers/issues.ts';
import { distribution, type Distribution } from './stats.ts';

export interface ListOptions {
  issues: number;
  /** Requests per figure. */
  runs: number;
}

export interface ListFigure {
  name: string;
  /** Issues on the page (the last run). */
  shown: number;
  ms: Distribution;
}

export interface ListResult {
  issues: number;
  pageSize: number;
  figures: ListFigure[];
}

const PAGE = 25;
const countOf = (n: number, issues: number) => Math.max(1, Math.floor(1_000_000 / (((n * 7919) % issues) + 1) ** 1.5));
const SEED_CONCURRENCY = 32;

export async function runList(opts: ListOptions): Promise<ListResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferret-bench-list-'));
  const stack = await startLocalStack({ dataDir, port: 0, quiet: true });
  try {
    const created = await apiSend(stack, 'POST', `/organizations/${stack.installation.orgSlug}/projects/`, { name: 'Scale' });
    if (created.status !== 201) throw new Error(`could not create the project: ${created.status}`);
    const projectId = String(created.body.id);
    const slug = String(created.body.slug);
    await seedIssues({
      projectId,
      count: opts.issues,
      firstId: 5_000_000,
      concurrency: SEED_CONCURRENCY,
      vary: (issue, n, base) => ({
        ...issue,
        // One issue in 50 resolved: a status with few issues.
        status: n % 50 === 0 ? 'resolved' : 'unresolved',
        // First seen out of step with last seen, so the two orders differ.
        firstSeen: new Date(base + ((n * 7919) % opts.issues) * 1000).toISOString(),
        // Heavy-tailed counts (a million events down to many issues with one), scrambled against
        // recency, so the events and users orders read the whole index, not the recent issues.
        count: countOf(n, opts.issues),
        userCount: Math.floor(countOf(n, opts.issues) / (2 + (n % 7))),
      }),
    });

    const path = (q: string) => `/projects/${stack.installation.orgSlug}/${slug}/issues/?limit=${PAGE}&${q}`;
    const time = async (name: string, q: () => string): Promise<ListFigure> => {
      const ms: number[] = [];
      let shown = 0;
      for (let i = 0; i < opts.runs; i++) {
        const t0 = performance.now();
        const res = await apiGet<unknown[]>(stack, path(q()));
        ms.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`${name}: the API answered ${res.status}`);
        shown = res.body.length;
      }
      return { name, shown, ms: distribution(ms) };
    };
    // The cursor of the page after the first, as the portal follows it.
    const first = await apiGet<unknown[]>(stack, path('query=is%3Aunresolved&sort=date'));
    const cursor = /cursor="([^"]+)"[^,]*$/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    // Deep in the events order: the 40th page (issues 976–1,000), where a bucket spans several counts.
    let freqCursor = '';
    for (let page = 1; page < 40; page++) {
      const res = await apiGet<unknown[]>(stack, path(`query=is%3Aunresolved&sort=freq${freqCursor ? `&cursor=${encodeURIComponent(freqCursor)}` : ''}`));
      const next = /cursor="([^"]+)"[^,]*$/.exec(res.headers.get('link') ?? '')?.[1];
      if (!next) break; // a small (smoke) project ends sooner
      freqCursor = next;
    }
    const figures = [
      await time('first page, unresolved, by last seen', () => 'query=is%3Aunresolved&sort=date'),
      await time('first page, unresolved, by first seen', () => 'query=is%3Aunresolved&sort=new'),
      await time('first page, unresolved, by events (over all issues)', () => 'query=is%3Aunresolved&sort=freq'),
      await time('second page (cursor), by last seen', () => `query=is%3Aunresolved&sort=date&cursor=${encodeURIComponent(cursor)}`),
      await time('first page, resolved (1 in 50)', () => 'query=is%3Aresolved&sort=date'),
      await time('text search ("issue number 77": older issues only)', () => `query=${encodeURIComponent('is:unresolved "issue number 77"')}&sort=date`),
      await time('first page, unresolved, by users', () => 'query=is%3Aunresolved&sort=user'),
      await time('40th page (cursor), by events', () => `query=is%3Aunresolved&sort=freq&cursor=${encodeURIComponent(freqCursor)}`),
    ];
    return { issues: opts.issues, pageSize: PAGE, figures };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
