import { describe, expect, it } from 'vitest';
import { computeGrouping, eventTitle } from '#shared/grouping/index.ts';
import type { ExceptionValue, Frame, NormalizedEvent } from '#shared/model.ts';
import { allSamples, captureSamples, sample } from './events.ts';

const hash = (event: NormalizedEvent): string => computeGrouping(event).hash;

function exceptions(event: NormalizedEvent): ExceptionValue[] {
  const values = event.exception?.values;
  if (!values) throw new Error('event has no exception');
  return values;
}

function framesOf(event: NormalizedEvent): Frame[] {
  const stacks = [
    ...(event.exception?.values ?? []).map((e) => e?.stacktrace),
    ...(event.threads?.values ?? []).map((t) => t?.stacktrace),
    event.stacktrace as { frames?: Frame[] } | undefined,
  ];
  return stacks.flatMap((s) => (Array.isArray(s?.frames) ? s.frames : []));
}

/** The crashing frame of the last exception (frames are oldest first). */
function crashingFrame(event: NormalizedEvent): Frame {
  const frames = exceptions(event).at(-1)?.stacktrace?.frames;
  const frame = frames?.at(-1);
  if (!frame) throw new Error('no crashing frame');
  return frame;
}

/** The same code, redeployed: lines moved, columns changed, new release, new ids and local variables. */
function redeployed(event: NormalizedEvent): NormalizedEvent {
  const copy = structuredClone(event);
  for (const frame of framesOf(copy)) {
    if (typeof frame.lineno === 'number') frame.lineno += 17;
    if (typeof frame.colno === 'number') frame.colno += 3;
    if (frame.vars) frame.vars = { other: 'value' };
    if (frame.pre_context) frame.pre_context = ['// a comment added above'];
    if (frame.instruction_addr) frame.instruction_addr = '0x1000';
  }
  copy.event_id = 'ffffffffffffffffffffffffffffffff';
  copy.timestamp += 86_400;
  copy.release = 'demo@2.0';
  return copy;
}

/** The same failure seen by another user on another server. */
function fromAnotherUser(event: NormalizedEvent): NormalizedEvent {
  return {
    ...structuredClone(event),
    user: { id: 'u-2', email: 'bob@example.org', ip_address: '10.1.2.3' },
    server_name: 'web-7',
    tags: [['browser', 'Firefox 130']],
    request: { url: 'https://example.org/other?page=2', method: 'POST' },
    breadcrumbs: { values: [{ message: 'clicked', category: 'ui' }] },
    extra: { attempt: 3 },
  };
}

const errorCaptures = captureSamples().filter((s) => s.event.exception?.values.some((e) => e.type !== undefined));

describe('grouping v1 over real SDK events', () => {
  it.each(allSamples().map((s) => [s.name, s.event] as const))('gives %s a hash, a title and a description', (_name, event) => {
    const grouping = computeGrouping(event);
    expect(grouping.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(grouping.mechanism).toBe('v1');
    expect(grouping.groupedBy.length).toBeGreaterThan(0);
    expect(eventTitle(event).length).toBeGreaterThan(0);
  });

  it('uses the error fixtures it relies on', () => {
    expect(errorCaptures.map((s) => s.name)).toEqual(
      expect.arrayContaining(['sentry-python/0001', 'sentry-node/0003', 'sentry-browser/0002', 'sentry-go/0003', 'sentry-ruby/0001', 'raven-node/0002']),
    );
  });

  it.each(errorCaptures.map((s) => [s.name, s.event] as const))('keeps %s in its issue after a deploy that moved lines', (_name, event) => {
    expect(hash(redeployed(event))).toBe(hash(event));
  });

  it.each(errorCaptures.map((s) => [s.name, s.event] as const))('keeps %s in its issue when another user hits it', (_name, event) => {
    expect(hash(fromAnotherUser(event))).toBe(hash(event));
  });

  it('keeps Sentry sample errors (Java, PHP, Elixir, native, Android) stable across deploys', () => {
    for (const name of ['sentry-samples/java', 'sentry-samples/php', 'sentry-samples/elixir', 'sentry-samples/native', 'sentry-samples/android', 'grouping-inputs/aspnetcore']) {
      const event = sample(name);
      expect(hash(redeployed(event)), name).toBe(hash(event));
    }
  });

  it('separates the two different bugs each SDK reported', () => {
    const pairs: Array<[string, string]> = [
      ['sentry-python/0001', 'sentry-python/0002'],
      ['sentry-node/0003', 'sentry-node/0005'],
      ['sentry-browser/0002', 'sentry-browser/0006'],
      ['sentry-ruby/0001', 'sentry-ruby/0003'],
      ['raven-node/0002', 'raven-node/0003'],
      ['sentry-go/0001', 'sentry-go/0003'],
    ];
    for (const [a, b] of pairs) expect(hash(sample(a)), `${a} vs ${b}`).not.toBe(hash(sample(b)));
  });

  it('separates the same exception thrown from another call site', () => {
    const event = sample('sentry-python/0002');
    const other = structuredClone(event);
    crashingFrame(other).context_line = '    return a // b';
    expect(hash(other)).not.toBe(hash(event));
  });

  it('separates the same exception thrown by another function', () => {
    const event = sample('sentry-go/0003');
    const other = structuredClone(event);
    crashingFrame(other).function = 'bar';
    expect(hash(other)).not.toBe(hash(event));
  });

  it('separates different exception types at the same place', () => {
    const event = sample('sentry-node/0003');
    const other = structuredClone(event);
    const last = exceptions(other).at(-1);
    if (last) last.type = 'RangeError';
    expect(hash(other)).not.toBe(hash(event));
  });

  it('ignores the exception value when a stack trace identifies the error', () => {
    const event = sample('sentry-node/0003');
    const other = structuredClone(event);
    const last = exceptions(other).at(-1);
    if (last) last.value = 'cannot divide 7 by zero (12, w)';
    expect(hash(other)).toBe(hash(event));
    expect(computeGrouping(event).groupedBy).toBe('stack trace — 2 in-app frames');
  });

  it('groups by in-app frames only: a library frame added on top changes nothing', () => {
    const event = sample('sentry-python/0002');
    const other = structuredClone(event);
    exceptions(other)[0]?.stacktrace?.frames.push({ module: 'decimal', function: '__truediv__', filename: 'decimal.py', context_line: 'x = y', in_app: false });
    expect(hash(other)).toBe(hash(event));
  });

  it('uses every frame when none is in-app', () => {
    const event = sample('sentry-ruby/0001');
    const other = structuredClone(event);
    exceptions(other)[0]?.stacktrace?.frames.unshift({ filename: 'bin/rails', function: 'boot', in_app: false });
    expect(hash(other)).not.toBe(hash(event));
    expect(computeGrouping(event).groupedBy).toBe('stack trace — 3 frames');
  });

  it('ignores the host of served JavaScript files, so a move to another domain keeps issues', () => {
    const event = sample('sentry-browser/0006');
    const other = structuredClone(event);
    for (const frame of framesOf(other)) frame.filename = frame.filename?.replace('http://127.0.0.1:9010', 'https://cdn.example.com/v2');
    expect(hash(other)).toBe(hash(event));
  });

  it('reads JS function names after the last dot, as browsers disagree on the receiver', () => {
    const event = sample('sentry-browser/0002');
    const other = structuredClone(event);
    crashingFrame(other).function = 'Object.divide';
    expect(hash(other)).toBe(hash(event));
  });

  it('ignores context lines longer than 120 characters (minified code)', () => {
    const event = sample('sentry-node/0005');
    const a = structuredClone(event);
    const b = structuredClone(event);
    crashingFrame(a).context_line = `var a=${'x'.repeat(200)};`;
    crashingFrame(b).context_line = `var b=${'y'.repeat(300)};`;
    expect(hash(a)).toBe(hash(b));
    expect(hash(a)).not.toBe(hash(event));
  });

  it('ignores bundler content hashes in JS file names', () => {
    const event = sample('sentry-browser/0002');
    const a = structuredClone(event);
    const b = structuredClone(event);
    for (const frame of framesOf(a)) frame.filename = '/static/js/main.3f9a2b1c.js';
    for (const frame of framesOf(b)) frame.filename = '/static/js/main.77e0d4a9.js';
    expect(hash(a)).toBe(hash(b));
    for (const frame of framesOf(b)) frame.filename = '/static/js/vendor.77e0d4a9.js';
    expect(hash(a)).not.toBe(hash(b));
  });

  it('ignores the generated ids in Java lambda and proxy class names', () => {
    const event = sample('sentry-samples/android');
    const other = structuredClone(event);
    let renamed = 0;
    for (const frame of framesOf(other)) {
      if (frame.module?.includes('$$Lambda$')) {
        frame.module = frame.module.replace(/\$\$Lambda\$.*/, '$$$$Lambda$$MainActivity$$77');
        renamed++;
      }
    }
    expect(renamed).toBeGreaterThan(0);
    expect(hash(other)).toBe(hash(event));
  });

  it('collapses whitespace in context lines (Ruby keeps the trailing newline)', () => {
    const event = sample('sentry-ruby/0001');
    const other = structuredClone(event);
    for (const frame of framesOf(other)) if (frame.context_line) frame.context_line = `\t${frame.context_line.trim()}   `;
    expect(hash(other)).toBe(hash(event));
  });

  it('separates a chained error from its cause alone', () => {
    const event = sample('sentry-go/0001');
    const causeOnly = structuredClone(event);
    exceptions(causeOnly).shift();
    expect(exceptions(event)).toHaveLength(2);
    expect(hash(causeOnly)).not.toBe(hash(event));
  });
});

describe('grouping by exception type and value', () => {
  it('falls back to type and parameterized value when there is no stack trace', () => {
    const event = sample('grouping-inputs/javascript-exception-fallback-to-message');
    const other = structuredClone(event);
    const last = exceptions(other).at(-1);
    if (last) last.value = 'Loading chunk 311 failed.\n(timeout: https://cdn.example.com/static/0123456789abcdef/app.js)';
    expect(computeGrouping(event).groupedBy).toBe('exception type and value');
    expect(hash(other)).toBe(hash(event));
  });

  it('falls back to type and value when no frame names a module, file or function', () => {
    const event = sample('sentry-node/0003');
    for (const frame of framesOf(event)) {
      delete frame.module;
      delete frame.filename;
      delete frame.function;
    }
    const other = structuredClone(event);
    const last = exceptions(other).at(-1);
    if (last) last.value = 'something else entirely';
    expect(computeGrouping(event).groupedBy).toBe('exception type and value');
    expect(hash(other)).not.toBe(hash(event));
  });

  it('does not parameterize exception types', () => {
    const a = sample('grouping-inputs/database_error');
    const b = structuredClone(a);
    const last = exceptions(b).at(-1);
    if (last) last.type = 'InFailedSqlTransaction2';
    expect(hash(a)).not.toBe(hash(b));
  });
});

describe('grouping by message', () => {
  function messageEvent(message: string): NormalizedEvent {
    const event = sample('sentry-python/0003');
    event.message = message;
    return event;
  }

  it('groups messages that differ only in ids, numbers, emails, uuids and addresses', () => {
    const variants = [
      ['user 123 not found', 'user 456 not found'],
      ['mail to alice@example.com bounced', 'mail to bob.smith+x@example.org bounced'],
      ['order 0b6f1c1e-3f0c-4c6e-9a7d-2f1e8f5b9c11 failed', 'order 9d2e4a77-1b2c-4d3e-8f90-a1b2c3d4e5f6 failed'],
      ['timeout from 10.0.0.12', 'timeout from 192.168.1.200'],
      ['timeout from 2001:db8::1', 'timeout from fe80::1ff:fe23:4567:890a'],
      ['job ran at 2024-05-01T10:00:00Z', 'job ran at 2025-12-31T23:59:59.123+01:00'],
      ['commit d670460b4b4aece5915caf5c68d12f560a9fe3e4 missing', 'commit 3f786850e387550fdab836ed7e6dc881de23001b missing'],
      ['GET https://api.example.com/users/1 failed', 'GET https://api.example.com/users/2?x=1 failed'],
      ['pointer 0x7fff5fbff8c8 freed', 'pointer 0x10918cd81 freed'],
    ];
    for (const [a = '', b = ''] of variants) expect(hash(messageEvent(a)), `${a} / ${b}`).toBe(hash(messageEvent(b)));
  });

  it('separates messages with different words', () => {
    expect(hash(messageEvent('user 123 not found'))).not.toBe(hash(messageEvent('user 123 deleted')));
  });

  it('hashes only the first two non-empty lines of a message', () => {
    expect(hash(messageEvent('a failed\n\nat line one\ndetail 1'))).toBe(hash(messageEvent('a failed\nat line one\nanother detail')));
  });

  it('groups the log template, not the formatted text, when the SDK sent both', () => {
    const a = sample('sentry-python/0003');
    const b = structuredClone(a);
    a.logentry = { message: 'payment %s declined', formatted: 'payment visa declined' };
    b.logentry = { message: 'payment %s declined', formatted: 'payment amex declined' };
    expect(hash(a)).toBe(hash(b));
    expect(computeGrouping(a).groupedBy).toBe('message');
  });
});

describe('synthetic captureMessage exceptions (@sentry/node, @sentry/browser 11)', () => {
  it('groups them as messages, apart from real exceptions with the same text', () => {
    const message = sample('sentry-node/0004');
    const real = structuredClone(message);
    const value = exceptions(real)[0];
    if (value) {
      value.type = 'Error';
      value.mechanism = { type: 'generic', handled: true };
    }
    expect(computeGrouping(message).groupedBy).toBe('message');
    expect(computeGrouping(real).groupedBy).toMatch(/^stack trace/);
    expect(hash(real)).not.toBe(hash(message));
  });

  it('groups a captureMessage with a plain message event of the same text', () => {
    const synthetic = sample('sentry-browser/0003');
    const plain = sample('sentry-python/0003');
    plain.message = 'Hello from @sentry/browser';
    expect(hash(synthetic)).toBe(hash(plain));
  });

  it('titles them by the message', () => {
    expect(eventTitle(sample('sentry-node/0004'))).toBe('Hello from @sentry/node');
  });

  it('ignores where captureMessage was called from, as messages do', () => {
    const event = sample('sentry-node/0006');
    const moved = structuredClone(event);
    for (const frame of framesOf(moved)) frame.context_line = 'Sentry.captureMessage(text);';
    expect(hash(moved)).toBe(hash(event));
  });
});

describe('custom fingerprints', () => {
  it('groups by the fingerprint alone, whatever the stack trace', () => {
    const event = sample('grouping-inputs/custom-fingerprint');
    const other = structuredClone(event);
    crashingFrame(other).function = 'elsewhere';
    expect(computeGrouping(event).groupedBy).toBe('custom fingerprint');
    expect(hash(other)).toBe(hash(event));
    other.fingerprint = ['celery', 'SoftTimeLimitExceeded', 'sentry.tasks.store.save_event'];
    expect(hash(other)).not.toBe(hash(event));
  });

  it('treats a fingerprint of only {{ default }} as no fingerprint', () => {
    const event = sample('grouping-inputs/javascript-xbrowser-chrome');
    const bare = structuredClone(event);
    delete bare.fingerprint;
    expect(hash(event)).toBe(hash(bare));
    bare.fingerprint = ['{{default}}'];
    expect(hash(event)).toBe(hash(bare));
  });

  it('combines {{ default }} with literals: both must match', () => {
    const event = sample('grouping-inputs/hybrid-fingerprint-base');
    const otherLiteral = structuredClone(event);
    otherLiteral.fingerprint = ['{{ default }}', 'cats are fine'];
    const otherError = structuredClone(event);
    const last = exceptions(otherError).at(-1);
    if (last) last.type = 'OtherError';
    expect(computeGrouping(event).groupedBy).toBe('custom fingerprint + exception type and value');
    expect(hash(otherLiteral)).not.toBe(hash(event));
    expect(hash(otherError)).not.toBe(hash(event));
    const withoutFingerprint = structuredClone(event);
    delete withoutFingerprint.fingerprint;
    expect(hash(withoutFingerprint)).not.toBe(hash(event));
  });

  it('parameterizes {{ message }}, so messages with other numbers share the issue', () => {
    const event = sample('grouping-inputs/custom-fingerprint-message-parameterization');
    const other = structuredClone(event);
    const last = exceptions(other).at(-1);
    if (last) last.value = "FailedToFetchError: Charlie didn't bring 7 balls back!";
    expect(hash(other)).toBe(hash(event));
    expect(computeGrouping(event).components).toContain("fingerprint:FailedToFetchError: Charlie didn't bring <int> balls back!");
  });

  it('resolves {{ type }}, {{ value }}, {{ function }} and {{ transaction }}, spaces optional', () => {
    const event = sample('sentry-python/0002');
    event.transaction = '/api/divide';
    event.fingerprint = ['{{type}}', '{{ value }}', '{{  function }}', '{{ transaction}}'];
    expect(computeGrouping(event).components).toEqual([
      'fingerprint:ZeroDivisionError',
      'fingerprint:division by zero',
      'fingerprint:divide',
      'fingerprint:/api/divide',
    ]);
  });

  it('separates events whose fingerprint variables resolve differently', () => {
    const a = sample('sentry-python/0002');
    a.fingerprint = ['{{ type }}'];
    const b = sample('sentry-node/0003');
    b.fingerprint = ['{{ type }}'];
    const c = sample('sentry-python/0001');
    c.fingerprint = ['{{ type }}'];
    expect(hash(a)).not.toBe(hash(b));
    expect(hash(a)).toBe(hash(c));
  });

  it('ignores an empty fingerprint (sentry-ruby sends [])', () => {
    const event = sample('sentry-ruby/0001');
    expect(event.fingerprint).toEqual([]);
    const bare = structuredClone(event);
    delete bare.fingerprint;
    expect(hash(event)).toBe(hash(bare));
  });
});

describe('threads-only events', () => {
  function nativeCrash(crashedFunction: string): NormalizedEvent {
    const event = sample('grouping-inputs/block_invoke');
    event.platform = 'native';
    delete event.message;
    event.threads = {
      values: [
        { id: 1, crashed: false, stacktrace: { frames: [{ function: 'idle_loop', instruction_addr: '0x1', in_app: true }] } },
        {
          id: 2,
          crashed: true,
          stacktrace: {
            frames: [
              { function: 'main', package: '/usr/bin/app', instruction_addr: '0x10', in_app: true },
              { function: crashedFunction, package: '/usr/bin/app', instruction_addr: '0x20', in_app: true },
            ],
          },
        },
      ],
    };
    return event;
  }

  it('groups by the crashed thread', () => {
    const event = nativeCrash('render_frame(int, char const*)');
    expect(computeGrouping(event).groupedBy).toBe('stack trace of the crashed thread — 2 in-app frames');
    expect(hash(event)).not.toBe(hash(nativeCrash('load_texture(int)')));
  });

  it('ignores the other threads and instruction addresses', () => {
    const event = nativeCrash('render_frame(int, char const*)');
    const other = structuredClone(event);
    const idle = other.threads?.values[0]?.stacktrace?.frames[0];
    if (idle) idle.function = 'poll_events';
    expect(hash(redeployed(other))).toBe(hash(event));
  });

  it('ignores C++ argument lists, which differ between demanglers', () => {
    expect(hash(nativeCrash('render_frame(int, char const*)'))).toBe(hash(nativeCrash('render_frame(int,char const *)')));
  });

  it('groups a single thread that is not marked crashed (Cocoa message with a stack)', () => {
    const event = sample('grouping-inputs/block_invoke');
    expect(computeGrouping(event).groupedBy).toMatch(/^stack trace of the crashed thread/);
    const other = structuredClone(event);
    const frame = other.threads?.values[0]?.stacktrace?.frames[0];
    if (frame) frame.function = '__46+[OtherHandler setup]_block_invoke_2';
    expect(hash(other)).not.toBe(hash(event));
  });
});

describe('recursion', () => {
  it('counts a frame repeated consecutively once', () => {
    const event = sample('grouping-inputs/stacktrace-collapse-recursion');
    const frames = (event.stacktrace as { frames: Frame[] }).frames;
    const deeper = structuredClone(event);
    const deeperFrames = (deeper.stacktrace as { frames: Frame[] }).frames;
    const recursive = deeperFrames[2];
    if (recursive) deeperFrames.splice(2, 0, ...Array.from({ length: 50 }, () => structuredClone(recursive)));
    expect(frames.length).toBe(7);
    expect(computeGrouping(event).groupedBy).toBe('stack trace — 4 frames');
    expect(hash(deeper)).toBe(hash(event));
  });

  it('still separates a recursion from a single call when other frames differ', () => {
    const event = sample('grouping-inputs/stacktrace-collapse-recursion');
    const other = structuredClone(event);
    (other.stacktrace as { frames: Frame[] }).frames.splice(2, 4);
    expect(hash(other)).not.toBe(hash(event));
  });
});

describe('grouping without anything to group by', () => {
  it('describes an event with no stack trace, exception or message', () => {
    const grouping = computeGrouping(sample('grouping-inputs/frame-empty-list'));
    expect(grouping.components).toEqual([]);
    expect(grouping.groupedBy).toMatch(/^nothing/);
  });
});
