/**
 * How every function is bundled: the one set of esbuild settings the stack
 * (`NodejsFunction` bundling, which runs the esbuild CLI) and the cold-start
 * bench (`test/bench/coldstart.ts`, the esbuild API) both apply, so the bench
 * measures the bundle that is deployed. No CDK types here: the bench loads it.
 */
import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import { FUNCTIONS, SDK_FROM_RUNTIME } from '#shared/infra.ts';

/**
 * Run ESM bundles on Node: some dependencies still call `require` for Node
 * built-ins, which an ESM module does not have.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __ferretCreateRequire } from 'node:module'; const require = __ferretCreateRequire(import.meta.url);";

export const BUNDLE = {
  platform: 'node',
  format: 'esm',
  /** The nodejs22.x runtime the stack deploys. */
  target: 'node22',
  /** Dependencies that ship ESM and CommonJS are bundled from their ESM build, which esbuild can tree-shake. */
  mainFields: ['module', 'main'],
  minify: true,
  /** Stack traces in the logs point at the TypeScript sources (`--enable-source-maps`). */
  sourcemap: true,
  /** Left to the runtime's SDK: see SDK_FROM_RUNTIME. */
  external: SDK_FROM_RUNTIME,
  banner: ESM_REQUIRE_BANNER,
} as const;

/** `BUNDLE` as esbuild API options (bundling, minus the source map). */
export function bundleSettings(): BuildOptions {
  return {
    bundle: true,
    platform: BUNDLE.platform,
    format: BUNDLE.format,
    target: BUNDLE.target,
    mainFields: [...BUNDLE.mainFields],
    minify: BUNDLE.minify,
    external: [...BUNDLE.external],
    banner: { js: BUNDLE.banner },
  };
}

/** esbuild API options for one function, with the settings the stack deploys. */
export function esbuildOptions(name: keyof typeof FUNCTIONS, repoRoot: string, outfile: string): BuildOptions {
  return {
    ...bundleSettings(),
    entryPoints: [join(repoRoot, FUNCTIONS[name].entry)],
    absWorkingDir: repoRoot,
    sourcemap: BUNDLE.sourcemap,
    tsconfig: join(repoRoot, 'tsconfig.json'),
    outfile,
  };
}
