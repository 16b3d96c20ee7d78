/**
 * `npm run bench` — speed, cost per million events, and no loss.
 *
 *   npm run bench                       full run (a few minutes)
 *   npm run bench -- --smoke            everything tiny, in seconds (or BENCH_SMOKE=1)
 *   npm run bench -- --only cpu,e2e     some phases only
 *   npm run bench -- --out file.json    results elsewhere than bench/results.json
 *
 * Phases, each in its own process: handler CPU with AWS answered in memory;
 * cold start of each bundled function; end to end on the local stack;
 * resources per event with their price; and the issue list at scale.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import type { CpuOptions } from './cpu.ts';
import type { E2eOptions } from './e2e.ts';
import type { PortalOptions } from './portal.ts';
import type { ListOptions } from './list.ts';
import type { NoLossOptions } from './noloss.ts';
import type { PhaseName } from './phase.ts';
import { PRICES_AS_OF } from './prices.ts';
import { machine, render, RESULTS_VERSION, targets, type BenchResults } from './report.ts';
import type { ResourceOptions } from './resources.ts';
import { payloadSizes } from './workloads.ts';

export const DEFAULT_RESULTS_FILE = join(REPO_ROOT, 'bench', 'results.json');

interface PhaseOptions {
  cpu: CpuOptions;
  coldstart: { runs: number };
  e2e: E2eOptions;
  resources: ResourceOptions;
  portal: PortalOptions;
  list: ListOptions;
  load: NoLossOptions;
}

/** Full run: enough events for stable medians and a p99 from hundreds of samples, within minutes on two cores. */
const FULL: PhaseOptions = {
  cpu: { events: 2000, warmup: 500, bugs: 500 },
  coldstart: { runs: 7 },
  e2e: { events: 3000, concurrency: 32, bugs: 200, timeLimitMs: 60_000, drainLimitMs: 120_000 },
  resources: { events: 1000, bugs: 50 },
  portal: { issues: 10_000, runs: 10 },
  list: { issues: 10_000, runs: 10 },
  // No loss under load: 100,000 events by default (BENCH_LOAD_N); speed is only reported.
  load: { events: Number(process.env['BENCH_LOAD_N'] ?? 100_000), concurrency: 32, bugs: 40, sendLimitMs: 60 * 60_000, drainLimitMs: 60 * 60_000 },
};

/** Smoke run: every code path once, no meaningful figures. */
const SMOKE: PhaseOptions = {
  cpu: { events: 20, warmup: 5, bugs: 5 },
  coldstart: { runs: 1 },
  e2e: { events: 24, concurrency: 8, bugs: 4, timeLimitMs: 10_000, drainLimitMs: 20_000 },
  resources: { events: 12, bugs: 4 },
  portal: { issues: 60, runs: 1 },
  list: { issues: 60, runs: 1 },
  load: { events: 60, concurrency: 8, bugs: 4, sendLimitMs: 30_000, drainLimitMs: 60_000 },
};

const PHASES: readonly PhaseName[] = ['cpu', 'coldstart', 'e2e', 'resources', 'portal', 'list', 'load'];

function parseArgs(argv: string[]) {
  const args = { smoke: process.env['BENCH_SMOKE'] === '1', out: process.env['BENCH_OUT'] ?? DEFAULT_RESULTS_FILE, only: [...PHASES] as PhaseName[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--smoke') args.smoke = true;
    else if (a === '--out') args.out = resolve(argv[++i] ?? '');
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter((p): p is PhaseName => (PHASES as string[]).includes(p));
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

function runPhase(name: PhaseName, options: unknown, dir: string): Promise<unknown> {
  const out = join(dir, `${name}.json`);
  return new Promise((resolvePhase, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'phase.ts'), name, JSON.stringify(options), out], {
      cwd: REPO_ROOT,
      // The handlers print a JSON line per alert on stdout; errors still show.
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`phase ${name} exited with ${code}`));
      try {
        resolvePhase(JSON.parse(readFileSync(out, 'utf8')));
      } catch (error) {
        reject(error);
      }
    });
  });
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const options = args.smoke ? SMOKE : FULL;
  const startedAt = new Date().toISOString();
  const dir = mkdtempSync(join(tmpdir(), 'ferret-bench-'));
  const partial: Omit<BenchResults, 'targets' | 'finishedAt'> = {
    version: RESULTS_VERSION,
    smoke: args.smoke,
    startedAt,
    machine: machine(),
    pricesAsOf: PRICES_AS_OF,
    workloads: payloadSizes(),
    errors: {},
  };
  const keys = { cpu: 'cpu', coldstart: 'coldStart', e2e: 'e2e', resources: 'resources', portal: 'portal', list: 'list', load: 'load' } as const;
  try {
    // Sequential: the machine's cores are the instrument.
    for (const phase of args.only) {
      const t0 = Date.now();
      process.stderr.write(`bench: ${phase}…`);
      try {
        (partial as Record<string, unknown>)[keys[phase]] = await runPhase(phase, options[phase], dir);
        process.stderr.write(` ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      } catch (error) {
        process.stderr.write(' failed\n');
        partial.errors[phase] = error instanceof Error ? error.message : String(error);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const withTime = { ...partial, finishedAt: new Date().toISOString() };
  const results: BenchResults = { ...withTime, targets: targets(withTime) };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(render(results));
  console.log(`\nresults: ${args.out}`);
  return Object.keys(results.errors).length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = await main(process.argv.slice(2));
}
