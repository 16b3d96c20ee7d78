/**
 * What each function's bundle holds, built with the settings the stack deploys
 * (cdk/bundling.ts): the ingest bundle leaves out the adapters it does not use,
 * and what is left to the runtime's SDK is only ever imported on first use.
 */
import { spawnSync } from 'node:child_process';
import { build, type Metafile } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSettings, esbuildOptions } from '#cdk/bundling.ts';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { FUNCTIONS, SDK_FROM_RUNTIME } from '#shared/infra.ts';
import { INGEST_BUNDLE_TARGET_BYTES } from '../bench/coldstart.ts';

type FunctionName = keyof typeof FUNCTIONS;
type Output = Metafile['outputs'][string];

const dir = mkdtempSync(join(tmpdir(), 'ferret-bundle-'));
const outputs = new Map<FunctionName, Output>();

beforeAll(async () => {
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const out = await build({ ...esbuildOptions(name, REPO_ROOT, join(dir, `${name}.mjs`)), metafile: true, logLevel: 'silent' });
    outputs.set(name, Object.values(out.metafile.outputs).find((o) => o.entryPoint !== undefined)!);
  }
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inputs = (name: FunctionName) => Object.keys(outputs.get(name)!.inputs);
const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];

describe('function bundles', () => {
  it('ingest bundles only the table code it uses: project and key reads, outcome counters', () => {
    const ours = inputs('ingest').filter((p) => p.startsWith('functions/lib/dynamo'));
    expect(ours.sort()).toEqual(['functions/lib/dynamo-outcomes.ts', 'functions/lib/dynamo-projects.ts', 'functions/lib/dynamo-table.ts']);
    for (const unused of ['functions/lib/event-codec.ts', 'functions/lib/event-dictionary.ts', 'shared/event/fit.ts']) expect(inputs('ingest')).not.toContain(unused);
    // The grouping function still has the whole adapter.
    expect(inputs('group')).toContain('functions/lib/dynamo.ts');
  });

  it(`keeps the ingest bundle within ${INGEST_BUNDLE_TARGET_BYTES} bytes`, () => {
    const ingest = outputs.get('ingest')!;
    const byPackage = new Map<string, number>();
    for (const [path, v] of Object.entries(ingest.inputs)) {
      const key = packageOf(path) ?? path;
      byPackage.set(key, (byPackage.get(key) ?? 0) + v.bytesInOutput);
    }
    const largest = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, n]) => `${k} ${n}`).join(', ');
    expect(ingest.bytes, `largest parts: ${largest}`).toBeLessThanOrEqual(INGEST_BUNDLE_TARGET_BYTES);
  });

  it('imports what is left to the runtime only on first use, and bundles the environment credentials link', () => {
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const external = outputs.get(name)!.imports.filter((i) => i.external && !i.path.startsWith('node:') && /^@(aws-sdk|smithy)\//.test(i.path));
      expect(external.length, name).toBeGreaterThan(0);
      for (const i of external) {
        expect(SDK_FROM_RUNTIME as readonly string[], `${name} imports ${i.path}`).toContain(i.path);
        expect(i.kind, `${name} imports ${i.path}`).toBe('dynamic-import');
      }
      // The link Lambda's credentials come from, and the chain around it, are in the bundle.
      const packages = new Set(inputs(name).map(packageOf));
      expect(packages.has('@aws-sdk/credential-provider-env'), name).toBe(true);
      expect(packages.has('@aws-sdk/credential-provider-node'), name).toBe(true);
      for (const p of SDK_FROM_RUNTIME) expect(packages.has(p), `${name} bundles ${p}`).toBe(false);
      expect(packages.has('@aws-sdk/nested-clients'), name).toBe(false);
      expect(inputs(name).filter((p) => p.includes('@smithy/core/dist-es/submodules/event-streams/')), name).toEqual([]);
    }
  });

  it('finds credentials in the environment, as on Lambda, without loading anything from the runtime', async () => {
    // The clients bundled with the stack's settings, run where no SDK package can be found.
    const probe = join(dir, 'credentials-probe.mjs');
    await build({
      stdin: {
        contents: `import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { SQSClient } from '@aws-sdk/client-sqs';
          const ids = []; for (const c of [new DynamoDBClient({ region: 'us-east-1' }), new SQSClient({ region: 'us-east-1' })]) ids.push((await c.config.credentials()).accessKeyId);
          process.stdout.write(JSON.stringify(ids));`,
        resolveDir: REPO_ROOT,
        loader: 'js',
      },
      ...bundleSettings(),
      outfile: probe,
      logLevel: 'silent',
    });
    const env = { PATH: process.env['PATH'] ?? '', HOME: dir, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const onLambda = spawnSync(process.execPath, [probe], { cwd: dir, env: { ...env, AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token' }, encoding: 'utf8' });
    expect(onLambda.stderr).toBe('');
    expect(JSON.parse(onLambda.stdout)).toEqual(['AKIDFROMENV', 'AKIDFROMENV']);
    // Without them the chain goes on to the links left to the runtime's SDK (absent here).
    const elsewhere = spawnSync(process.execPath, [probe], { cwd: dir, env, encoding: 'utf8' });
    expect(elsewhere.status).not.toBe(0);
    expect(elsewhere.stderr).toMatch(/Cannot find package '@aws-sdk\/credential-provider-/);
  }, 60_000);
});
