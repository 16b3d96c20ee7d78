import { withApi } from '$lib/load.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ url, depends }) => {
  depends('app:api-tokens');
  return withApi(url, async ({ api }) => ({ tokens: await api.apiTokens() }));
};
