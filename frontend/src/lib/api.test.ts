import { describe, expect, it, vi } from 'vitest';
import { ApiError, createApi, parseLinkHeader } from './api.ts';

describe('parseLinkHeader', () => {
  it('reads the next cursor and drops a link that has no results', () => {
    const header =
      '<https://x/api/0/projects/acme/web/issues/?&cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", ' +
      '<https://x/api/0/projects/acme/web/issues/?&cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"';
    expect(parseLinkHeader(header)).toEqual({ next: '0:100:0' });
  });

  it('reads both directions in the middle of a list', () => {
    const header =
      '<u1>; rel="previous"; results="true"; cursor="0:0:1", <u2>; rel="next"; results="true"; cursor="0:200:0"';
    expect(parseLinkHeader(header)).toEqual({ previous: '0:0:1', next: '0:200:0' });
  });

  it('gives no cursors without a header', () => {
    expect(parseLinkHeader(null)).toEqual({});
  });
});

function fakeFetch(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async (_url: string | URL | Request, _init?: RequestInit) =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers }),
  );
}

describe('createApi', () => {
  it('sends the bearer token to the API under the configured origin', async () => {
    const fetch = fakeFetch(200, [{ id: '1', slug: 'acme', name: 'Acme', dateCreated: '2025-01-01T00:00:00Z' }]);
    const api = createApi({ baseUrl: 'https://api.example.com/', token: async () => 'tok', fetch });
    const orgs = await api.organizations();
    expect(orgs[0]!.slug).toBe('acme');
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('https://api.example.com/api/0/organizations/');
    expect((init!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('lists issues with the query, sort and cursor, and returns the next cursor', async () => {
    const fetch = fakeFetch(200, [], { Link: '<u>; rel="next"; results="true"; cursor="c2"' });
    const api = createApi({ baseUrl: '', token: async () => 't', fetch });
    const page = await api.issues('acme', 'web', { query: 'is:unresolved level:error', sort: 'freq', cursor: 'c1' });
    const url = new URL(String(fetch.mock.calls[0]![0]), 'http://portal');
    expect(url.pathname).toBe('/api/0/projects/acme/web/issues/');
    expect(url.searchParams.get('query')).toBe('is:unresolved level:error');
    expect(url.searchParams.get('sort')).toBe('freq');
    expect(url.searchParams.get('cursor')).toBe('c1');
    expect(url.searchParams.get('statsPeriod')).toBe('24h');
    expect(page.next).toBe('c2');
  });

  it('puts bulk changes on the issue list with one id parameter per issue', async () => {
    const fetch = fakeFetch(200, { status: 'resolved' });
    const api = createApi({ baseUrl: '', token: async () => 't', fetch });
    await api.updateIssues('acme', 'web', ['1', '2'], { status: 'resolved' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(String(url)).toBe('/api/0/projects/acme/web/issues/?id=1&id=2');
    expect(init!.method).toBe('PUT');
    expect(JSON.parse(String(init!.body))).toEqual({ status: 'resolved' });
  });

  it('turns an error answer into an ApiError carrying the detail', async () => {
    const api = createApi({ baseUrl: '', token: async () => 't', fetch: fakeFetch(403, { detail: 'You do not have permission' }) });
    const err = await api.issue('acme', '9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).message).toBe('You do not have permission');
  });

  it('answers null for issue stats when the endpoint does not exist', async () => {
    const api = createApi({ baseUrl: '', token: async () => 't', fetch: fakeFetch(404, { detail: 'Not found' }) });
    expect(await api.issueStats('acme', '9', '30d')).toBeNull();
  });

  it('escapes path segments', async () => {
    const fetch = fakeFetch(200, {});
    const api = createApi({ baseUrl: '', token: async () => 't', fetch });
    await api.event('acme', '9', '../../x');
    expect(String(fetch.mock.calls[0]![0])).toBe('/api/0/organizations/acme/issues/9/events/..%2F..%2Fx/');
  });
});
