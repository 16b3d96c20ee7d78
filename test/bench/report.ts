/**
 * The benchmark's result file and its printed table: what was measured, on
 * which machine, against which targets.
 */
import { cpus, totalmem } from 'node:os';
import type { ColdStartResult } from './coldstart.ts';
import { INGEST_BUNDLE_TARGET_BYTES, INGEST_INIT_TARGET_MS } from './coldstart.ts';
import type { CpuScenarioResult } from './cpu.ts';
import type { E2eMixResult } from './e2e.ts';
import { PORTAL_FIRST_ROW_TARGET_MS, type PortalResult } from './portal.ts';
import type { ListResult } from './list.ts';
import type { NoLossResult } from './noloss.ts';
import { COST_TARGET_USD, PRICES_AS_OF } from './prices.ts';
import { NEW_ISSUES_PER_EVENT, type ResourceRun } from './resources.ts';
import { round } from './stats.ts';
import type { PayloadKind } from './workloads.ts';
import { QUEUE } from '#shared/infra.ts';

/** Targets from the brief: handler CPU for the 5 KB event. */
export const INGEST_CPU_TARGET_MS = 0.1;
export const GROUP_CPU_TARGET_MS = 0.3;

export const RESULTS_VERSION = 1;

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  arch: string;
  totalMemoryBytes: number;
}

export interface Target {
  name: string;
  value: number;
  target: number;
  unit: string;
  met: boolean;
}

export interface BenchResults {
  version: typeof RESULTS_VERSION;
  smoke: boolean;
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  pricesAsOf: string;
  workloads: Record<PayloadKind, { eventBytes: number; wireBytes: number }>;
  cpu?: CpuScenarioResult[];
  coldStart?: ColdStartResult[];
  e2e?: E2eMixResult[];
  resources?: ResourceRun[];
  portal?: PortalResult;
  list?: ListResult;
  load?: NoLossResult;
  targets: Target[];
  /** Phases that failed, with their error. */
  errors: Record<string, string>;
}

export function machine(): Machine {
  const list = cpus();
  return { cores: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', node: process.version, platform: process.platform, arch: process.arch, totalMemoryBytes: totalmem() };
}

function target(name: string, value: number | undefined, limit: number, unit: string): Target[] {
  if (value === undefined || !Number.isFinite(value)) return [];
  return [{ name, value: round(value), target: limit, unit, met: value <= limit }];
}

export function targets(r: Omit<BenchResults, 'targets'>): Target[] {
  const python = r.cpu?.find((s) => s.name === 'python-5k');
  const ingestFn = r.coldStart?.find((c) => c.name === 'ingest');
  const busy = (mix: string) => r.resources?.find((x) => x.mix === mix && x.batchSize === QUEUE.eventSource.batchSize);
  const mixed = r.resources ? mixedCost(r.resources, QUEUE.eventSource.batchSize) : undefined;
  const lost = r.e2e?.reduce((a, m) => a + m.lost + m.dlq.count, 0);
  const load = r.load;
  return [
    ...target('ingest CPU, 5 KB event (median)', python?.ingest.cpuMs.median, INGEST_CPU_TARGET_MS, 'ms'),
    ...target('grouping CPU, 5 KB event (median, one per invocation)', python?.groupSingle.cpuMs.median, GROUP_CPU_TARGET_MS, 'ms'),
    ...target('ingest bundle', ingestFn?.bundleBytes, INGEST_BUNDLE_TARGET_BYTES, 'bytes'),
    ...target('ingest module init (median)', ingestFn?.initMs.median, INGEST_INIT_TARGET_MS, 'ms'),
    ...target(`cost per million, mixed (steady + ${NEW_ISSUES_PER_EVENT * 1000} new issue per 1,000), HTTP API`, mixed?.http, COST_TARGET_USD.distinct, 'USD'),
    ...target('cost per million, storm, HTTP API', busy('storm')?.cost.http.total, COST_TARGET_USD.storm, 'USD'),
    ...target(`cost per million, mixed (steady + ${NEW_ISSUES_PER_EVENT * 1000} new issue per 1,000), REST API`, mixed?.rest, COST_TARGET_USD.distinct, 'USD'),
    ...target('cost per million, storm, REST API', busy('storm')?.cost.rest.total, COST_TARGET_USD.storm, 'USD'),
    ...target('events lost end to end (incl. DLQ)', lost, 0, 'events'),
    ...target(`events lost or counted twice under load (${load?.accepted ?? 0} events)`, load ? load.lost + load.countedTwice + (load.drained ? 0 : 1) : undefined, 0, 'events'),
    ...target(`portal issue list, first row in Chromium (${r.portal?.issues ?? 0} issues, median)`, r.portal?.firstRowMs?.median, PORTAL_FIRST_ROW_TARGET_MS, 'ms'),
  ];
}

/**
 * The mixed workload: steady-state events plus, at `NEW_ISSUES_PER_EVENT`, an
 * event that opens a new issue instead (priced by the every-event-new run).
 */
export function mixedCost(runs: ResourceRun[], batchSize: number): { http: number; rest: number; perNewIssue: { http: number; rest: number } } | undefined {
  const steady = runs.find((x) => x.mix === 'steady' && x.batchSize === batchSize);
  const fresh = runs.find((x) => x.mix === 'distinct' && x.batchSize === batchSize);
  if (!steady || !fresh) return undefined;
  const r = NEW_ISSUES_PER_EVENT;
  return {
    http: (1 - r) * steady.cost.http.total + r * fresh.cost.http.total,
    rest: (1 - r) * steady.cost.rest.total + r * fresh.cost.rest.total,
    // What one new issue costs beyond a steady event, in dollars (the run's $/M is per million new issues).
    perNewIssue: { http: (fresh.cost.http.total - steady.cost.http.total) / 1e6, rest: (fresh.cost.rest.total - steady.cost.rest.total) / 1e6 },
  };
}

function table(title: string, head: string[], rows: Array<Array<string | number>>): string {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? String(round(c)) : c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: Array<string | number>) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
  return [`\n${title}`, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const KB = (b: number) => `${round(b / 1024)} KiB`;

/** The clients a function loads from the runtime, and how many other modules (credential links, event streams, never loaded on Lambda). */
function fromRuntime(packages: string[]): string {
  const clients = packages.filter((p) => p.startsWith('@aws-sdk/client-')).map((p) => p.replace('@aws-sdk/', ''));
  const others = packages.length - clients.length;
  return [...clients, ...(others ? [`+${others} others`] : [])].join(' ') || '-';
}

export function render(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [
    `Ferret benchmark${r.smoke ? ' (smoke: tiny counts, figures are not meaningful)' : ''} — ${r.finishedAt}`,
    `machine: ${m.cores} cores, ${m.cpuModel}, Node ${m.node} (${m.platform}/${m.arch}), ${round(m.totalMemoryBytes / 2 ** 30)} GiB; prices us-east-1 as of ${r.pricesAsOf}`,
    `payloads: ${Object.entries(r.workloads).map(([k, v]) => `${k} ${KB(v.eventBytes)} event / ${KB(v.wireBytes)} on the wire`).join(', ')}`,
  ];
  if (r.cpu) {
    out.push(
      table(
        'Handler CPU per event (ms; AWS answered in memory)',
        ['scenario', 'ingest p50', 'ingest p99', 'ingest ev/s/core', 'group p50', 'group p99', 'group ev/s/core', 'batched group/event', 'batched ev/s/core'],
        r.cpu.map((s) => [s.name, s.ingest.cpuMs.median, s.ingest.cpuMs.p99, s.ingest.eventsPerSecondPerCore, s.groupSingle.cpuMs.median, s.groupSingle.cpuMs.p99, s.groupSingle.eventsPerSecondPerCore, s.groupBatched.cpuMs.median, s.groupBatched.eventsPerSecondPerCore]),
      ),
    );
  }
  if (r.coldStart) {
    out.push(
      table(
        'Cold start (esbuild minified ESM + source map, node22, as the stack ships it; vs the whole SDK from the runtime)',
        ['function', 'bundle', 'init p50 ms', 'init max ms', 'SDK from runtime on first use', 'runtime-SDK bundle', 'runtime-SDK init p50 ms'],
        r.coldStart.map((c) => [
          c.name,
          KB(c.bundleBytes),
          c.initMs.median,
          c.initMs.max,
          fromRuntime([...c.sdkPackages, ...c.sdkLazyPackages]),
          KB(c.runtimeSdk.bundleBytes),
          c.runtimeSdk.initMs.median,
        ]),
      ),
    );
  }
  if (r.e2e) {
    out.push(
      table(
        'End to end on the local stack (loopback HTTP)',
        ['mix', 'accepted', 'lost', 'DLQ', 'ingest ev/s', 'processed ev/s', 'ingest p50 ms', 'ingest p99 ms', 'visible p50 ms', 'alert p50 ms', 'alert p99 ms', 'peak RSS'],
        r.e2e.map((e) => [e.mix, `${e.accepted}/${e.posted}`, e.lost, e.dlq.count, e.ingestEventsPerSecond, e.processedEventsPerSecond, e.ingestMs.median, e.ingestMs.p99, e.visibleMs.median, e.alertMs.median, e.alertMs.p99, `${round(e.peakRssBytes / 2 ** 20)} MiB`]),
      ),
    );
  }
  if (r.resources) {
    const mixName = (x: ResourceRun) => (x.mix === 'distinct' ? 'new issues' : x.mix);
    out.push(
      table(
        'Resources per event and cost per million events (USD); "storm": one bug past its hour\'s stored sample; "new issues": every event opens one',
        ['mix', 'batch', 'SQS req', 'DDB WCU', '(index)', 'DDB RCU', 'ingest ms', 'group ms', 'S3', 'emails', 'HTTP API $/M', 'REST API $/M'],
        r.resources.map((x) => [
          mixName(x),
          x.batchSize,
          x.usage.sqsRequests,
          x.usage.dynamoWriteUnits,
          x.dynamoIndexWriteUnits,
          x.usage.dynamoReadUnits,
          x.usage.lambda.ingest.billedMs,
          x.usage.lambda.group.billedMs,
          x.usage.s3Puts + x.usage.s3Gets,
          x.usage.emails,
          x.cost.http.total,
          x.cost.rest.total,
        ]),
      ),
    );
    const kinds = [...new Set(r.resources.flatMap((x) => Object.keys(x.dynamoWriteUnitsByKind ?? {})))].sort();
    out.push(
      table(
        'DynamoDB write units per event by item (table + index)',
        ['mix', 'batch', ...kinds],
        r.resources.map((x) => [mixName(x), x.batchSize, ...kinds.map((k) => x.dynamoWriteUnitsByKind?.[k] ?? 0)]),
      ),
    );
    const indexes = [...new Set(r.resources.flatMap((x) => Object.keys(x.dynamoIndexWriteUnitsByIndex ?? {})))].sort();
    out.push(
      table(
        'DynamoDB index write units per event by index (gsi4, gsi5: the events and users orders)',
        ['mix', 'batch', ...indexes],
        r.resources.map((x) => [mixName(x), x.batchSize, ...indexes.map((k) => x.dynamoIndexWriteUnitsByIndex?.[k] ?? 0)]),
      ),
    );
    const mixed = mixedCost(r.resources, QUEUE.eventSource.batchSize);
    const quiet = mixedCost(r.resources, 1);
    if (mixed) {
      out.push(
        table(
          `Mixed workload: steady state + ${NEW_ISSUES_PER_EVENT * 1000} new issue per 1,000 events (an assumption; price another rate from the cost per new issue)`,
          ['queue', 'HTTP API $/M', 'REST API $/M', 'per new issue, HTTP $', 'per new issue, REST $'],
          [
            ['busy (batches of 100)', mixed.http, mixed.rest, mixed.perNewIssue.http, mixed.perNewIssue.rest],
            ...(quiet ? [['quiet (one event per batch)', quiet.http, quiet.rest, '-', '-']] : []),
          ],
        ),
      );
    }
    const steady = r.resources.find((x) => x.mix === 'steady' && x.batchSize === QUEUE.eventSource.batchSize);
    if (steady) {
      const c = steady.cost.http;
      out.push(
        table('Cost breakdown, steady state, busy queue, HTTP API ($ per million events)', ['api', 'lambda req', 'lambda GB-s', 'sqs', 'ddb write', 'ddb read', 's3', 'ses', 'total'], [
          [c.api, c.lambdaRequests, c.lambdaCompute, c.sqs, c.dynamoWrites, c.dynamoReads, c.s3, c.ses, c.total],
        ]),
      );
    }
  }
  if (r.portal) {
    const p = r.portal;
    out.push(
      table(
        `Portal issue list on the local stack, ${p.issues} issues (ms)${p.skipped ? `; browser skipped: ${p.skipped}` : ''}`,
        ['measure', 'p50', 'p99', 'max'],
        [
          ['API first page, last seen', p.apiListMs.median, p.apiListMs.p99, p.apiListMs.max],
          ['API first page, by events', p.apiListFreqMs.median, p.apiListFreqMs.p99, p.apiListFreqMs.max],
          ...(p.firstRowMs ? [['Chromium: navigation to first row', p.firstRowMs.median, p.firstRowMs.p99, p.firstRowMs.max] as Array<string | number>] : []),
        ],
      ),
    );
  }
  if (r.list) {
    out.push(
      table(
        `Issue list on the local stack: portal API answer for a project of ${r.list.issues.toLocaleString('en-US')} issues, ${r.list.pageSize} per page (with each issue's 24 h chart)`,
        ['request', 'issues shown', 'p50 ms', 'max ms'],
        r.list.figures.map((f) => [f.name, f.shown, f.ms.median, f.ms.max]),
      ),
    );
  }
  if (r.load) {
    const l = r.load;
    out.push(
      table(
        `No loss under load on the local stack: ${l.posted.toLocaleString('en-US')} events posted concurrently over ${l.bugs} bugs`,
        ['accepted', 'counted', 'DLQ', 'lost', 'counted twice', 'issues', 'drained', 'ingest ev/s', 'processed ev/s', 'ingest p50 ms', 'ingest p99 ms', 'RSS baseline', 'RSS peak', 'CPU ms/event', 'grouping concurrency', 'peak queue depth', 'load avg start/peak'],
        [
          [
            l.accepted,
            l.counted,
            l.deadLettered,
            l.lost,
            l.countedTwice,
            l.issues,
            l.drained ? 'yes' : 'NO',
            l.ingestEventsPerSecond,
            l.processedEventsPerSecond,
            l.ingestMs.median,
            l.ingestMs.p99,
            `${round(l.rssBaselineBytes / 2 ** 20)} MiB`,
            `${round(l.rssPeakBytes / 2 ** 20)} MiB`,
            l.cpuMsPerEvent,
            l.peakConcurrency,
            l.peakQueueDepth,
            `${round(l.loadAverageStart)}/${round(l.loadAveragePeak)}`,
          ],
        ],
      ),
    );
  }
  out.push(table('Targets', ['target', 'value', 'limit', 'unit', 'met'], r.targets.map((t) => [t.name, t.value, t.target, t.unit, t.met ? 'yes' : 'NO'])));
  for (const [phase, error] of Object.entries(r.errors)) out.push(`\nphase ${phase} FAILED: ${error}`);
  return out.join('\n');
}
