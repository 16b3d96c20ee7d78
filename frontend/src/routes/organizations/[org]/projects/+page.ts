import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, url, depends }) => {
  depends('app:projects');
  const projects = await withApi(url, ({ api }) => api.projects(params.org));
  return { projects };
};
