/**
 * Where an SDK puts its public key (https://develop.sentry.dev/sdk/overview/#authentication):
 * the `X-Sentry-Auth` header, `Authorization: Sentry …`, `Authorization: Basic
 * base64(key:secret)`, the `sentry_key` query parameter, or — for envelopes sent
 * through a tunnel — the `dsn` of the envelope header.
 */
import { AuthForbiddenError, AuthMissingError } from '../errors.ts';
import { MAX_PUBLIC_KEY_CHARS } from './limits.ts';

export type AuthSource = 'x-sentry-auth' | 'authorization-sentry' | 'authorization-basic' | 'query' | 'envelope-dsn';

export interface AuthCandidate {
  source: AuthSource;
  publicKey: string;
}

/**
 * Parse a `Sentry sentry_key=…, sentry_version=7, …` header into its fields,
 * with the `sentry_` prefix removed (`key`, `version`, `client`, …).
 */
export function parseSentryAuthHeader(value: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const body = value.replace(/^\s*sentry\s+/i, '');
  for (const part of body.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim().toLowerCase().replace(/^sentry_/, '');
    let v = part.slice(eq + 1).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    if (name !== '' && !(name in fields)) fields[name] = v;
  }
  return fields;
}

/** Every public key the request headers and query carry, by source. */
export function authCandidates(headers: Record<string, string>, query: Record<string, string>): AuthCandidate[] {
  const out: AuthCandidate[] = [];
  const xSentry = headers['x-sentry-auth'];
  if (xSentry !== undefined && xSentry.trim() !== '') {
    out.push({ source: 'x-sentry-auth', publicKey: parseSentryAuthHeader(xSentry)['key'] ?? '' });
  }
  const authorization = headers['authorization']?.trim();
  if (authorization !== undefined && authorization !== '') {
    if (/^sentry\s/i.test(authorization)) {
      out.push({ source: 'authorization-sentry', publicKey: parseSentryAuthHeader(authorization)['key'] ?? '' });
    } else if (/^basic\s/i.test(authorization)) {
      out.push({ source: 'authorization-basic', publicKey: basicUser(authorization.replace(/^basic\s+/i, '')) });
    }
    // Other schemes (Bearer …) belong to proxies in front of us, not to Sentry.
  }
  const fromQuery = query['sentry_key'];
  if (fromQuery !== undefined) out.push({ source: 'query', publicKey: fromQuery.trim() });
  return out;
}

/**
 * The one public key the candidates agree on. Throws {@link AuthMissingError}
 * (401) when there is none or one is malformed, {@link AuthForbiddenError}
 * (403) when two sources disagree.
 */
export function resolvePublicKey(candidates: readonly AuthCandidate[]): string {
  if (candidates.length === 0) throw new AuthMissingError('missing authentication: no sentry_key in X-Sentry-Auth, Authorization, query or envelope dsn');
  let key: string | undefined;
  for (const c of candidates) {
    if (!isPlausibleKey(c.publicKey)) throw new AuthMissingError(`malformed sentry_key in ${c.source}`);
    if (key === undefined) key = c.publicKey;
    else if (key !== c.publicKey) throw new AuthForbiddenError(`sentry_key in ${c.source} disagrees with another source`);
  }
  return key as string;
}

function isPlausibleKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_PUBLIC_KEY_CHARS && /^[A-Za-z0-9_.~-]+$/.test(key);
}

function basicUser(token: string): string {
  let text = '';
  try {
    text = atob(token.trim());
  } catch {
    return '';
  }
  const colon = text.indexOf(':');
  return colon === -1 ? text : text.slice(0, colon);
}
