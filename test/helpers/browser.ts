import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, startLocalStack, type LocalStack, type LocalStackOptions } from '#cdk/local/stack.ts';
import { requireRuntime } from './runtime.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const PORTAL_BUILD = join(REPO_ROOT, 'frontend', 'build', 'index.html');
/** Where the e2e runs leave their screenshots (test artifacts). */
export const SCREENSHOTS = join(REPO_ROOT, 'test', 'artifacts', 'screenshots');

/** A full-page screenshot of the page as it is, in the light and the dark theme (`name.png`, `name-dark.png`). */
export async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A full-page shot of a scrolled page draws the sticky header where the scroll left it.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}-dark.png`), fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Whether the browser tests can run here (skips with a message, or fails under CI). */
export function requireChromium(): boolean {
  return requireRuntime('chromium', existsSync(CHROMIUM), 'apt-get install chromium');
}

/** `npm test` builds the portal first; a lone run of a browser test builds it when it is missing. */
export function ensurePortalBuilt(): void {
  if (!existsSync(PORTAL_BUILD)) execFileSync('npm', ['run', 'build:portal'], { cwd: REPO_ROOT, stdio: 'ignore' });
}

export interface Chromium {
  context: BrowserContext;
  page: Page;
  /** Closes the browser and removes its throwaway profile. */
  close(): Promise<void>;
}

/**
 * A headless Chromium with a throwaway profile (a persistent context, so the
 * portal's session survives page loads as it does for a user), and its first page.
 */
export async function launchChromium(options: { colorScheme?: 'light' | 'dark'; timeoutMs?: number } = {}): Promise<Chromium> {
  const profileDir = mkdtempSync(join(tmpdir(), 'ferret-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      viewport: { width: 1280, height: 900 },
      ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
    });
    const page = context.pages()[0] ?? (await context.newPage());
    if (options.timeoutMs !== undefined) page.setDefaultTimeout(options.timeoutMs);
    return {
      context,
      page,
      close: async () => {
        await context.close();
        rmSync(profileDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profileDir, { recursive: true, force: true });
    throw error;
  }
}

/** Opens `path` of the portal, which asks for the access token first, and signs in with the stack's token. */
export async function signIn(page: Page, stack: Pick<LocalStack, 'url' | 'token'>, path: string): Promise<void> {
  await page.goto(`${stack.url}${path}`);
  await page.getByLabel('Access token').fill(stack.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${stack.url}${path}`);
}

export interface PortalSession extends Chromium {
  stack: LocalStack;
  /** Closes the browser, stops the stack and removes their data. */
  stop(): Promise<void>;
}

/**
 * A local stack with the built portal and a Chromium beside it, for the
 * browser tests: `name` names the data directory, `signInAt` (a portal path)
 * signs in there before the tests start.
 */
export async function startPortalSession(options: {
  name: string;
  stack?: Omit<LocalStackOptions, 'dataDir' | 'port'>;
  colorScheme?: 'light' | 'dark';
  timeoutMs?: number;
  /** Set up the page (dialog and error listeners) before the first navigation. */
  onPage?: (page: Page) => void;
  signInAt?: string;
}): Promise<PortalSession> {
  ensurePortalBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), `ferret-${options.name}-`));
  let stack: LocalStack | undefined;
  let browser: Chromium | undefined;
  const stop = async () => {
    await browser?.close();
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    stack = await startLocalStack({ quiet: true, ...options.stack, dataDir, port: 0 });
    const launch: { colorScheme?: 'light' | 'dark'; timeoutMs?: number } = {};
    if (options.colorScheme) launch.colorScheme = options.colorScheme;
    if (options.timeoutMs !== undefined) launch.timeoutMs = options.timeoutMs;
    browser = await launchChromium(launch);
    options.onPage?.(browser.page);
    if (options.signInAt !== undefined) await signIn(browser.page, stack, options.signInAt);
    return { ...browser, stack, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
