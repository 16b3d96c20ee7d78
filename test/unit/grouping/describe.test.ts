import { describe, expect, it } from 'vitest';
import { eventCulprit, eventMetadata, eventTitle, eventType } from '#shared/grouping/index.ts';
import { sample } from './events.ts';

describe('eventTitle', () => {
  it.each([
    ['sentry-python/0002', 'ZeroDivisionError: division by zero'],
    ['sentry-node/0003', 'TypeError: cannot divide 1 by zero (3, v)'],
    ['sentry-go/0001', '*fmt.wrapError: cannot divide 1 by zero (3): zero divisor'],
    ['sentry-python/0003', 'Hello from sentry-python'],
    ['sentry-browser/0003', 'Hello from @sentry/browser'],
    ['grouping-inputs/javascript-message-parameterization', 'testing testing 1, 2, 3'],
    ['grouping-inputs/frame-empty-list', '<unlabeled event>'],
    ['grouping-inputs/javascript-exception-fallback-to-message', 'Error: Loading chunk 158 failed.'],
  ])('titles %s "%s"', (name, title) => {
    expect(eventTitle(sample(name))).toBe(title);
  });

  it('names an exception without a value by its type', () => {
    expect(eventTitle(sample('sentry-samples/invalid-interfaces'))).toBe('ValueError');
  });

  it('titles synthetic native errors by the crashing function, as their type is made up', () => {
    expect(eventTitle(sample('grouping-inputs/native-complex-function-names'))).toBe('<lambda>::operator()');
  });

  it('cuts long values to 100 characters', () => {
    const event = sample('sentry-python/0002');
    const value = event.exception?.values[0];
    if (value) value.value = 'x'.repeat(500);
    expect(eventTitle(event)).toBe(`ZeroDivisionError: ${'x'.repeat(97)}...`);
  });
});

describe('eventCulprit', () => {
  it.each([
    ['sentry-python/0002', '__main__ in divide'],
    ['sentry-node/0005', 'foo(demo-sentry-node)'],
    ['sentry-browser/0006', 'foo(http://127.0.0.1:9010/sentry-app.js)'],
    ['sentry-go/0003', 'main in main.func1.1'],
    ['sentry-samples/java', 'io.sentry.example.ApiRequest in perform'],
  ])('places %s at "%s"', (name, culprit) => {
    expect(eventCulprit(sample(name))).toBe(culprit);
  });

  it('falls back to the outermost frame when no frame is in-app', () => {
    expect(eventCulprit(sample('sentry-ruby/0001'))).toBe('ruby-demo/sentry_ruby_demo.rb in /');
  });

  it('prefers the transaction when the SDK set one', () => {
    const event = sample('sentry-python/0002');
    event.transaction = '/api/divide';
    expect(eventCulprit(event)).toBe('/api/divide');
  });

  it('is empty for messages, synthetic captureMessage events included', () => {
    expect(eventCulprit(sample('sentry-python/0003'))).toBe('');
    expect(eventCulprit(sample('sentry-node/0004'))).toBe('');
  });
});

describe('eventMetadata', () => {
  it('describes an error by type, value and crashing frame', () => {
    expect(eventMetadata(sample('sentry-python/0002'))).toEqual({
      type: 'ZeroDivisionError',
      value: 'division by zero',
      filename: 'sentry_sdk_demo.py',
      function: 'divide',
    });
  });

  it('takes Go file names from abs_path', () => {
    expect(eventMetadata(sample('sentry-go/0003'))).toMatchObject({ filename: '/srv/demo/go-demo/main.go', function: 'main.func1.1' });
  });

  it('describes a message by its title', () => {
    expect(eventMetadata(sample('sentry-node/0004'))).toEqual({ title: 'Hello from @sentry/node' });
  });
});

describe('eventType', () => {
  it('calls events with a real exception errors and the rest default', () => {
    expect(eventType(sample('sentry-python/0002'))).toBe('error');
    expect(eventType(sample('sentry-go/0001'))).toBe('error');
    expect(eventType(sample('sentry-python/0003'))).toBe('default');
    expect(eventType(sample('sentry-node/0004'))).toBe('default');
    expect(eventType(sample('grouping-inputs/block_invoke'))).toBe('default');
  });
});
