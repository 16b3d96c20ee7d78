/**
 * DSNs (https://develop.sentry.dev/sdk/overview/#parsing-the-dsn):
 * `{protocol}://{public_key}[:{secret_key}]@{host}[:{port}]{path_prefix}/{project_id}`.
 */
import { ProtocolError } from '../errors.ts';

export interface Dsn {
  protocol: 'http' | 'https';
  publicKey: string;
  /** Deprecated by Sentry; accepted and ignored. */
  secretKey?: string;
  /** Host name, with `:port` when one was given. */
  host: string;
  /** Path in front of `/api/…`, without a trailing slash: `''` or `/sentry`. */
  pathPrefix: string;
  projectId: string;
}

/** A DSN that does not parse: answered with 400. */
export class InvalidDsnError extends ProtocolError {}

/** Parse a DSN string; throws {@link InvalidDsnError}. */
export function parseDsn(dsn: string): Dsn {
  let url: URL;
  try {
    url = new URL(dsn.trim());
  } catch (cause) {
    throw new InvalidDsnError('DSN is not a URL', { cause });
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https') throw new InvalidDsnError('DSN must use http or https');
  const publicKey = decodeURIComponent(url.username);
  if (publicKey === '') throw new InvalidDsnError('DSN has no public key');
  const path = url.pathname.replace(/\/+$/, '');
  const slash = path.lastIndexOf('/');
  const projectId = path.slice(slash + 1);
  if (projectId === '') throw new InvalidDsnError('DSN has no project id');
  const secretKey = url.password === '' ? undefined : decodeURIComponent(url.password);
  return {
    protocol,
    publicKey,
    ...(secretKey === undefined ? {} : { secretKey }),
    host: url.host,
    pathPrefix: path.slice(0, slash),
    projectId,
  };
}

/**
 * Build the DSN of a project key. `baseUrl` is where the DSN routes are served,
 * and may carry a path prefix: `https://ingest.example.com/sentry`.
 */
export function buildDsn(baseUrl: string, publicKey: string, projectId: string): string {
  const url = new URL(baseUrl);
  const prefix = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${encodeURIComponent(publicKey)}@${url.host}${prefix}/${projectId}`;
}

/** Format a parsed DSN back to its string form (without the secret key). */
export function formatDsn(dsn: Dsn): string {
  return `${dsn.protocol}://${encodeURIComponent(dsn.publicKey)}@${dsn.host}${dsn.pathPrefix}/${dsn.projectId}`;
}

/** The envelope endpoint an SDK derives from a DSN. */
export function envelopeUrl(dsn: Dsn): string {
  return `${dsn.protocol}://${dsn.host}${dsn.pathPrefix}/api/${dsn.projectId}/envelope/`;
}

/** The legacy store endpoint an SDK derives from a DSN. */
export function storeUrl(dsn: Dsn): string {
  return `${dsn.protocol}://${dsn.host}${dsn.pathPrefix}/api/${dsn.projectId}/store/`;
}
