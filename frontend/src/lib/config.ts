import type { PortalConfig } from './types.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Checks the shape of `/config.json`; throws a ConfigError naming the bad field. */
export function parseConfig(raw: unknown): PortalConfig {
  if (!raw || typeof raw !== 'object') throw new ConfigError('config.json is not an object');
  const c = raw as Record<string, unknown>;
  const apiUrl = c.apiUrl ?? '';
  if (typeof apiUrl !== 'string') throw new ConfigError('config.json: apiUrl must be a string');
  const dsnBaseUrl = typeof c.dsnBaseUrl === 'string' ? c.dsnBaseUrl : '';
  const auth = c.auth as Record<string, unknown> | undefined;
  if (!auth || (auth.kind !== 'local' && auth.kind !== 'cognito')) {
    throw new ConfigError('config.json: auth.kind must be "local" or "cognito"');
  }
  if (auth.kind === 'local') return { apiUrl, dsnBaseUrl, auth: { kind: 'local' } };
  for (const field of ['region', 'userPoolId', 'clientId', 'domain'] as const) {
    if (typeof auth[field] !== 'string' || auth[field] === '') {
      throw new ConfigError(`config.json: auth.${field} is required for Cognito`);
    }
  }
  return {
    apiUrl,
    dsnBaseUrl,
    auth: {
      kind: 'cognito',
      region: auth.region as string,
      userPoolId: auth.userPoolId as string,
      clientId: auth.clientId as string,
      domain: auth.domain as string,
    },
  };
}

export async function loadConfig(fetchImpl: typeof fetch = fetch): Promise<PortalConfig> {
  const res = await fetchImpl('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new ConfigError(`/config.json answered HTTP ${res.status}`);
  return parseConfig(await res.json());
}
