/**
 * Release health from sentry-ruby 5.3.0 (Debian `ruby-sentry-ruby`): tracked
 * requests the SDK aggregates into one `sessions` item, counted per release
 * on the local stack and served with Sentry's health data.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { apiGet } from '../helpers/api.ts';
import { commandExists, requireRuntime } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait.ts';
import { run, useLocalStack } from './sdk/harness.ts';

const SCRIPT = join(import.meta.dirname, 'sdk', 'ruby_sessions.rb');
const present = requireRuntime(
  'ruby-sentry-ruby',
  commandExists('ruby') && spawnSync('ruby', ['-e', 'require "sentry-ruby"']).status === 0,
  'apt-get install ruby ruby-sentry-ruby',
);

describe.runIf(present)('sentry-ruby 5.3.0 release health', () => {
  const local = useLocalStack('sdk-ruby-sessions');

  it('counts the sessions the SDK aggregates for tracked requests, one of them errored', async () => {
    await run('ruby', [SCRIPT], { cwd: REPO_ROOT, env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
    const release = await waitFor(async () => {
      const res = await apiGet<any[]>(local.stack, '/projects/ferret/default/releases/');
      return res.body.find((x) => x.version === 'ruby-health@2.0');
    }, 'the release ruby-health@2.0');
    expect(release.environments).toEqual(['qa']);
    expect(release.projects[0].healthData).toMatchObject({ totalSessions: 4, sessionsErrored: 1, sessionsCrashed: 0, healthySessions: 3, crashFreeSessions: 100 });
  });
});
