// What route components read from `$app/state`, for component tests outside SvelteKit.
export const page = {
  params: { org: 'acme', id: '1' } as Record<string, string>,
  url: new URL('http://localhost/organizations/acme/issues/1/'),
};
export const navigating = { to: null };
