import type { LocalStack } from '#cdk/local/stack.ts';

/** Calls the portal API of a local stack with its sign-in token. */
export async function apiGet<T = any>(stack: Pick<LocalStack, 'url' | 'token'>, path: string): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(`${stack.url}/api/0${path}`, { headers: { authorization: `Bearer ${stack.token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

export async function apiSend<T = any>(stack: Pick<LocalStack, 'url' | 'token'>, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  return apiCall<T>(stack, method, path, stack.token, body);
}

/** Calls the portal API as any caller: `token` undefined sends no Authorization header at all. */
export async function apiCall<T = any>(stack: Pick<LocalStack, 'url'>, method: string, path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(`${stack.url}/api/0${path}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export interface SesMail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  at: number;
}

/** Mails that reached the local SES inbox. */
export async function inbox(stack: Pick<LocalStack, 'sesInboxUrl'>): Promise<SesMail[]> {
  const res = await fetch(new URL('/store', stack.sesInboxUrl));
  return ((await res.json()) as { emails: SesMail[] }).emails;
}
