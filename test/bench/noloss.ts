/**
 * No loss under load, on the local stack: N events (100,000 in the full run,
 * BENCH_LOAD_N to change it) posted concurrently over loopback across a few
 * dozen bugs; afterwards every accepted event must be on its bug's issue or in
 * the dead-letter queue with its reason, no issue may hold more events than
 * were posted for its bug, and the process's memory must stay bounded. The
 * whole local stack lives in this process (its threads: handlers, grouping,
 * emulators, load generator), so its resident set is the figure.
 * `test/integration/load.test.ts` is the same proof at a CI size in `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '#cdk/local/stack.ts';
import { deadLetters, generateLoad, issuesTagged, sampleCpu, sampleQueueDepth, sampleRss } from './load.ts';
import { distribution, type Distribution } from './stats.ts';

export interface NoLossOptions {
  events: number;
  concurrency: number;
  bugs: number;
  sendLimitMs: number;
  drainLimitMs: number;
}

export interface NoLossResult {
  posted: number;
  accepted: number;
  /** Counted on issues, in the dead-letter queue, and the differences per bug. */
  counted: number;
  deadLettered: number;
  lost: number;
  countedTwice: number;
  issues: number;
  bugs: number;
  ingestEventsPerSecond: number;
  processedEventsPerSecond: number;
  ingestMs: Distribution;
  drained: boolean;
  rssBaselineBytes: number;
  rssPeakBytes: number;
  /** CPU time of the whole process (every thread) from the first POST until drained, per accepted event. */
  cpuMsPerEvent: number;
  /** The machine's 1-minute load average when the load started, and its highest value during the run. */
  loadAverageStart: number;
  loadAveragePeak: number;
  /** Most grouping invocations running at once (the event source mapping's scaling). */
  peakConcurrency: number;
  /** The deepest the event queue got: accepted events waiting to be grouped, held by the SQS emulator in this process. */
  peakQueueDepth: number;
}

const POLL_MS = 2000;

export async function runNoLoss(opts: NoLossOptions): Promise<NoLossResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferret-bench-noloss-'));
  const stack = await startLocalStack({ dataDir, port: 0, quiet: true, visibilityTimeoutSeconds: 30 });
  try {
    const tag = `noloss${Date.now().toString(36)}`;
    const rss = sampleRss();
    const cpu = sampleCpu();
    const depth = sampleQueueDepth(stack.emulators.queueUrl);
    const run = await generateLoad({
      url: stack.url,
      endpoint: { projectId: stack.installation.projectId, publicKey: stack.installation.publicKey },
      count: opts.events,
      concurrency: opts.concurrency,
      mix: 'distinct',
      bugs: opts.bugs,
      tag,
      timeLimitMs: opts.sendLimitMs,
    });
    const accepted = run.sent.filter((s) => s.status === 200);
    const perBug = new Map<number, number>();
    for (const s of accepted) perBug.set(s.bug, (perBug.get(s.bug) ?? 0) + 1);

    const deadline = Date.now() + opts.drainLimitMs;
    let issues: Array<{ title: string; count: number }> = [];
    let dlq = { count: 0, reasons: [] as string[] };
    let drained = false;
    for (;;) {
      [issues, dlq] = await Promise.all([issuesTagged(stack, tag), deadLetters(stack.emulators.dlqUrl)]);
      const counted = issues.reduce((a, i) => a + i.count, 0);
      if (counted + dlq.count >= accepted.length) {
        drained = true;
        break;
      }
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const doneAt = Date.now();
    const { peakBytes, baselineBytes } = rss.stop();
    const { cpuMs, loadAverageStart, loadAveragePeak } = cpu.stop();
    const peakQueueDepth = await depth.stop();

    const counted = issues.reduce((a, i) => a + i.count, 0);
    const byBug = new Map<number, number>();
    for (const i of issues) {
      const bug = Number(new RegExp(`\\[${tag}-(\\d+)\\]`).exec(i.title)?.[1]);
      byBug.set(bug, (byBug.get(bug) ?? 0) + i.count);
    }
    let missing = 0;
    let countedTwice = 0;
    for (const [bug, n] of perBug) {
      const got = byBug.get(bug) ?? 0;
      if (got < n) missing += n - got;
      else countedTwice += got - n;
    }
    return {
      posted: run.sent.length,
      accepted: accepted.length,
      counted,
      deadLettered: dlq.count,
      // Events missing from their issues that the dead-letter queue does not account for.
      lost: Math.max(0, missing - dlq.count),
      countedTwice,
      issues: issues.length,
      bugs: perBug.size,
      ingestEventsPerSecond: (1000 * accepted.length) / Math.max(1, run.elapsedMs),
      processedEventsPerSecond: (1000 * counted) / Math.max(1, doneAt - run.startedAt),
      ingestMs: distribution(accepted.map((s) => s.ms)),
      drained,
      rssBaselineBytes: baselineBytes,
      rssPeakBytes: peakBytes,
      cpuMsPerEvent: cpuMs / Math.max(1, accepted.length),
      loadAverageStart,
      loadAveragePeak,
      peakConcurrency: stack.poller.stats.peakConcurrency,
      peakQueueDepth,
    };
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
