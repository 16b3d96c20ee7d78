/**
 * A load generator for the local stack: real SDK requests posted over
 * loopback HTTP to the DSN with bounded concurrency, count and time; and the
 * bookkeeping that proves no event was lost (issue counts, queue, DLQ).
 */
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadavg } from 'node:os';
import type { LocalStack } from '#cdk/local/stack.ts';
import { nextMessage, startTsWorker, type StartFailed } from '#cdk/local/thread.ts';
import { apiGet } from '../helpers/api.ts';
import { pick, sdkRequest, type Endpoint, type MixName, type PayloadKind } from './workloads.ts';

export interface LoadOptions {
  /** Base URL of the front door (loopback). */
  url: string;
  endpoint: Endpoint;
  count: number;
  concurrency: number;
  mix: MixName;
  /** Distinct bugs of the distinct mix. */
  bugs: number;
  /** Marks this run's events: it is in every issue title, and the API's text search finds it. */
  tag: string;
  /** Stop sending after this long even if `count` is not reached. */
  timeLimitMs: number;
}

export interface SentEvent {
  bug: number;
  kind: PayloadKind;
  eventId: string;
  /** Epoch ms when the POST started. */
  postedAt: number;
  /** Response time, ms. */
  ms: number;
  status: number;
}

export interface LoadRun {
  sent: SentEvent[];
  startedAt: number;
  elapsedMs: number;
  stoppedByTime: boolean;
}

/**
 * Posts the load from a worker thread of its own: the SDKs' side of the wire
 * (building, gzipping and posting bodies) is not run on the thread that
 * answers them, as it would not be on a real deployment.
 */
export async function generateLoad(opts: LoadOptions): Promise<LoadRun> {
  const worker = startTsWorker(new URL('./load-thread.ts', import.meta.url), opts);
  try {
    const out = await nextMessage<{ kind: 'done'; run: LoadRun } | StartFailed>(worker, ['done', 'failed']);
    if (out.kind === 'failed') throw new Error(`load generator failed: ${out.message}`);
    return out.run;
  } finally {
    await worker.terminate();
  }
}

/** The load itself, on the calling thread. */
export async function postLoad(opts: LoadOptions): Promise<LoadRun> {
  const sent: SentEvent[] = [];
  const startedAt = Date.now();
  const deadline = startedAt + opts.timeLimitMs;
  let next = 0;
  let stoppedByTime = false;

  async function worker() {
    for (;;) {
      if (Date.now() > deadline) {
        stoppedByTime = next < opts.count;
        return;
      }
      const i = next++;
      if (i >= opts.count) return;
      const { kind, bug } = pick(opts.mix, i, opts.bugs);
      const req = sdkRequest(opts.endpoint, kind, bug, opts.tag);
      const qs = new URLSearchParams(req.query).toString();
      const postedAt = Date.now();
      const t0 = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${opts.url}${req.path}${qs ? `?${qs}` : ''}`, { method: 'POST', headers: req.headers, body: new Uint8Array(req.body) });
        await res.arrayBuffer();
        status = res.status;
      } catch {
        status = 0;
      }
      sent.push({ bug, kind, eventId: req.eventId, postedAt, ms: performance.now() - t0, status });
    }
  }

  await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  return { sent, startedAt, elapsedMs: Date.now() - startedAt, stoppedByTime };
}

/** Issue page size of the portal API (its maximum). */
const ISSUES_PAGE = 100;

/** Issues whose title holds `tag`, with their counts (the API's text search, all pages). */
export async function issuesTagged(stack: Pick<LocalStack, 'url' | 'token' | 'installation'>, tag: string): Promise<Array<{ id: string; title: string; count: number }>> {
  const out: Array<{ id: string; title: string; count: number }> = [];
  let cursor = '';
  for (;;) {
    const q = new URLSearchParams({ query: tag, limit: String(ISSUES_PAGE), sort: 'date' });
    if (cursor) q.set('cursor', cursor);
    const res = await apiGet<Array<{ id: string; title: string; count: string }>>(stack, `/projects/${stack.installation.orgSlug}/${stack.installation.projectSlug}/issues/?${q}`);
    if (res.status !== 200) throw new Error(`issue list answered ${res.status}`);
    for (const i of res.body) out.push({ id: i.id, title: i.title, count: Number(i.count) });
    const nextLink = /<[^>]*>; rel="next"; results="true"; cursor="([^"]*)"/.exec(res.headers.get('link') ?? '');
    if (!nextLink?.[1]) return out;
    cursor = nextLink[1];
  }
}

export async function queueDepth(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const sqs = new SQSClient({});
  try {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    return { visible: Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0), inFlight: Number(out.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0) };
  } finally {
    sqs.destroy();
  }
}

/** Messages on the dead-letter queue and the reasons the grouping step gave (peeked, then visible again). */
export async function deadLetters(dlqUrl: string): Promise<{ count: number; reasons: string[] }> {
  const sqs = new SQSClient({});
  try {
    const { visible, inFlight } = await queueDepth(dlqUrl);
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 0, MessageAttributeNames: ['All'] }));
    const reasons = (got.Messages ?? []).map((m) => m.MessageAttributes?.['reason']?.StringValue ?? '(no reason: moved by the redrive policy after repeated failures)');
    return { count: visible + inFlight, reasons };
  } finally {
    sqs.destroy();
  }
}

/** Samples the process's resident set size (all its threads) until stopped. */
export function sampleRss(intervalMs = 250): { stop(): { baselineBytes: number; peakBytes: number } } {
  const baselineBytes = process.memoryUsage().rss;
  let peakBytes = baselineBytes;
  const timer = setInterval(() => {
    peakBytes = Math.max(peakBytes, process.memoryUsage().rss);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      peakBytes = Math.max(peakBytes, process.memoryUsage().rss);
      return { baselineBytes, peakBytes };
    },
  };
}

/**
 * The process's CPU time (every thread: handlers, emulators, load generator)
 * and the machine's 1-minute load average until stopped. On a shared machine
 * the CPU time per event is the steadier figure; the load average says how
 * much of the machine was someone else's.
 */
export function sampleCpu(intervalMs = 1000): { stop(): { cpuMs: number; loadAverageStart: number; loadAveragePeak: number } } {
  const start = process.cpuUsage();
  const loadAverageStart = loadavg()[0]!;
  let loadAveragePeak = loadAverageStart;
  const timer = setInterval(() => {
    loadAveragePeak = Math.max(loadAveragePeak, loadavg()[0]!);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const used = process.cpuUsage(start);
      return { cpuMs: (used.user + used.system) / 1000, loadAverageStart, loadAveragePeak: Math.max(loadAveragePeak, loadavg()[0]!) };
    },
  };
}

/** The deepest the event queue got (waiting and in flight), sampled until stopped: the backlog the SQS emulator held in memory. */
export function sampleQueueDepth(queueUrl: string, intervalMs = 2000): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        // local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages too (SQS does not):
        // that figure alone is every message the emulator holds.
        const { visible } = await queueDepth(queueUrl);
        peak = Math.max(peak, visible);
      } catch {
        // Sampled again on the next tick.
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
