import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { Issue } from '#shared/model.ts';
import type { IssueQuery } from '#shared/ports.ts';

export interface SeedOptions {
  projectId: string;
  count: number;
  /** Issue n gets id `firstId + n`. */
  firstId: number;
  /** Changes issue n from the common shape (its status, first seen…). */
  vary?: (issue: Issue, n: number, base: number) => Issue;
  concurrency?: number;
}

/**
 * Writes many issues into the local stack's table through the store, as the
 * grouping step writes them: posting thousands of events would test ingest,
 * not the issue list. Issue n was last seen n seconds after the first one, so
 * the newest is the last; counts run 1–50 and users 0–6.
 */
export async function seedIssues(options: SeedOptions): Promise<void> {
  const store = new DynamoStore(LOCAL_NAMES.table);
  const base = Date.now() - options.count * 1000;
  const issueAt = (n: number): Issue => {
    const seen = new Date(base + n * 1000).toISOString();
    const issue: Issue = {
      id: String(options.firstId + n),
      projectId: options.projectId,
      shortId: `SCALE-${n.toString(36).toUpperCase()}`,
      title: `ScaleError: issue number ${n}`,
      culprit: `handler${n % 97} in module${n % 13}`,
      metadata: { type: 'ScaleError', value: `issue number ${n}` },
      type: 'error',
      level: n % 5 === 0 ? 'warning' : 'error',
      platform: 'python',
      status: 'unresolved',
      firstSeen: seen,
      lastSeen: seen,
      count: 1 + (n % 50),
      userCount: n % 7,
      hashes: [`scale${n}`],
    };
    return options.vary ? options.vary(issue, n, base) : issue;
  };
  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency ?? 32 }, async () => {
      while (next < options.count) await store.createIssue(issueAt(next++));
    }),
  );
}

/** Every issue of a list query, page after page by its cursor; each page must keep to the query's limit. */
export async function allPages(store: Pick<DynamoStore, 'listIssues'>, projectId: string, query: Omit<IssueQuery, 'cursor'>): Promise<Issue[]> {
  const out: Issue[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const q: IssueQuery = { ...query };
    if (cursor) q.cursor = cursor;
    const { issues, nextCursor } = await store.listIssues(projectId, q);
    if (issues.length > query.limit) throw new Error(`a page of ${issues.length} issues, over the limit of ${query.limit}`);
    out.push(...issues);
    if (!nextCursor) return out;
    cursor = nextCursor;
  }
  throw new Error('the cursor never ended');
}
