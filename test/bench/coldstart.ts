/**
 * Cold start per function: each handler bundled as the CDK stack ships it
 * (esbuild, minified ESM for Node 22 with a source map, the SDK clients used at
 * start bundled and `SDK_FROM_RUNTIME` left external), then imported in a fresh
 * `node --enable-source-maps` process with dummy configuration, timing the
 * import — the module init Lambda bills since August 2025. For comparison, the
 * same handler with the whole SDK left to the runtime is timed too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ENV, FUNCTIONS, KiB } from '#shared/infra.ts';
import { BUNDLE, esbuildOptions } from '#cdk/bundling.ts';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { distribution, type Distribution } from './stats.ts';

const run = promisify(execFile);

/** Targets from the brief for the ingest function: bundle size and module init. */
export const INGEST_BUNDLE_TARGET_BYTES = 250 * KiB;
export const INGEST_INIT_TARGET_MS = 100;

export interface ColdStartResult {
  name: keyof typeof FUNCTIONS;
  bundleBytes: number;
  /** The largest inputs of the bundle, by bytes of output they contribute. */
  topInputs: Array<{ path: string; bytes: number }>;
  initMs: Distribution;
  /** The AWS SDK packages the bundle imports from the runtime at start (static imports). */
  sdkPackages: string[];
  /** Loaded from the runtime on first use (dynamic imports). */
  sdkLazyPackages: string[];
  /** The same handler with every SDK package left to the runtime: bundle bytes and init. */
  runtimeSdk: { bundleBytes: number; initMs: Distribution };
}

const DUMMY_ENV: Record<string, string> = {
  [ENV.table]: 'ferret',
  [ENV.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/ferret-events',
  [ENV.deadLetterQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/ferret-events-dlq',
  [ENV.payloadBucket]: 'ferret-payloads',
  [ENV.mailFrom]: 'ferret@example.com',
  [ENV.portalUrl]: 'https://ferret.example.com',
  [ENV.dsnBaseUrl]: 'https://ingest.example.com',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'cold',
  AWS_SECRET_ACCESS_KEY: 'cold',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

// Prints the time to import the modules given as arguments, in ms.
const PROBE = `const t0 = performance.now(); for (const m of process.argv.slice(1)) await import(m); process.stdout.write(String(performance.now() - t0));`;

async function importMs(dir: string, modules: string[]): Promise<number> {
  // As the stack configures the functions (NODE_OPTIONS).
  const { stdout } = await run(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', PROBE, ...modules], { env: { PATH: process.env['PATH'] ?? '', ...DUMMY_ENV }, cwd: dir });
  return Number(stdout);
}

/** Bundled as the stack ships it (cdk/bundling.ts), with `external` as given. */
function bundle(name: keyof typeof FUNCTIONS, outfile: string, external: string[]) {
  return build({ ...esbuildOptions(name, REPO_ROOT, outfile), external, metafile: true, logLevel: 'silent' });
}

export async function runColdStart(opts: { runs: number }): Promise<ColdStartResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-cold-'));
  // The runtime provides the AWS SDK; here it resolves from the repository's node_modules.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  try {
    const results: ColdStartResult[] = [];
    for (const name of Object.keys(FUNCTIONS) as Array<keyof typeof FUNCTIONS>) {
      const outfile = join(dir, `${name}.mjs`);
      const out = await bundle(name, outfile, [...BUNDLE.external]);
      const output = Object.values(out.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
      const topInputs = Object.entries(output.inputs)
        .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 5);
      const sdk = (kind: 'import-statement' | 'dynamic-import') => [...new Set(output.imports.filter((i) => i.external && i.kind === kind && /^@(aws-sdk|smithy)\//.test(i.path)).map((i) => i.path))].sort();
      const runtimeFile = join(dir, `${name}-runtime-sdk.mjs`);
      const runtimeOut = await bundle(name, runtimeFile, ['@aws-sdk/*']);
      const runtimeOutput = Object.values(runtimeOut.metafile.outputs).find((o) => o.entryPoint !== undefined)!;
      const times: number[] = [];
      const runtimeTimes: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        times.push(await importMs(dir, [outfile]));
        runtimeTimes.push(await importMs(dir, [runtimeFile]));
      }
      results.push({
        name,
        bundleBytes: output.bytes,
        topInputs,
        initMs: distribution(times),
        sdkPackages: sdk('import-statement'),
        sdkLazyPackages: sdk('dynamic-import'),
        runtimeSdk: { bundleBytes: runtimeOutput.bytes, initMs: distribution(runtimeTimes) },
      });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
