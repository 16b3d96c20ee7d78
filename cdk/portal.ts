/**
 * What the stack needs to know about the portal's static build: where it is,
 * that it exists, and the hashes of its inline scripts for the CSP header.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `npm run build:portal` writes here (frontend/svelte.config.js, adapter-static `pages`). */
export const DEFAULT_PORTAL_BUILD = fileURLToPath(new URL('../frontend/build', import.meta.url));

/** The SPA fallback page adapter-static writes; CloudFront answers 403/404 with it. */
export const PORTAL_INDEX = 'index.html';

/** Fingerprinted files SvelteKit emits; safe to cache for a year. */
export const PORTAL_IMMUTABLE_GLOB = '_app/immutable/*';

/** Written beside the portal's files at deploy time; read by the portal at start-up. */
export const PORTAL_CONFIG_KEY = 'config.json';

/** Upper bound on the HTML files scanned for inline scripts; a SPA build has one or two. */
const MAX_HTML_FILES = 200;

/**
 * The shape of `config.json`. It mirrors `PortalConfig` in
 * `frontend/src/lib/types.ts`; the portal reads it to find the API and Cognito.
 */
export interface PortalRuntimeConfig {
  /** Base URL of the portal API; the portal calls `${apiUrl}/api/0/…`. */
  apiUrl: string;
  /** DSNs are `https://<key>@<host><path>/<projectId>` built from this URL. */
  dsnBaseUrl: string;
  auth: {
    kind: 'cognito';
    region: string;
    userPoolId: string;
    clientId: string;
    /** Hosted UI base URL, `https://<prefix>.auth.<region>.amazoncognito.com`. */
    domain: string;
  };
}

export class PortalBuildMissingError extends Error {
  constructor(path: string) {
    super(
      `The portal build is missing: ${join(path, PORTAL_INDEX)} does not exist. ` +
        'Run `npm run build:portal` before `cdk synth` or `cdk deploy`.',
    );
    this.name = 'PortalBuildMissingError';
  }
}

/** Fails with a message naming the build command when the portal was not built. */
export function assertPortalBuild(path: string): void {
  if (!existsSync(join(path, PORTAL_INDEX))) throw new PortalBuildMissingError(path);
}

function htmlFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (found.length >= MAX_HTML_FILES) break;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) htmlFiles(path, found);
    else if (name.endsWith('.html')) found.push(path);
  }
  return found;
}

const INLINE_SCRIPT = /<script\b(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi;

/**
 * CSP source expressions (`'sha256-…'`) for every inline `<script>` in the
 * build's HTML pages. SvelteKit boots the app from an inline script; the CSP
 * header allows exactly those scripts instead of `'unsafe-inline'`.
 */
export function inlineScriptHashes(buildPath: string): string[] {
  const hashes = new Set<string>();
  for (const file of htmlFiles(buildPath)) {
    const html = readFileSync(file, 'utf8');
    for (const match of html.matchAll(INLINE_SCRIPT)) {
      const body = match[1] ?? '';
      if (body.trim() === '') continue;
      hashes.add(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
    }
  }
  return [...hashes].sort();
}
