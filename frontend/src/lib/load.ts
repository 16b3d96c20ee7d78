import { error, redirect } from '@sveltejs/kit';
import { ApiError } from './api.ts';
import { signOut } from './auth.ts';
import { session, type Session } from './session.ts';

/**
 * Runs API calls for a load function: a 401 signs out and goes to the
 * sign-in page, any other API failure becomes the route's error page.
 */
export async function withApi<T>(url: URL, fn: (s: Session) => Promise<T>): Promise<T> {
  const s = await session();
  try {
    return await fn(s);
  } catch (e) {
    if (e instanceof ApiError) {
      if (e.status === 401) {
        signOut(s.config);
        redirect(307, `/signin/?next=${encodeURIComponent(url.pathname + url.search)}`);
      }
      error(e.status >= 400 ? e.status : 503, e.message);
    }
    throw e;
  }
}

/** For data that may load after the page shows: never rejects, so the page can show an inline error. */
export function settle<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; message: string }> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (e: unknown) => ({ ok: false as const, message: e instanceof Error ? e.message : String(e) }),
  );
}
