/**
 * Cold start per function: each handler bundled as the CDK stack ships it
 * (esbuild, minified ESM for Node 22, the AWS SDK left to the runtime), then
 * imported in a fresh `node` process with dummy configuration, timing the
 * import — the module init Lambda bills since August 2025.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { ENV, FUNCTIONS, KiB } from '#shared/infra.ts';
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
  /** The AWS SDK packages the bundle imports (provided by the runtime), and their import time alone. */
  sdkPackages: string[];
  sdkInitMs: Distribution;
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
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', PROBE, ...modules], { env: { PATH: process.env['PATH'] ?? '', ...DUMMY_ENV }, cwd: dir });
  return Number(stdout);
}

export async function runColdStart(opts: { runs: number }): Promise<ColdStartResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'ferret-cold-'));
  // The runtime provides the AWS SDK; here it resolves from the repository's node_modules.
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  try {
    const results: ColdStartResult[] = [];
    for (const name of Object.keys(FUNCTIONS) as Array<keyof typeof FUNCTIONS>) {
      const outfile = join(dir, `${name}.mjs`);
      const out = await build({
        entryPoints: [join(REPO_ROOT, FUNCTIONS[name].entry)],
        absWorkingDir: REPO_ROOT,
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        external: ['@aws-sdk/*'],
        outfile,
        metafile: true,
        logLevel: 'silent',
        // Bundled CommonJS dependencies may call require(); ESM output has none without this.
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
      });
      const output = Object.values(out.metafile.outputs)[0]!;
      const topInputs = Object.entries(output.inputs)
        .map(([path, v]) => ({ path, bytes: v.bytesInOutput }))
        .sort((a, b) => b.bytes - a.bytes)
        .slice(0, 5);
      const sdkPackages = [...new Set(output.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path))].sort();
      const times: number[] = [];
      const sdkTimes: number[] = [];
      for (let i = 0; i < opts.runs; i++) {
        times.push(await importMs(dir, [outfile]));
        sdkTimes.push(await importMs(dir, sdkPackages));
      }
      results.push({ name, bundleBytes: output.bytes, topInputs, initMs: distribution(times), sdkPackages, sdkInitMs: distribution(sdkTimes) });
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
