/**
 * Correctness under load: N events (FERRET_LOAD_N, default 2,000) posted
 * concurrently over loopback to the local stack across ~20 distinct bugs.
 * Afterwards every accepted event is on its issue — or on the dead-letter
 * queue with the reason — and the process's memory stayed bounded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { MiB } from '#shared/infra.ts';
import { deadLetters, generateLoad, issuesTagged, sampleRss } from '../bench/load.ts';
import { waitFor } from '../helpers/wait.ts';

const N = Number(process.env['FERRET_LOAD_N'] ?? 2000);
const BUGS = 20;
const CONCURRENCY = 32;
/** Growth of the resident set over the run: the whole stack lives in this process; 2,000 events need far less. */
const RSS_GROWTH_LIMIT_BYTES = 512 * MiB;
/** Generous bounds for a shared two-core machine; they stop a hung run, they measure nothing. */
const SEND_LIMIT_MS = 180_000;
const DRAIN_LIMIT_MS = 180_000;

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferret-load-'));
  stack = await startLocalStack({ dataDir, port: 0, quiet: true, visibilityTimeoutSeconds: 30 });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the local stack under concurrent load', () => {
  it(`accounts for every one of ${N} concurrent events across ${BUGS} bugs, with bounded memory`, { timeout: SEND_LIMIT_MS + DRAIN_LIMIT_MS + 60_000 }, async () => {
    const tag = `load${Date.now().toString(36)}`;
    const rss = sampleRss();
    const run = await generateLoad({
      url: stack.url,
      endpoint: { projectId: stack.installation.projectId, publicKey: stack.installation.publicKey },
      count: N,
      concurrency: CONCURRENCY,
      mix: 'distinct',
      bugs: BUGS,
      tag,
      timeLimitMs: SEND_LIMIT_MS,
    });
    expect(run.sent).toHaveLength(N);
    const accepted = run.sent.filter((s) => s.status === 200);
    // Nothing here asks to be rate limited or is malformed: every request is accepted.
    expect(run.sent.filter((s) => s.status !== 200).map((s) => s.status)).toEqual([]);

    const perBug = new Map<number, number>();
    for (const s of accepted) perBug.set(s.bug, (perBug.get(s.bug) ?? 0) + 1);

    const settled = await waitFor(
      async () => {
        const [issues, dlq] = await Promise.all([issuesTagged(stack, tag), deadLetters(stack.emulators.dlqUrl)]);
        const counted = issues.reduce((a, i) => a + i.count, 0);
        return counted + dlq.count >= accepted.length ? { issues, dlq, counted } : undefined;
      },
      'every accepted event counted or dead-lettered',
      DRAIN_LIMIT_MS,
      500,
    );
    const { peakBytes, baselineBytes } = rss.stop();

    expect(settled.counted + settled.dlq.count).toBe(accepted.length);
    expect(settled.dlq.reasons.every((r) => r.length > 0)).toBe(true);
    if (settled.dlq.count === 0) {
      expect(settled.issues).toHaveLength(perBug.size);
      // Each bug's issue holds exactly the events posted for it: none lost, none counted twice.
      const byBug = new Map(settled.issues.map((i) => [Number(new RegExp(`\\[${tag}-(\\d+)\\]`).exec(i.title)?.[1]), i.count]));
      expect(Object.fromEntries(byBug)).toEqual(Object.fromEntries(perBug));
    }
    expect(peakBytes - baselineBytes).toBeLessThan(RSS_GROWTH_LIMIT_BYTES);
  });
});
