import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/**
 * Whether a runtime needed by a compatibility test is on this machine. On a
 * developer's machine a missing runtime skips the test with a message; under
 * CI (CI=true) it fails, because CI installs everything the tests need.
 */
export function requireRuntime(name: string, present: boolean, install: string): boolean {
  if (present) return true;
  const message = `${name} is not installed (${install}); its compatibility tests are skipped`;
  if (process.env['CI'] === 'true') throw new Error(`${message} — CI must install it`);
  console.warn(message);
  return false;
}

/** Debian's Python packages import only under the system interpreter. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export function pythonHas(module: string): boolean {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  return spawnSync(SYSTEM_PYTHON, ['-c', `import ${module}`]).status === 0;
}

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}
