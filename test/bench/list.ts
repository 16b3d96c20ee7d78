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
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack } from '#cdk/local/stack.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { Issue } from '#shared/model.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
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
const SEED_CONCURRENCY = 32;

export async function runList(opts: ListOptions): Promise<ListResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferret-bench-list-'));
  const stack = await startLocalStack({ dataDir, port: 0, quiet: true });
  try {
    const created = await apiSend(stack, 'POST', `/organizations/${stack.installation.orgSlug}/projects/`, { name: 'Scale' });
    if (created.status !== 201) throw new Error(`could not create the project: ${created.status}`);
    const projectId = String(created.body.id);
    const slug = String(created.body.slug);
    const store = new DynamoStore(LOCAL_NAMES.table);
    const base = Date.now() - opts.issues * 1000;
    const issueAt = (n: number): Issue => {
      const seen = new Date(base + n * 1000).toISOString();
      return {
        id: String(5_000_000 + n),
        projectId,
        shortId: `SCALE-${n.toString(36).toUpperCase()}`,
        title: `ScaleError: issue number ${n}`,
        culprit: `handler${n % 97} in module${n % 13}`,
        metadata: { type: 'ScaleError', value: `issue number ${n}` },
        type: 'error',
        level: n % 5 === 0 ? 'warning' : 'error',
        platform: 'python',
        // One issue in 50 resolved: a status with few issues.
        status: n % 50 === 0 ? 'resolved' : 'unresolved',
        firstSeen: new Date(base + ((n * 7919) % opts.issues) * 1000).toISOString(),
        lastSeen: seen,
        count: 1 + (n % 50),
        userCount: n % 7,
        hashes: [`scale${n}`],
      };
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: SEED_CONCURRENCY }, async () => {
        while (next < opts.issues) await store.createIssue(issueAt(next++));
      }),
    );

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
    const figures = [
      await time('first page, unresolved, by last seen', () => 'query=is%3Aunresolved&sort=date'),
      await time('first page, unresolved, by first seen', () => 'query=is%3Aunresolved&sort=new'),
      await time('first page, unresolved, by events (most recent 1,000)', () => 'query=is%3Aunresolved&sort=freq'),
      await time('second page (cursor), by last seen', () => `query=is%3Aunresolved&sort=date&cursor=${encodeURIComponent(cursor)}`),
      await time('first page, resolved (1 in 50)', () => 'query=is%3Aresolved&sort=date'),
      await time('text search ("issue number 77": older issues only)', () => `query=${encodeURIComponent('is:unresolved "issue number 77"')}&sort=date`),
    ];
    return { issues: opts.issues, pageSize: PAGE, figures };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
