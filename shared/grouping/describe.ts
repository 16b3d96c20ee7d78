/**
 * How an issue is labelled: Sentry's event type, title, culprit and metadata
 * (src/sentry/eventtypes/, src/sentry/culprit.py). Independent of the grouping
 * mechanism: changing these never splits an issue.
 */
import type { Frame, NormalizedEvent } from '../model.ts';
import { frameFunction } from './frames.ts';
import {
  crashFrame,
  crashingStack,
  displayMessage,
  errorExceptions,
  isInApp,
  isRecord,
  mainException,
  text,
  topLevelFrames,
} from './inspect.ts';

/** Sentry's `truncatechars` default for titles. */
export const TITLE_MAX_CHARS = 100;
/** Sentry's `MAX_CULPRIT_LENGTH`. */
export const CULPRIT_MAX_CHARS = 200;
/** Sentry trims an exception's type to 128 and its value to 1024 characters in metadata. */
export const METADATA_TYPE_MAX_CHARS = 128;
export const METADATA_VALUE_MAX_CHARS = 1024;

/** Sentry's `truncatechars`: at most `max` characters, ending in "..." when cut. */
function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 3)}...` : value;
}

function firstLine(value: string): string {
  const trimmed = value.trim();
  const end = trimmed.search(/\r?\n/);
  return end === -1 ? trimmed : trimmed.slice(0, end);
}

/** `error` when the event carries a real exception, `default` otherwise (messages, bare stack traces). */
export function eventType(event: NormalizedEvent): 'error' | 'default' {
  return errorExceptions(event).length > 0 ? 'error' : 'default';
}

/**
 * The issue title: "ZeroDivisionError: division by zero" for errors, the
 * first line of the message otherwise, "<unlabeled event>" when there is none.
 */
export function eventTitle(event: NormalizedEvent): string {
  const main = mainException(errorExceptions(event));
  if (main) {
    if (main.synthetic) {
      // Sentry titles synthetic errors (minidumps) by the crashing function: their type is made up.
      const frame = crashFrame(crashingStack(errorExceptions(event)));
      const fn = frame && frameFunction(frame, text(frame.platform) ?? text(event.platform) ?? 'other');
      if (fn) return truncate(fn, TITLE_MAX_CHARS);
    }
    const type = truncate(main.type ?? 'Error', METADATA_TYPE_MAX_CHARS);
    const value = text(main.value) && firstLine(main.value ?? '');
    return value ? `${type}: ${truncate(value, TITLE_MAX_CHARS)}` : type;
  }
  const message = displayMessage(event);
  const line = message && firstLine(message);
  return line ? truncate(line, TITLE_MAX_CHARS) : '<unlabeled event>';
}

/** Sentry's frame culprit: `module in function`, `function(module)` for JS, the function for native. */
function frameCulprit(frame: Frame, eventPlatform: string): string {
  const platform = text(frame.platform) ?? eventPlatform;
  const fn = text(frame.function) ?? '?';
  if (platform === 'objc' || platform === 'cocoa' || platform === 'native') return fn;
  const location = text(frame.module) ?? text(frame.filename) ?? text(frame.abs_path);
  if (location === undefined) return '';
  return platform === 'javascript' || platform === 'node' ? `${fn}(${location})` : `${location} in ${fn}`;
}

function stackCulprit(frames: readonly Frame[], platform: string): string {
  let fallback: string | undefined;
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    if (!frame) continue;
    const culprit = frameCulprit(frame, platform);
    if (isInApp(frame) && culprit) return culprit;
    fallback ??= culprit;
  }
  return fallback ?? '';
}

/**
 * Where an error happened: the transaction when the SDK set one, else the
 * in-app crashing frame ("app.views in index", JS "handler(app/views)"),
 * else the request URL. Empty for messages and synthetic errors.
 */
export function eventCulprit(event: NormalizedEvent): string {
  const exceptions = errorExceptions(event);
  const main = mainException(exceptions);
  if (!main || main.synthetic) return '';
  const transaction = text(event.transaction);
  if (transaction) return truncate(transaction, CULPRIT_MAX_CHARS);
  const culprit =
    stackCulprit(crashingStack(exceptions), text(event.platform) ?? 'other') ||
    (isRecord(event.request) ? text(event.request.url) : undefined) ||
    '';
  return truncate(culprit, CULPRIT_MAX_CHARS);
}

/**
 * Sentry's issue metadata: `{type, value, filename, function}` for errors
 * (filename and function of the crashing frame, when known), `{title}` otherwise.
 */
export function eventMetadata(event: NormalizedEvent): Record<string, string> {
  const exceptions = errorExceptions(event);
  const main = mainException(exceptions);
  if (!main) return { title: eventTitle(event) };
  const metadata: Record<string, string> = {
    type: truncate(main.type ?? 'Error', METADATA_TYPE_MAX_CHARS),
    value: truncate((main.value ?? '').trim(), METADATA_VALUE_MAX_CHARS),
  };
  const stack = crashingStack(exceptions);
  const frame = crashFrame(stack.length > 0 ? stack : topLevelFrames(event));
  if (frame) {
    const filename = text(frame.filename) ?? text(frame.abs_path);
    if (filename) metadata.filename = filename;
    const fn = frameFunction(frame, text(frame.platform) ?? text(event.platform) ?? 'other') ?? text(frame.function);
    if (fn) metadata.function = fn;
  }
  return metadata;
}
