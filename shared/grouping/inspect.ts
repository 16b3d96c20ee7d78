/**
 * Read-only views of the parts of an event that grouping, titles and culprits
 * look at. Events come from SDKs: even after normalization a field may be
 * null or of the wrong type, so every accessor checks what it reads and none
 * of them throws.
 */
import type { Frame, NormalizedEvent } from '../model.ts';

/** An exception as grouping sees it. */
export interface ExceptionView {
  type: string | undefined;
  value: string | undefined;
  module: string | undefined;
  /** `mechanism.synthetic`: the SDK made the exception up (captureMessage, minidumps). */
  synthetic: boolean;
  /** Oldest call first, crashing frame last (Sentry's order). */
  frames: Frame[];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function framesOf(stacktrace: unknown): Frame[] {
  if (!isRecord(stacktrace) || !Array.isArray(stacktrace.frames)) return [];
  return stacktrace.frames.filter(isRecord) as Frame[];
}

function valuesOf(container: unknown): unknown[] {
  if (Array.isArray(container)) return container;
  if (isRecord(container) && Array.isArray(container.values)) return container.values;
  return [];
}

/** Every exception of the event, innermost (cause) first as SDKs send them. */
export function exceptionsOf(event: NormalizedEvent): ExceptionView[] {
  const views: ExceptionView[] = [];
  for (const raw of valuesOf(event.exception)) {
    if (!isRecord(raw)) continue;
    const mechanism = raw.mechanism;
    views.push({
      type: text(raw.type),
      value: typeof raw.value === 'string' ? raw.value : raw.value == null ? undefined : JSON.stringify(raw.value),
      module: text(raw.module),
      synthetic: isRecord(mechanism) && mechanism.synthetic === true,
      frames: framesOf(raw.stacktrace),
    });
  }
  return views;
}

/**
 * True when the only exceptions are synthetic ones without a type: what
 * @sentry/node and @sentry/browser 11 attach to `captureMessage` events. Such
 * events are messages, not errors.
 */
export function isSyntheticMessage(exceptions: readonly ExceptionView[]): boolean {
  return exceptions.length > 0 && exceptions.every((e) => e.synthetic && e.type === undefined);
}

/** The exceptions that make the event an error: none for message events. */
export function errorExceptions(event: NormalizedEvent): ExceptionView[] {
  const exceptions = exceptionsOf(event);
  return isSyntheticMessage(exceptions) ? [] : exceptions;
}

/** The exception the event is about: Sentry takes the last one of `values`. */
export function mainException(exceptions: readonly ExceptionView[]): ExceptionView | undefined {
  return exceptions[exceptions.length - 1];
}

/** Frames of the event's own `stacktrace` (no exception, e.g. a log message with a stack). */
export function topLevelFrames(event: NormalizedEvent): Frame[] {
  return framesOf(event.stacktrace);
}

/** Frames of the crashed thread, or of the only thread that has a stack trace. */
export function threadFrames(event: NormalizedEvent): Frame[] {
  const threads = valuesOf(event.threads).filter(isRecord);
  const crashed = threads.find((t) => t.crashed === true && framesOf(t.stacktrace).length > 0);
  if (crashed) return framesOf(crashed.stacktrace);
  const withFrames = threads.filter((t) => framesOf(t.stacktrace).length > 0);
  const only = withFrames.length === 1 ? withFrames[0] : undefined;
  return only ? framesOf(only.stacktrace) : [];
}

/**
 * The message text grouping hashes: the log template before formatting when
 * the SDK sent one (so "%s failed" groups every value), else the formatted
 * text, else `message`.
 */
export function groupingMessage(event: NormalizedEvent): string | undefined {
  const logentry = isRecord(event.logentry) ? event.logentry : undefined;
  return text(logentry?.message) ?? text(logentry?.formatted) ?? text(event.message) ?? syntheticValue(event);
}

/** The message text shown to people: formatted first. */
export function displayMessage(event: NormalizedEvent): string | undefined {
  const logentry = isRecord(event.logentry) ? event.logentry : undefined;
  return text(logentry?.formatted) ?? text(logentry?.message) ?? text(event.message) ?? syntheticValue(event);
}

function syntheticValue(event: NormalizedEvent): string | undefined {
  const exceptions = exceptionsOf(event);
  if (!isSyntheticMessage(exceptions)) return undefined;
  return text(mainException(exceptions)?.value);
}

export function isInApp(frame: Frame): boolean {
  return frame.in_app === true;
}

const UNKNOWN_FUNCTIONS = new Set(['<redacted>', '<unknown>', '?']);

/**
 * The crashing frame: the last in-app frame with a known function, else the
 * last frame with one (Sentry's `get_crash_frame_from_event_data`).
 */
export function crashFrame(frames: readonly Frame[]): Frame | undefined {
  let fallback: Frame | undefined;
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    if (!frame) continue;
    const fn = text(frame.function);
    if (fn === undefined || UNKNOWN_FUNCTIONS.has(fn)) continue;
    if (isInApp(frame)) return frame;
    fallback ??= frame;
  }
  return fallback;
}

/** The frames of the last exception that has any (Sentry reads the crash location there). */
export function crashingStack(exceptions: readonly ExceptionView[]): Frame[] {
  for (let i = exceptions.length - 1; i >= 0; i--) {
    const frames = exceptions[i]?.frames;
    if (frames && frames.length > 0) return frames;
  }
  return [];
}
