import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url }) =>
  withApi(url, async ({ api }) => {
    const [project, rule, members] = await Promise.all([
      api.project(params.org, params.project),
      api.rule(params.org, params.project, params.rule),
      api.members(params.org).catch(() => []),
    ]);
    return { project, rule, members };
  });
