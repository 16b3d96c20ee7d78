import { redirect } from '@sveltejs/kit';
import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url }) => {
  const orgs = await withApi(url, ({ api }) => api.organizations());
  const first = orgs[0];
  if (orgs.length === 1 && first) redirect(307, `/organizations/${encodeURIComponent(first.slug)}/projects/`);
  return { orgs };
};
