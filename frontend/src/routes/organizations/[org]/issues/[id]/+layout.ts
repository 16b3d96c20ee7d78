import { settle, withApi } from '$lib/load.ts';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ params, url, depends }) => {
  depends('app:issue');
  return withApi(url, async ({ api }) => {
    const issue = await api.issue(params.org, params.id);
    return {
      issue,
      tags: settle(api.issueTags(params.org, params.id)),
      stats24h: settle(api.issueStats(params.org, params.id, '24h')),
    };
  });
};
