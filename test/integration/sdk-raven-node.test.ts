/**
 * The legacy raven-node 2.6.4 client against the local stack: /store/ with
 * X-Sentry-Auth v5 and a base64(zlib(json)) body without Content-Encoding,
 * `exception` as a bare array, no `sdk`, naive timestamps.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contextLine, entry, exceptions, frameNamed, issueAndEvent, lineOf, run, sourceWindow, tag, useLocalStack } from './sdk/harness.ts';

// raven sends zone-less UTC timestamps; a server whose local zone is not UTC must still read them as UTC.
process.env['TZ'] = 'Asia/Kolkata';

const SCRIPT = join(import.meta.dirname, 'sdk', 'raven-app.cjs');

describe('raven-node 2.6.4', () => {
  const local = useLocalStack('sdk-raven');
  let ranFrom = 0;
  let ranUntil = 0;

  beforeAll(async () => {
    ranFrom = Date.now();
    await run(process.execPath, [SCRIPT], { env: { ...process.env, SENTRY_DSN: local.stack.dsn } });
    ranUntil = Date.now();
  }, 30_000);

  it('stores captureException of a thrown TypeError with in-app frames and their context lines', async () => {
    const { issue, event } = await issueAndEvent(local.stack, "reading 'lines'");
    expect(issue).toMatchObject({ title: "TypeError: Cannot read properties of undefined (reading 'lines')", level: 'error', type: 'error' });
    expect(issue.culprit).toBe('raven-app.cjs at loadInvoice');
    const [exception] = exceptions(event);
    expect(exception).toMatchObject({ type: 'TypeError', value: "Cannot read properties of undefined (reading 'lines')" });
    const frames = exception.stacktrace.frames;
    const top = frames.at(-1);
    expect(top).toMatchObject({ function: 'loadInvoice', filename: SCRIPT, lineNo: lineOf(SCRIPT, 'return record.lines[invoiceId]'), inApp: true });
    expect(top.colNo).toBeGreaterThan(0);
    // raven sends seven lines of pre- and post-context.
    expect(top.context).toEqual(sourceWindow(SCRIPT, top.lineNo, 7, 7));
    expect(contextLine(frameNamed(frames, 'main'))).toBe('    loadInvoice(17);');
    // Node's own frames arrive too, marked as not in-app and without source.
    expect(frames.some((f: any) => String(f.filename).startsWith('node:internal') && !f.inApp)).toBe(true);
  });

  it('keeps release, environment, user and both the configured and the per-call tags', async () => {
    const { event } = await issueAndEvent(local.stack, "reading 'lines'");
    expect(event.platform).toBe('node');
    expect(event.release).toEqual({ version: 'raven-app@0.9.1' });
    expect(event.environment).toBe('legacy');
    expect(event.user).toMatchObject({ id: 'raven-user-3', username: 'grace' });
    expect(tag(event, 'area')).toBe('billing');
    expect(tag(event, 'runtime')).toBe('raven');
  });

  it("reads raven's zone-less timestamps as UTC on a server in another time zone", async () => {
    expect(new Date(Date.UTC(2026, 0, 1)).getHours()).toBe(5); // the zone really is UTC+05:30 here
    for (const fragment of ["reading 'lines'", 'raven says the nightly export']) {
      const { event } = await issueAndEvent(local.stack, fragment);
      const created = Date.parse(event.dateCreated);
      // raven truncates to whole seconds.
      expect(created).toBeGreaterThanOrEqual(Math.floor(ranFrom / 1000) * 1000);
      expect(created).toBeLessThanOrEqual(ranUntil);
    }
  });

  it('stores captureMessage as a message event with its level, separate from the exception', async () => {
    const { issue, event } = await issueAndEvent(local.stack, 'raven says the nightly export finished late');
    expect(issue).toMatchObject({ title: 'raven says the nightly export finished late', level: 'warning', type: 'default' });
    expect(event.type).toBe('default');
    expect(entry(event, 'exception')).toBeUndefined();
    expect(entry(event, 'message').formatted).toBe('raven says the nightly export finished late');
    // raven records its own earlier report as a breadcrumb.
    expect(entry(event, 'breadcrumbs').values).toContainEqual(expect.objectContaining({ category: 'sentry', level: 'error' }));
    const exceptionIssue = await issueAndEvent(local.stack, "reading 'lines'");
    expect(exceptionIssue.issue.id).not.toBe(issue.id);
  });
});
