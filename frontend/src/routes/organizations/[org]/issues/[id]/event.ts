import { error } from '@sveltejs/kit';
import { ApiError } from '$lib/api.ts';
import { withApi } from '$lib/load.ts';
import type { Event } from '$lib/types.ts';

/** One event of the issue; null when the issue has none stored (e.g. past retention). */
export async function loadEvent(url: URL, org: string, id: string, which: string): Promise<{ event: Event | null; which: string }> {
  return withApi(url, async ({ api }) => {
    try {
      return { event: await api.event(org, id, which), which };
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && (which === 'latest' || which === 'oldest')) return { event: null, which };
      if (e instanceof ApiError && e.status === 404) error(404, `Event ${which} is not part of this issue.`);
      throw e;
    }
  });
}
