/**
 * `npm run bench -- --smoke` once: every phase runs end to end with tiny
 * counts and writes a result file of the expected shape with sane numbers.
 * Figures are not judged here (no timed assertions); the full bench does that.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { FUNCTIONS, SDK_FROM_RUNTIME } from '#shared/infra.ts';
import { CPU_SCENARIOS } from '../bench/cpu.ts';
import type { BenchResults } from '../bench/report.ts';

/** Generous: the smoke run takes seconds, but the machine is shared. */
const SMOKE_LIMIT_MS = 240_000;

let dir: string;
let results: BenchResults;
let run: ReturnType<typeof spawnSync>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferret-bench-smoke-'));
  const out = join(dir, 'results.json');
  run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'bench', 'main.ts'), '--smoke', '--out', out], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: SMOKE_LIMIT_MS,
    env: { ...process.env, BENCH_SMOKE: '1' },
  });
  results = JSON.parse(readFileSync(out, 'utf8')) as BenchResults;
}, SMOKE_LIMIT_MS + 10_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every number in the tree, with its path. */
function numbers(value: unknown, path = '$'): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

const positive = (x: number) => Number.isFinite(x) && x > 0;

describe('npm run bench -- --smoke', () => {
  it('finishes every phase without error and prints the machine and the table', () => {
    expect(results.errors).toEqual({});
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('machine:');
    expect(run.stdout).toContain('Targets');
    expect(results).toMatchObject({ version: 1, smoke: true, pricesAsOf: '2026-11' });
    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(results.machine.cpuModel.length).toBeGreaterThan(0);
  });

  it('measures the portal issue list: the API always, the first row in Chromium when it is there', () => {
    const portal = results.portal!;
    expect(portal.issues).toBe(60);
    expect(portal.apiListMs.n).toBe(1);
    expect(portal.apiListFreqMs.n).toBe(1);
    if (portal.skipped) expect(portal.firstRowMs).toBeUndefined();
    else expect(portal.firstRowMs!.n).toBe(1);
    expect(run.stdout).toContain('Portal issue list on the local stack');
  });

  it('writes only finite, non-negative numbers', () => {
    const bad = numbers(results).filter(([, v]) => !Number.isFinite(v) || v < 0);
    expect(bad).toEqual([]);
  });

  it('builds the three payloads near their intended sizes', () => {
    expect(results.workloads.python.eventBytes).toBeGreaterThan(4 * 1024);
    expect(results.workloads.browser.eventBytes).toBeGreaterThan(1.5 * 1024);
    expect(results.workloads.big.eventBytes).toBeGreaterThan(45 * 1024);
    // The Python and the large event travel gzip-compressed, as their SDKs send them.
    expect(results.workloads.python.wireBytes).toBeLessThan(results.workloads.python.eventBytes);
    expect(results.workloads.big.wireBytes).toBeLessThan(results.workloads.big.eventBytes);
  });

  it('measures handler CPU for every scenario', () => {
    expect(results.cpu?.map((s) => s.name)).toEqual(CPU_SCENARIOS.map((s) => s.name));
    for (const s of results.cpu!) {
      for (const h of [s.ingest, s.groupSingle, s.groupBatched]) {
        expect(h.cpuMs.n).toBeGreaterThan(0);
        expect(positive(h.wallMs.median)).toBe(true);
        expect(positive(h.eventsPerSecondPerCore)).toBe(true);
        expect(h.cpuMs.p99).toBeGreaterThanOrEqual(h.cpuMs.median);
      }
    }
  });

  it('bundles every function and times its import', () => {
    expect(results.coldStart?.map((c) => c.name).sort()).toEqual(Object.keys(FUNCTIONS).sort());
    for (const c of results.coldStart!) {
      expect(positive(c.bundleBytes)).toBe(true);
      expect(positive(c.initMs.median)).toBe(true);
      expect(c.topInputs.length).toBeGreaterThan(0);
      expect(c.sdkPackages.every((p) => p.startsWith('@aws-sdk/'))).toBe(true);
      // Only what the stack leaves to the runtime is imported from it; the rest is bundled.
      expect([...c.sdkPackages, ...c.sdkLazyPackages].every((p) => (SDK_FROM_RUNTIME as readonly string[]).includes(p))).toBe(true);
      expect(c.runtimeSdk.bundleBytes).toBeLessThan(c.bundleBytes);
      expect(positive(c.runtimeSdk.initMs.median)).toBe(true);
    }
  });

  it('loses no event end to end, in both mixes', () => {
    expect(results.e2e?.map((e) => e.mix)).toEqual(['distinct', 'storm']);
    for (const e of results.e2e!) {
      expect(e.accepted).toBe(e.posted);
      expect(e.countedEvents).toBe(e.accepted);
      expect(e.lost).toBe(0);
      expect(e.dlq.count).toBe(0);
      expect(positive(e.ingestEventsPerSecond)).toBe(true);
      expect(positive(e.ingestMs.median)).toBe(true);
      expect(positive(e.visibleMs.median)).toBe(true);
      expect(positive(e.alertMs.median)).toBe(true);
    }
    expect(results.e2e![1]!.issues).toBe(1);
  });

  it('accounts for every event of the load phase: none lost, none counted twice, memory sampled', () => {
    const l = results.load!;
    expect(l.posted).toBeGreaterThan(0);
    expect(l.accepted).toBe(l.posted);
    expect(l.drained).toBe(true);
    expect(l.counted + l.deadLettered).toBe(l.accepted);
    expect(l.lost).toBe(0);
    expect(l.countedTwice).toBe(0);
    expect(l.rssPeakBytes).toBeGreaterThanOrEqual(l.rssBaselineBytes);
    expect(l.cpuMsPerEvent).toBeGreaterThan(0);
    expect(l.peakConcurrency).toBeGreaterThanOrEqual(1);
    expect(l.peakQueueDepth).toBeLessThanOrEqual(l.accepted);
    expect(l.loadAveragePeak).toBeGreaterThanOrEqual(l.loadAverageStart);
  });

  it('times the issue list of a seeded project, one page per request', () => {
    expect(results.list?.figures.length).toBeGreaterThanOrEqual(5);
    for (const f of results.list!.figures) expect(positive(f.ms.median)).toBe(true);
    const [byLastSeen, byFirstSeen, , secondPage] = results.list!.figures;
    expect(byLastSeen!.shown).toBe(results.list!.pageSize);
    expect(byFirstSeen!.shown).toBe(results.list!.pageSize);
    expect(secondPage!.shown).toBeGreaterThan(0);
  });

  it('prices every mix on both API flavours, the REST API dearer by its request price', () => {
    expect(results.resources?.map((r) => `${r.mix}/${r.batchSize}`)).toEqual(['steady/100', 'steady/1', 'storm/100', 'storm/1', 'distinct/100']);
    for (const r of results.resources!) {
      expect(r.lost).toBe(0);
      expect(positive(r.usage.sqsRequests)).toBe(true);
      expect(positive(r.usage.dynamoWriteUnits)).toBe(true);
      expect(positive(r.usage.lambda.ingest.billedMs)).toBe(true);
      expect(positive(r.cost.http.total)).toBe(true);
      expect(r.cost.rest.total - r.cost.http.total).toBeCloseTo(2.5, 6);
    }
    expect(results.targets.map((t) => t.name)).toContain('cost per million, storm, HTTP API');
    // Every event a new issue: each sends the new-issue email; a steady event sends none.
    const fresh = results.resources!.find((r) => r.mix === 'distinct')!;
    const steady = results.resources!.find((r) => r.mix === 'steady' && r.batchSize === 100)!;
    expect(fresh.usage.emails).toBe(1);
    expect(steady.usage.emails).toBe(0);
    expect(fresh.cost.http.total).toBeGreaterThan(steady.cost.http.total);
    // Write units by item add up to the total.
    for (const r of results.resources!) {
      const sum = Object.values(r.dynamoWriteUnitsByKind).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(r.usage.dynamoWriteUnits, 6);
    }
  });
});
