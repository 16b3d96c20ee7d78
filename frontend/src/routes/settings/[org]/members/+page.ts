import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url, depends }) => {
  depends('app:members');
  return withApi(url, async ({ api }) => {
    const [members, teams, organizations] = await Promise.all([api.members(params.org), api.teams(params.org), api.organizations()]);
    return { members, teams, organization: organizations.find((o) => o.slug === params.org) };
  });
};
