import { error, redirect } from '@sveltejs/kit';
import { isSignedIn } from '$lib/auth.ts';
import { session } from '$lib/session.ts';
import type { LayoutLoad } from './$types';

// A static single-page app: S3/CloudFront (or the local stack) serve index.html for every path.
export const ssr = false;
export const prerender = false;
export const trailingSlash = 'always';

const PUBLIC_PATHS = ['/signin/', '/auth/callback/'];

export const load: LayoutLoad = async ({ fetch, url }) => {
  let config;
  try {
    ({ config } = await session(fetch));
  } catch (e) {
    error(503, `The portal could not read its configuration: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!PUBLIC_PATHS.includes(url.pathname) && !isSignedIn(config)) {
    redirect(307, `/signin/?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  return { config };
};
