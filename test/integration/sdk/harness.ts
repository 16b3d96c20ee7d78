/**
 * What every SDK compatibility test needs: one local stack per test file, and
 * readers for what Ferret stored, through the portal API as a user sees it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Context line numbers must be consecutive around the frame's own line. */
export function contextIsConsecutive(frame: any): boolean {
  const lines: number[] = frame.context.map(([n]: [number, string]) => n);
  return lines.length > 1 && lines.every((n, i) => i === 0 || n === lines[i - 1]! + 1) && lines.includes(frame.lineNo);
}

export function frameNamed(frames: any[], fn: string): any {
  return frames.find((f) => f.function === fn);
}
