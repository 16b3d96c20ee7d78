import { settle, withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url, depends }) => {
  depends('app:settings');
  return withApi(url, async ({ api }) => {
    const [project, keys] = await Promise.all([api.project(params.org, params.project), api.keys(params.org, params.project)]);
    return { project, keys, rules: settle(api.rules(params.org, params.project)), members: settle(api.members(params.org)) };
  });
};
