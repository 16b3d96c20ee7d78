/**
 * Release health from sentry-python 1.9.10: an application-mode `session`
 * update and request-mode sessions the SDK aggregates into a `sessions` item,
 * counted per release on the local stack and served with Sentry's health data.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiGet } from '../helpers/api.ts';
import { pythonHas, requireRuntime, SYSTEM_PYTHON } from '../helpers/runtime.ts';
import { waitFor } from '../helpers/wait.ts';
import { run, useLocalStack } from './sdk/harness.ts';

const SCRIPT = join(import.meta.dirname, 'sdk', 'python_sessions.py');
const present = requireRuntime('python3-sentry-sdk', pythonHas('sentry_sdk'), 'apt-get install python3-sentry-sdk');

describe.runIf(present)('sentry-python 1.9.10 release health', () => {
  const local = useLocalStack('sdk-python-sessions');

  beforeAll(async () => {
    await run(SYSTEM_PYTHON, [SCRIPT], { env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
  }, 30_000);

  it('counts the application session and the aggregated request sessions of the release', async () => {
    const release = await waitFor(async () => {
      const res = await apiGet<any[]>(local.stack, '/projects/ferret/default/releases/');
      const r = res.body.find((x) => x.version === 'py-health@1.0');
      return r && r.projects[0].healthData.totalSessions === 6 ? r : undefined;
    }, 'six sessions of py-health@1.0');
    // 1 application session with a handled error; 5 request sessions, 2 of them errored.
    expect(release.projects[0].healthData).toMatchObject({ totalSessions: 6, sessionsErrored: 3, sessionsCrashed: 0, healthySessions: 3, crashFreeSessions: 100 });
    expect(release.environments).toEqual(['test']);
    expect(release.shortVersion).toBe('1.0');
  });

  it('filters releases by environment', async () => {
    const none = await apiGet<any[]>(local.stack, '/projects/ferret/default/releases/?environment=production');
    expect(none.body.find((x) => x.version === 'py-health@1.0')).toBeUndefined();
  });
});
