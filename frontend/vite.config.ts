import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginOption } from 'vite';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const testing = process.env.VITEST !== undefined;

async function plugins(): Promise<PluginOption[]> {
  if (testing) {
    // tsconfig.json extends the file `svelte-kit sync` writes; a fresh checkout has none yet.
    if (!existsSync(join(root, '.svelte-kit', 'tsconfig.json'))) {
      const { VITEST: _, ...env } = process.env;
      const kit = dirname(createRequire(import.meta.url).resolve('@sveltejs/kit/package.json'));
      execFileSync(process.execPath, [join(kit, 'svelte-kit.js'), 'sync'], {
        cwd: root,
        stdio: 'ignore',
        // sync loads this file again: without VITEST it takes the SvelteKit branch.
        env,
      });
    }
    // Component tests need only the Svelte compiler, not the SvelteKit app.
    const { svelte } = await import('@sveltejs/vite-plugin-svelte');
    return [svelte()];
  }
  // SvelteKit reads its cwd once, when its Vite plugin module loads, and forces
  // Vite's root to it: enter this folder first so `vite build --config
  // frontend/vite.config.ts` works from the repository root.
  if (process.cwd() !== root.replace(/\/$/, '')) process.chdir(root);
  const { sveltekit } = await import('@sveltejs/kit/vite');
  return [sveltekit()];
}

export default defineConfig({
  // For the build SvelteKit sets the root to its cwd, which is this folder
  // (see above); naming it again would only earn a warning.
  ...(testing ? { root } : {}),
  plugins: await plugins(),
  // The adapter's file copy dominates the build and is expected; the timing report is noise.
  build: { rolldownOptions: { checks: { bundlerTimings: false } } },
  resolve: testing
    ? {
        conditions: ['browser'],
        alias: { $lib: join(root, 'src/lib'), $shared: join(root, '../shared'), '$app/state': join(root, 'src/test-stubs/app-state.ts') },
      }
    : {},
  test: {
    name: 'frontend',
    root,
    include: ['src/**/*.test.ts'],
    environment: 'jsdom',
    setupFiles: ['src/test-setup.ts'],
  },
});
