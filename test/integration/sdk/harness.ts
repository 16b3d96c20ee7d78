/**
 * What every SDK compatibility test needs: one local stack per test file, and
 * readers for what Ferret stored, through the portal API as a user sees it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#cdk/local/stack.ts';
import { apiGet } from '../../helpers/api.ts';
import { waitFor } from '../../helpers/wait.ts';

export const run = promisify(execFile);

/** Starts a local stack before the file's tests and stops it after; read `.stack` inside tests. */
export function useLocalStack(name: string, options: LocalStackOptions = {}): { readonly stack: LocalStack } {
  let stack: LocalStack | undefined;
  let dataDir = '';
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `ferret-${name}-`));
    stack = await startLocalStack({ dataDir, port: 0, quiet: true, ...options });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return {
    get stack() {
      if (!stack) throw new Error('the local stack is not running');
      return stack;
    },
  };
}

export async function listIssues(stack: LocalStack): Promise<any[]> {
  const { status, body } = await apiGet<any[]>(stack, `/projects/${stack.installation.orgSlug}/${stack.installation.projectSlug}/issues/?query=&limit=100`);
  if (status !== 200) throw new Error(`issue list answered ${status}`);
  return body;
}

/** Waits for the issue whose title contains `fragment` (events go through SQS, so they arrive later). */
export function issueTitled(stack: LocalStack, fragment: string, timeoutMs?: number): Promise<any> {
  return waitFor(async () => (await listIssues(stack)).find((i) => String(i.title).includes(fragment)), `an issue titled "${fragment}"`, timeoutMs);
}

/** Waits until the issue titled `fragment` has counted `count` events (grouping runs behind a queue). */
export function issueWithCount(stack: LocalStack, fragment: string, count: number, timeoutMs?: number): Promise<any> {
  return waitFor(
    async () => (await listIssues(stack)).find((i) => String(i.title).includes(fragment) && i.count === String(count)),
    `an issue titled "${fragment}" with ${count} events`,
    timeoutMs,
  );
}

export async function latestEvent(stack: LocalStack, issueId: string): Promise<any> {
  const { status, body } = await apiGet(stack, `/organizations/${stack.installation.orgSlug}/issues/${issueId}/events/latest/`);
  if (status !== 200) throw new Error(`latest event of issue ${issueId} answered ${status}`);
  return body;
}

/** The issue titled `fragment` and its latest event. */
export async function issueAndEvent(stack: LocalStack, fragment: string, timeoutMs?: number): Promise<{ issue: any; event: any }> {
  const issue = await issueTitled(stack, fragment, timeoutMs);
  return { issue, event: await latestEvent(stack, issue.id) };
}

export function entry(event: any, type: string): any {
  return event.entries.find((e: any) => e.type === type)?.data;
}

/** The exception chain as stored, outermost (the one raised last) last, as Sentry orders it. */
export function exceptions(event: any): any[] {
  return entry(event, 'exception')?.values ?? [];
}

export function tag(event: any, key: string): string | undefined {
  return event.tags.find((t: any) => t.key === key)?.value;
}

/** The source line a frame points at, from its `context` pairs. */
export function contextLine(frame: any): string | undefined {
  return frame.context.find(([n]: [number, string]) => n === frame.lineNo)?.[1];
}

export function frameNamed(frames: any[], fn: string): any {
  return frames.find((f) => f.function === fn);
}

/** 1-based number of the only line of `file` containing `text`. */
export function lineOf(file: string, text: string): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found = lines.flatMap((line, i) => (line.includes(text) ? [i + 1] : []));
  if (found.length !== 1) throw new Error(`"${text}" is on ${found.length} lines of ${file}`);
  return found[0]!;
}

/**
 * The `[lineNo, line]` pairs a frame at `lineNo` should carry: `before` lines of
 * pre-context, the line, `after` lines of post-context, as read from the file.
 */
export function sourceWindow(file: string, lineNo: number, before: number, after: number): Array<[number, string]> {
  const lines = readFileSync(file, 'utf8').split('\n');
  const window: Array<[number, string]> = [];
  for (let n = Math.max(1, lineNo - before); n <= Math.min(lines.length, lineNo + after); n++) window.push([n, lines[n - 1]!]);
  return window;
}
