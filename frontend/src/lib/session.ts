import { createApi, type Api } from './api.ts';
import { getToken } from './auth.ts';
import { loadConfig } from './config.ts';
import type { PortalConfig } from './types.ts';

export interface Session {
  config: PortalConfig;
  api: Api;
}

let current: Promise<Session> | null = null;

/** Loads `/config.json` once per page load and builds the API client from it. */
export function session(fetchImpl: typeof fetch = fetch): Promise<Session> {
  current ??= loadConfig(fetchImpl)
    .then((config) => ({ config, api: createApi({ baseUrl: config.apiUrl, token: () => getToken(config) }) }))
    .catch((e: unknown) => {
      current = null;
      throw e;
    });
  return current;
}
