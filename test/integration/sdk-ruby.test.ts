/**
 * sentry-ruby 5.3.0 (Debian `ruby-sentry-ruby`) against the local stack: an
 * envelope with header auth, `Content-Encoding: ""`, a `dsn` in the envelope
 * header, `message: ""` and `threads[].stacktrace: null` on exceptions, and
 * context lines that keep their trailing newline.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#cdk/local/stack.ts';
import { commandExists, requireRuntime } from '../helpers/runtime.ts';
import { contextLine, entry, exceptions, issueAndEvent, lineOf, run, sourceWindow, tag, useLocalStack } from './sdk/harness.ts';

const SDK_DIR = join(import.meta.dirname, 'sdk');
const RELATIVE = 'test/integration/sdk/ruby_app.rb';
const SCRIPT = join(SDK_DIR, 'ruby_app.rb');
const present = requireRuntime(
  'ruby-sentry-ruby',
  commandExists('ruby') && spawnSync('ruby', ['-e', 'require "sentry-ruby"']).status === 0,
  'apt-get install ruby ruby-sentry-ruby',
);

/** The source line of a frame, without the newline sentry-ruby leaves on it. */
const sourceLine = (frame: any) => contextLine(frame)?.replace(/\n$/, '');
const withoutNewlines = (context: Array<[number, string]>) => context.map(([n, line]) => [n, line.replace(/\n$/, '')]);

describe.runIf(present)('sentry-ruby 5.3.0', () => {
  const local = useLocalStack('sdk-ruby');

  beforeAll(async () => {
    // sentry-ruby names frames relative to the working directory (its project root) and marks
    // them in-app by the app folders in that path (bin, app, lib, test…): run it from the repository.
    await run('ruby', [SCRIPT], { cwd: REPO_ROOT, env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
  }, 30_000);

  it('stores capture_exception of an error raised in a method with every frame and its context lines', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'InventoryError');
    expect(issue).toMatchObject({ title: 'InventoryError: only 2 of SKU-981 on hand, 5 asked', level: 'error', type: 'error' });
    expect(issue.culprit).toBe(`${RELATIVE} in reserve`);
    const [exception, ...rest] = exceptions(event);
    expect(rest).toEqual([]);
    expect(exception).toMatchObject({ type: 'InventoryError', value: 'only 2 of SKU-981 on hand, 5 asked' });
    const frames = exception.stacktrace.frames;
    expect(frames.map((f: any) => [f.function, f.lineNo])).toEqual([
      ['<main>', 32],
      ['restock_shelf', 25],
      ['reserve', 18],
    ]);
    for (const f of frames) expect(f).toMatchObject({ filename: RELATIVE, inApp: true });
    const reserve = frames.at(-1);
    expect(reserve.absPath).toBe(SCRIPT);
    expect(sourceLine(reserve)).toBe('    raise InventoryError, "only #{on_hand} of #{sku} on hand, #{quantity} asked" if quantity > on_hand');
    // sentry-ruby sends three lines of pre- and post-context.
    expect(reserve.lineNo).toBe(lineOf(SCRIPT, 'raise InventoryError'));
    expect(withoutNewlines(reserve.context)).toEqual(sourceWindow(SCRIPT, reserve.lineNo, 3, 3));
    expect(sourceLine(frames[1])).toBe('  Warehouse.new.reserve("SKU-981", 5)');
    // The crashed thread is reported beside the exception, without a stack of its own.
    expect(entry(event, 'threads').values).toEqual([expect.objectContaining({ crashed: true, stacktrace: null })]);
  });

  it('stores capture_message as a message event carrying the calling thread’s stack', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'ruby says the shelves are stocked');
    // sentry-ruby reports messages at level error unless told otherwise.
    expect(issue).toMatchObject({ title: 'ruby says the shelves are stocked', type: 'default', level: 'error' });
    expect(event.type).toBe('default');
    expect(entry(event, 'exception')).toBeUndefined();
    expect(entry(event, 'message').formatted).toBe('ruby says the shelves are stocked');
    const [thread] = entry(event, 'threads').values;
    const [main, ...sdkFrames] = thread.stacktrace.frames;
    expect(main).toMatchObject({ function: '<main>', filename: RELATIVE, lineNo: 37, inApp: true });
    expect(sourceLine(main)).toBe('Sentry.capture_message("ruby says the shelves are stocked")');
    expect(sdkFrames.length).toBeGreaterThan(0);
    for (const f of sdkFrames) expect(f.inApp).toBe(false);
  });

  it('stores an error raised inside a rescue with its cause first, each with its own frames', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'catalog sync aborted');
    expect(issue.title).toBe('SyncError: catalog sync aborted');
    expect(issue.culprit).toBe(`${RELATIVE} in rescue in sync_catalog`);
    const [cause, error, ...rest] = exceptions(event);
    expect(rest).toEqual([]);
    expect(cause).toMatchObject({ type: 'ArgumentError', value: 'invalid value for Integer(): "twelve"' });
    expect(error).toMatchObject({ type: 'SyncError', value: 'catalog sync aborted' });
    expect(cause.stacktrace.frames.map((f: any) => f.function)).toEqual(['<main>', 'sync_catalog', 'Integer']);
    expect(sourceLine(cause.stacktrace.frames[1])).toBe('  Integer("twelve")');
    const raisedAt = error.stacktrace.frames.at(-1);
    expect(raisedAt.function).toBe('rescue in sync_catalog');
    expect(sourceLine(raisedAt)).toBe('  raise SyncError, "catalog sync aborted"');
  });

  it('keeps release, environment, user and tags on every event', async () => {
    for (const fragment of ['InventoryError', 'ruby says the shelves', 'catalog sync aborted']) {
      const { event } = await issueAndEvent(local.stack, fragment);
      expect(event).toMatchObject({ platform: 'ruby', release: { version: 'ruby-app@5.0.1' }, environment: 'qa', user: { id: 'ruby-user-5', username: 'linus' } });
      expect(event.sdk).toMatchObject({ name: 'sentry.ruby', version: '5.3.0' });
      expect(tag(event, 'store')).toBe('berlin');
    }
  });
});
