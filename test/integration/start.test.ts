/**
 * `npm start` as a user runs it: a separate process that prints the DSN, the
 * portal URL and the sign-in token, writes them to local.json, and keeps every
 * project, issue and event across a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { apiGet, apiSend } from '../helpers/api.ts';
import { waitFor } from '../helpers/wait.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ferret-start-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` on the test's data directory, as its own process. */
function launch(): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cdk', 'local', 'main.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, FERRET_DATA_DIR: dataDir, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out };
}

async function start(): Promise<{ child: ChildProcess; output: () => string }> {
  const started = launch();
  await waitFor(() => started.output().includes('Sign-in'), 'the start-up banner', 30_000);
  return started;
}

async function stop(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

describe('npm start', () => {
  it('prints and saves the DSN, portal URL and token, and keeps data across a restart', async () => {
    const first = await start();
    const local = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
    expect(first.output()).toContain(local.dsn);
    expect(first.output()).toContain(local.token);
    expect(local.dsn).toMatch(/^http:\/\/[0-9a-f]{32}@127\.0\.0\.1:\d+\/\d+$/);

    // A minimal /store/ event, as a legacy client would post it.
    const dsn = new URL(local.dsn);
    const res = await fetch(`${dsn.protocol}//${dsn.host}/api${dsn.pathname}/store/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${dsn.username}, sentry_client=test/1.0` },
      body: JSON.stringify({ event_id: 'a'.repeat(32), message: 'restart survivor', level: 'warning', platform: 'other' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'a'.repeat(32) });
    const api = { url: local.portalUrl, token: local.token };
    await waitFor(async () => (await apiGet<any[]>(api, '/projects/ferret/default/issues/')).body.find((i) => i.title === 'restart survivor'), 'the issue');
    await stop(first.child);

    const second = await start();
    const again = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
    expect(again.dsn.split('@')[0]).toBe(local.dsn.split('@')[0]);
    const issues = await apiGet<any[]>({ url: again.portalUrl, token: again.token }, '/projects/ferret/default/issues/');
    const survivor = issues.body.find((i) => i.title === 'restart survivor');
    expect(survivor).toMatchObject({ count: '1', level: 'warning' });
    const event = await apiGet({ url: again.portalUrl, token: again.token }, `/organizations/ferret/issues/${survivor.id}/events/latest/`);
    expect(event.body.eventID).toBe('a'.repeat(32));
    await stop(second.child);
  });

  it('starts with a new DSN key after every key was revoked in the portal', async () => {
    const first = await start();
    const local = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
    const api = { url: local.portalUrl, token: local.token };
    for (const key of (await apiGet<any[]>(api, '/projects/ferret/default/keys/')).body) {
      expect((await apiSend(api, 'DELETE', `/projects/ferret/default/keys/${key.id}/`)).status).toBe(204);
    }
    expect((await apiGet<any[]>(api, '/projects/ferret/default/keys/')).body).toEqual([]);
    await stop(first.child);

    const second = await start();
    const again = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
    expect(again.dsn).not.toBe(local.dsn);
    expect(second.output()).toContain(again.dsn);
    const dsn = new URL(again.dsn);
    const res = await fetch(`${dsn.protocol}//${dsn.host}/api${dsn.pathname}/store/?sentry_key=${dsn.username}&sentry_version=7`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'through the new key', platform: 'other' }),
    });
    expect(res.status).toBe(200);

    // Renamed in the portal, the default project stays the default across a restart: no second one appears.
    const api2 = { url: again.portalUrl, token: again.token };
    expect((await apiSend(api2, 'PUT', '/projects/ferret/default/', { slug: 'main-app', name: 'Main app' })).status).toBe(200);
    await stop(second.child);
    const third = await start();
    const last = JSON.parse(readFileSync(join(dataDir, 'local.json'), 'utf8'));
    expect(last.dsn.split('@')[0]).toBe(again.dsn.split('@')[0]);
    expect(last.project).toBe('main-app');
    const slugs = (await apiGet<any[]>({ url: last.portalUrl, token: last.token }, '/organizations/ferret/projects/')).body.map((p) => p.slug);
    expect(slugs).toEqual(['main-app']);
    await stop(third.child);
  });

  it('stops cleanly when one Ctrl-C arrives twice (the terminal and the TypeScript runner both deliver it)', async () => {
    const first = await start();
    const exited = new Promise<number | null>((r) => first.child.once('exit', (code) => r(code)));
    first.child.kill('SIGINT');
    setTimeout(() => first.child.kill('SIGINT'), 20);
    // Quitting on the repeat would exit with 1 before the queues were kept and the lock released.
    expect(await exited).toBe(0);
    const again = await start();
    expect(again.output()).toContain('Sign-in');
    await stop(again.child);
  });

  it('refuses a second start on the same data directory with a clear message, and starts once the first stopped', async () => {
    const first = await start();
    const second = launch();
    // 'close', not 'exit': the output is complete only once its pipes closed.
    const code = await new Promise((r) => second.child.once('close', r));
    expect(code).toBe(1);
    expect(second.output()).toContain(`Another Ferret (pid ${first.child.pid}) is running on ${dataDir}`);
    expect(second.output()).not.toContain('Database is closed');
    await stop(first.child);

    const third = await start();
    expect(third.output()).toContain('Ferret is running');
    await stop(third.child);
  });
});
