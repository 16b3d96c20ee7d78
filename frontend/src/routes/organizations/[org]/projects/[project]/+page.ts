import type { IssueSort } from '$lib/api.ts';
import { DEFAULT_QUERY } from '$lib/query.ts';
import { settle, withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

const SORTS: readonly IssueSort[] = ['date', 'new', 'freq', 'user'];

export const load: PageLoad = async ({ params, url, depends }) => {
  depends('app:issues');
  const query = url.searchParams.get('query') ?? DEFAULT_QUERY;
  const sortParam = url.searchParams.get('sort') as IssueSort | null;
  const sort: IssueSort = sortParam && SORTS.includes(sortParam) ? sortParam : 'date';
  const cursor = url.searchParams.get('cursor') ?? undefined;
  return withApi(url, async ({ api }) => {
    const [project, page] = await Promise.all([
      api.project(params.org, params.project),
      api.issues(params.org, params.project, { query, sort, cursor, statsPeriod: '24h' }),
    ]);
    // The empty state shows the DSN; fetch it only when it will be shown.
    const keys = page.items.length === 0 && !cursor ? settle(api.keys(params.org, params.project)) : null;
    return { project, issues: page.items, next: page.next, previous: page.previous, paged: cursor !== undefined, query, sort, keys };
  });
};
