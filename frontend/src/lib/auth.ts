/**
 * Sign-in. `local`: a token pasted by the user (printed by `npm start`).
 * `cognito`: the hosted UI with the authorization code flow and PKCE
 * (RFC 7636), exchanged with fetch and WebCrypto.
 */
import type { CognitoAuth, PortalConfig } from './types.ts';

const TOKEN_KEY = 'ferret.token';
const SESSION_KEY = 'ferret.cognito';
const PKCE_KEY = 'ferret.pkce';
/** RFC 7636 §4.1 allows 43–128 characters; 32 random bytes give 43. */
const VERIFIER_BYTES = 32;
/** Refresh this long before the token's own expiry, so a request in flight does not carry a dead token. */
const EXPIRY_MARGIN_MS = 60_000;
const SCOPES = 'openid email profile';

export class AuthError extends Error {
  override readonly name = 'AuthError';
}

interface CognitoSession {
  accessToken: string;
  idToken?: string;
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
}

interface PendingSignIn {
  verifier: string;
  state: string;
  next: string;
}

export function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function randomString(bytes = VERIFIER_BYTES): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier: BASE64URL(SHA-256(verifier)). */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

export function cognitoBaseUrl(auth: CognitoAuth): string {
  const domain = auth.domain.replace(/\/+$/, '');
  return /^https?:\/\//.test(domain) ? domain : `https://${domain}`;
}

export function redirectUri(origin = location.origin): string {
  return `${origin}/auth/callback/`;
}

/** Only same-site paths may be a post-sign-in destination (no open redirect). */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export async function authorizeUrl(auth: CognitoAuth, next: string, storage: Storage = sessionStorage): Promise<string> {
  const pending: PendingSignIn = { verifier: randomString(), state: randomString(16), next: safeNext(next) };
  storage.setItem(PKCE_KEY, JSON.stringify(pending));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state: pending.state,
    code_challenge_method: 'S256',
    code_challenge: await codeChallenge(pending.verifier),
  });
  return `${cognitoBaseUrl(auth)}/oauth2/authorize?${params}`;
}

async function tokenRequest(auth: CognitoAuth, body: Record<string, string>, fetchImpl: typeof fetch): Promise<CognitoSession> {
  const res = await fetchImpl(`${cognitoBaseUrl(auth)}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: auth.clientId, ...body }),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof json.access_token !== 'string') {
    throw new AuthError(`Sign-in failed: ${typeof json.error === 'string' ? json.error : `HTTP ${res.status}`}`);
  }
  return {
    accessToken: json.access_token,
    idToken: typeof json.id_token === 'string' ? json.id_token : undefined,
    refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : body.refresh_token,
    expiresAt: Date.now() + (typeof json.expires_in === 'number' ? json.expires_in : 3600) * 1000,
  };
}

/** Finishes the hosted-UI round trip; returns where to go next. */
export async function completeCognitoSignIn(
  auth: CognitoAuth,
  url: URL,
  fetchImpl: typeof fetch = fetch,
  storage: Storage = sessionStorage,
): Promise<string> {
  const error = url.searchParams.get('error');
  if (error) throw new AuthError(`Sign-in failed: ${url.searchParams.get('error_description') ?? error}`);
  const raw = storage.getItem(PKCE_KEY);
  storage.removeItem(PKCE_KEY);
  const pending = raw ? (JSON.parse(raw) as PendingSignIn) : null;
  const code = url.searchParams.get('code');
  if (!pending || !code || url.searchParams.get('state') !== pending.state) {
    throw new AuthError('Sign-in failed: the answer does not match a sign-in started here. Try again.');
  }
  const session = await tokenRequest(
    auth,
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: pending.verifier },
    fetchImpl,
  );
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return pending.next;
}

function readSession(): CognitoSession | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? (JSON.parse(raw) as CognitoSession) : null;
  } catch {
    return null;
  }
}

let refreshing: Promise<string | null> | null = null;

/** The bearer token for API calls, refreshed when a Cognito session is about to expire. */
export async function getToken(config: PortalConfig, fetchImpl: typeof fetch = fetch): Promise<string | null> {
  const auth = config.auth;
  if (auth.kind === 'local') return localStorage.getItem(TOKEN_KEY);
  const session = readSession();
  if (!session) return null;
  if (session.expiresAt - EXPIRY_MARGIN_MS > Date.now()) return session.accessToken;
  if (!session.refreshToken) return null;
  refreshing ??= tokenRequest(auth, { grant_type: 'refresh_token', refresh_token: session.refreshToken }, fetchImpl)
    .then((fresh) => {
      localStorage.setItem(SESSION_KEY, JSON.stringify(fresh));
      return fresh.accessToken;
    })
    .catch(() => {
      localStorage.removeItem(SESSION_KEY);
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export function isSignedIn(config: PortalConfig): boolean {
  if (config.auth.kind === 'local') return !!localStorage.getItem(TOKEN_KEY);
  const session = readSession();
  return !!session && (session.expiresAt > Date.now() || !!session.refreshToken);
}

export function saveLocalToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token.trim());
}

/** Forgets the tokens; returns the URL to leave for (Cognito's logout endpoint, or the sign-in page). */
export function signOut(config: PortalConfig, origin = location.origin): string {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(SESSION_KEY);
  if (config.auth.kind === 'local') return '/signin/';
  const params = new URLSearchParams({ client_id: config.auth.clientId, logout_uri: `${origin}/signin/` });
  return `${cognitoBaseUrl(config.auth)}/logout?${params}`;
}
