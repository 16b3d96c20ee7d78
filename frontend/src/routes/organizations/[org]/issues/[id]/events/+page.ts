import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url }) => {
  const cursor = url.searchParams.get('cursor') ?? undefined;
  const query = url.searchParams.get('query') ?? '';
  const page = await withApi(url, ({ api }) => api.issueEvents(params.org, params.id, cursor, query));
  return { events: page.items, next: page.next, previous: page.previous, query, paged: cursor !== undefined };
};
