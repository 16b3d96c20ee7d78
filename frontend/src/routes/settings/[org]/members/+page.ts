import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url, depends }) => {
  depends('app:members');
  return withApi(url, async ({ api }) => {
    const [members, teams, organizations, me] = await Promise.all([
      api.members(params.org),
      api.teams(params.org),
      api.organizations(),
      // An installation token has no membership of its own; the API still refuses what it may not do.
      api.member(params.org, 'me').catch(() => undefined),
    ]);
    return { members, teams, organization: organizations.find((o) => o.slug === params.org), me };
  });
};
