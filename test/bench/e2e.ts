/**
 * End to end on the local stack: the load generator posts real envelopes to
 * the DSN over loopback; the figures are what an SDK and a person see —
 * answer times, time until the issue is in the API, time until the alert
 * email is in the SES inbox — and the proof that nothing was lost.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalStack, type LocalStack } from '#cdk/local/stack.ts';
import { apiGet, inbox } from '../helpers/api.ts';
import { deadLetters, generateLoad, issuesTagged, queueDepth, sampleRss } from './load.ts';
import { distribution, type Distribution } from './stats.ts';
import { sdkRequest, type MixName } from './workloads.ts';

export interface E2eOptions {
  events: number;
  concurrency: number;
  bugs: number;
  timeLimitMs: number;
  /** How long to wait for every accepted event to be counted after the load. */
  drainLimitMs: number;
}

export interface E2eMixResult {
  mix: MixName;
  posted: number;
  accepted: number;
  rejected: number;
  stoppedByTime: boolean;
  /** Accepted events per second while posting (the SDK side). */
  ingestEventsPerSecond: number;
  /** Accepted events per second from the first POST until the last one was counted on its issue. */
  processedEventsPerSecond: number;
  ingestMs: Distribution;
  /** From the POST of a new bug's event until the issue is listed by the portal API (probes during the load). */
  visibleMs: Distribution;
  /** From the first POST of a bug until its alert email is seen in the SES inbox (polled). */
  alertMs: Distribution;
  issues: number;
  countedEvents: number;
  lost: number;
  dlq: { count: number; reasons: string[] };
  peakRssBytes: number;
}

/** Polling intervals: fine enough not to dominate the latencies they measure. */
const INBOX_POLL_MS = 50;
const VISIBLE_POLL_MS = 25;
const PROBE_GAP_MS = 200;

function tagFor(what: string): string {
  return `${what}${randomBytes(4).toString('hex')}`;
}

/** Watches the SES inbox and records when each email is first seen. */
function watchInbox(stack: LocalStack) {
  const seen = new Map<string, number>();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const now = Date.now();
        for (const [i, mail] of (await inbox(stack)).entries()) {
          const key = `${i}\u0000${mail.subject}`;
          if (!seen.has(key)) seen.set(key, now);
        }
      } catch {
        // The inbox is polled again on the next tick.
      }
      await new Promise((r) => setTimeout(r, INBOX_POLL_MS));
    }
  })();
  return {
    /** Subjects with the time each was first seen. */
    async stop(): Promise<Array<{ subject: string; seenAt: number }>> {
      running = false;
      await loop;
      return [...seen].map(([key, seenAt]) => ({ subject: key.split('\u0000')[1]!, seenAt }));
    },
    seen,
  };
}

/** Posts one event of a brand-new bug, then polls the API until its issue is listed. */
async function probeVisible(stack: LocalStack, tag: string, bug: number, limitMs: number): Promise<number | undefined> {
  const req = sdkRequest({ projectId: stack.installation.projectId, publicKey: stack.installation.publicKey }, 'python', bug, tag);
  const postedAt = performance.now();
  const res = await fetch(`${stack.url}${req.path}`, { method: 'POST', headers: req.headers, body: new Uint8Array(req.body) });
  await res.arrayBuffer();
  if (res.status !== 200) return undefined;
  const marker = `[${tag}-${bug}]`;
  const path = `/projects/${stack.installation.orgSlug}/${stack.installation.projectSlug}/issues/?query=${encodeURIComponent(marker)}&limit=1`;
  while (performance.now() - postedAt < limitMs) {
    const list = await apiGet<Array<{ title: string }>>(stack, path);
    if (list.status === 200 && list.body.some((i) => i.title.includes(marker))) return performance.now() - postedAt;
    await new Promise((r) => setTimeout(r, VISIBLE_POLL_MS));
  }
  return undefined;
}

async function runMix(stack: LocalStack, mix: MixName, opts: E2eOptions): Promise<E2eMixResult> {
  const tag = tagFor(`e2e${mix}`);
  const probeTag = tagFor('probe');
  const mail = watchInbox(stack);
  const rss = sampleRss();
  let loading = true;
  const visible: number[] = [];
  const probes = (async () => {
    // Probes run beside the load, so the figure is the latency under load; at least one always runs.
    for (let i = 1; loading || i === 1; i++) {
      const ms = await probeVisible(stack, probeTag, 100_000 + i, opts.drainLimitMs);
      if (ms !== undefined) visible.push(ms);
      await new Promise((r) => setTimeout(r, PROBE_GAP_MS));
    }
  })();

  const run = await generateLoad({
    url: stack.url,
    endpoint: { projectId: stack.installation.projectId, publicKey: stack.installation.publicKey },
    count: opts.events,
    concurrency: opts.concurrency,
    mix,
    bugs: opts.bugs,
    tag,
    timeLimitMs: opts.timeLimitMs,
  });
  loading = false;
  const accepted = run.sent.filter((s) => s.status === 200).length;

  // Drained when the issue counts reach the accepted events, or the queue is empty and nothing moves.
  const drainDeadline = Date.now() + opts.drainLimitMs;
  let counted = 0;
  let issues: Awaited<ReturnType<typeof issuesTagged>> = [];
  let countedAt = Date.now();
  for (;;) {
    issues = await issuesTagged(stack, tag);
    counted = issues.reduce((a, i) => a + i.count, 0);
    countedAt = Date.now();
    if (counted >= accepted || Date.now() > drainDeadline) break;
    const depth = await queueDepth(stack.emulators.queueUrl);
    if (depth.visible + depth.inFlight === 0 && stack.poller.stats.invocations > 0) {
      // The last batch may be between its delete and its issue write: look once more after a beat.
      await new Promise((r) => setTimeout(r, 500));
      issues = await issuesTagged(stack, tag);
      counted = issues.reduce((a, i) => a + i.count, 0);
      countedAt = Date.now();
      if (counted >= accepted) break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await probes;

  // Alert emails: one per new issue; each matched to the first POST of its bug.
  const expectedMails = new Set(issues.map((i) => /\[[^\]]*-(\d+)\]/.exec(i.title)?.[1]).filter(Boolean)).size;
  const mailDeadline = Date.now() + Math.min(opts.drainLimitMs, 10_000);
  while ([...mail.seen.keys()].filter((k) => k.includes(`[${tag}-`)).length < expectedMails && Date.now() < mailDeadline) {
    await new Promise((r) => setTimeout(r, INBOX_POLL_MS));
  }
  const mails = await mail.stop();
  const firstPost = new Map<number, number>();
  for (const s of run.sent) if (s.status === 200 && s.postedAt < (firstPost.get(s.bug) ?? Infinity)) firstPost.set(s.bug, s.postedAt);
  const alert: number[] = [];
  for (const m of mails) {
    const bug = new RegExp(`\\[${tag}-(\\d+)\\]`).exec(m.subject)?.[1];
    const posted = bug === undefined ? undefined : firstPost.get(Number(bug));
    if (posted !== undefined) alert.push(m.seenAt - posted);
  }

  const { peakBytes } = rss.stop();
  return {
    mix,
    posted: run.sent.length,
    accepted,
    rejected: run.sent.length - accepted,
    stoppedByTime: run.stoppedByTime,
    ingestEventsPerSecond: accepted / (run.elapsedMs / 1000),
    processedEventsPerSecond: accepted / (Math.max(1, countedAt - run.startedAt) / 1000),
    ingestMs: distribution(run.sent.map((s) => s.ms)),
    visibleMs: distribution(visible),
    alertMs: distribution(alert),
    issues: issues.length,
    countedEvents: counted,
    lost: accepted - counted,
    dlq: await deadLetters(stack.emulators.dlqUrl),
    peakRssBytes: peakBytes,
  };
}

export async function runE2e(opts: E2eOptions): Promise<E2eMixResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferret-bench-e2e-'));
  const stack = await startLocalStack({ dataDir, port: 0, quiet: true, visibilityTimeoutSeconds: 30 });
  try {
    const results: E2eMixResult[] = [];
    for (const mix of ['distinct', 'storm'] as const) results.push(await runMix(stack, mix, opts));
    return results;
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
