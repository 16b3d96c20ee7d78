/**
 * sentry-go 0.11.0 (Debian `golang-github-getsentry-sentry-go-dev`) against the
 * local stack: uncompressed JSON to /store/ with X-Sentry-Auth, `exception` as
 * a bare array, frames with `abs_path` but no `filename`, and a wrapped error
 * as a two-exception chain. One program does every capture: Go builds are slow.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandExists, requireRuntime } from '../helpers/runtime.ts';
import { contextLine, entry, exceptions, issueAndEvent, lineOf, run, sourceWindow, tag, useLocalStack } from './sdk/harness.ts';

/** Where Debian installs Go sources for GOPATH builds. */
const DEBIAN_GOPATH = '/usr/share/gocode';
const SOURCE = join(import.meta.dirname, 'sdk', 'go_app.go');

const present =
  requireRuntime('golang-go', commandExists('go'), 'apt-get install golang-go') &&
  requireRuntime('golang-github-getsentry-sentry-go-dev', existsSync(join(DEBIAN_GOPATH, 'src/github.com/getsentry/sentry-go')), 'apt-get install golang-github-getsentry-sentry-go-dev');

describe.runIf(present)('sentry-go 0.11.0', () => {
  const local = useLocalStack('sdk-go');
  let buildDir = '';

  beforeAll(async () => {
    buildDir = mkdtempSync(join(tmpdir(), 'ferret-sdk-go-'));
    const binary = join(buildDir, 'go-app');
    // GOPATH mode: no module download, only what Debian installed.
    const env = { ...process.env, GOPATH: DEBIAN_GOPATH, GO111MODULE: 'off', GOFLAGS: '', GOCACHE: join(buildDir, 'cache'), GOTOOLCHAIN: 'local' };
    await run('go', ['build', '-o', binary, SOURCE], { env, cwd: buildDir });
    await run(binary, [], { env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
  }, 60_000);

  afterAll(() => {
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  });

  it('stores CaptureException(errors.New(…)) with the calling functions as frames and their context lines', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'order quantity must be positive');
    expect(issue).toMatchObject({ title: '*errors.errorString: order quantity must be positive', level: 'error', type: 'error' });
    expect(issue.culprit).toBe('main in reportFailure');
    const [exception, ...rest] = exceptions(event);
    expect(rest).toEqual([]);
    expect(exception).toMatchObject({ type: '*errors.errorString', value: 'order quantity must be positive' });
    const frames = exception.stacktrace.frames;
    expect(frames.map((f: any) => f.function)).toEqual(['main', 'runNightlyJobs', 'reportFailure']);
    for (const f of frames) expect(f).toMatchObject({ module: 'main', absPath: SOURCE, inApp: true });
    const [main, jobs, report] = frames;
    expect(contextLine(report)).toBe('\t\tsentry.CaptureException(err)');
    expect(contextLine(jobs)).toBe('\treportFailure(validateOrder(0))');
    expect(contextLine(main)).toBe('\trunNightlyJobs()');
    // sentry-go sends five lines of pre- and post-context.
    expect(report.lineNo).toBe(lineOf(SOURCE, 'sentry.CaptureException(err)'));
    expect(report.context).toEqual(sourceWindow(SOURCE, report.lineNo, 5, 5));
    expect(report.vars).toBeNull();
  });

  it('stores a %w-wrapped error as a two-exception chain, the wrapped cause first', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'settle account 42');
    expect(issue.title).toBe('*fmt.wrapError: settle account 42: record 42 not found in ledger');
    const chain = exceptions(event);
    expect(chain.map((e) => [e.type, e.value])).toEqual([
      ['*errors.errorString', 'record 42 not found in ledger'],
      ['*fmt.wrapError', 'settle account 42: record 42 not found in ledger'],
    ]);
    // sentry-go attaches the current stack to the outermost error only.
    expect(chain[0].stacktrace).toBeNull();
    const frames = chain[1].stacktrace.frames;
    expect(frames.map((f: any) => f.function)).toEqual(['main', 'runNightlyJobs', 'reportFailure']);
    expect(contextLine(frames[1])).toBe('\treportFailure(settleAccount(42))');
  });

  it('stores a pkg/errors error with the stack recorded where it was made, down to the failing function', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'config file settings.toml is empty');
    expect(issue.title).toBe('*errors.fundamental: config file settings.toml is empty');
    expect(issue.culprit).toBe('main in readConfig');
    const [exception, ...rest] = exceptions(event);
    expect(rest).toEqual([]);
    const frames = exception.stacktrace.frames;
    expect(frames.map((f: any) => f.function)).toEqual(['main', 'runNightlyJobs', 'loadSettings', 'readConfig']);
    const readConfig = frames.at(-1);
    expect(readConfig).toMatchObject({ module: 'main', absPath: SOURCE, lineNo: lineOf(SOURCE, 'return pkgerrors.New('), inApp: true });
    expect(contextLine(readConfig)).toBe('\treturn pkgerrors.New("config file " + name + " is empty")');
    expect(contextLine(frames[2])).toBe('\treturn readConfig("settings.toml")');
  });

  it('stores CaptureMessage as a message event, and scope data on every event', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'go says the ledger is balanced');
    expect(issue).toMatchObject({ title: 'go says the ledger is balanced', level: 'info', type: 'default' });
    expect(entry(event, 'exception')).toBeUndefined();
    expect(entry(event, 'message').formatted).toBe('go says the ledger is balanced');
    for (const fragment of ['go says the ledger', 'order quantity', 'settle account', 'settings.toml']) {
      const stored = (await issueAndEvent(local.stack, fragment)).event;
      expect(stored).toMatchObject({ platform: 'go', release: { version: 'go-app@1.2.3' }, environment: 'production', user: { id: 'go-user-9' } });
      expect(stored.sdk).toMatchObject({ name: 'sentry.go', version: '0.11.0' });
      expect(tag(stored, 'service')).toBe('ledger');
    }
  });
});
