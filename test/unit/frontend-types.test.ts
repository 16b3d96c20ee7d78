/**
 * The portal is type-checked like the rest of the code: svelte-check over
 * frontend/ (Svelte components and their TypeScript), which `tsc` at the root
 * does not see. A type error in a page fails the suite, not a user's browser.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#cdk/local/stack.ts';

describe('the portal type-checks', () => {
  it('svelte-check finds no errors and no warnings in frontend/', () => {
    const bin = join(dirname(createRequire(import.meta.url).resolve('svelte-check/package.json')), 'bin', 'svelte-check');
    const frontend = join(REPO_ROOT, 'frontend');
    // frontend/tsconfig.json extends the file `svelte-kit sync` writes; a fresh checkout has none yet.
    if (!existsSync(join(frontend, '.svelte-kit', 'tsconfig.json'))) {
      const kit = join(dirname(createRequire(import.meta.url).resolve('@sveltejs/kit/package.json')), 'svelte-kit.js');
      const { VITEST: _, ...env } = process.env;
      expect(spawnSync(process.execPath, [kit, 'sync'], { cwd: frontend, env, stdio: 'ignore' }).status).toBe(0);
    }
    const run = spawnSync(process.execPath, [bin, '--tsconfig', join(frontend, 'tsconfig.json'), '--workspace', frontend, '--output', 'machine', '--fail-on-warnings'], {
      cwd: frontend,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const completed = run.stdout.split('\n').find((l) => l.includes('COMPLETED')) ?? '';
    const problems = run.stdout.split('\n').filter((l) => / (ERROR|WARNING) /.test(l));
    expect(problems, run.stderr).toEqual([]);
    expect(completed).toMatch(/COMPLETED \d+ FILES 0 ERRORS 0 WARNINGS/);
    expect(run.status).toBe(0);
  }, 150_000);
});
