/**
 * Grouping algorithm v1. Follows Sentry's order: the SDK's custom
 * fingerprint (with `{{ default }}` hybrids and variables), then the stack
 * trace, then the exception type and value, then the message.
 *
 * Once events are stored under a v1 hash, this file must not change what it
 * hashes: a different algorithm is a new file and a new mechanism, run side by
 * side, so existing issues are not split.
 */
import { createHash } from 'node:crypto';
import type { Frame, NormalizedEvent } from '../model.ts';
import { frameComponent, frameFunction, frameModule } from './frames.ts';
import {
  crashFrame,
  crashingStack,
  errorExceptions,
  groupingMessage,
  isInApp,
  isRecord,
  mainException,
  text,
  threadFrames,
  topLevelFrames,
  type ExceptionView,
} from './inspect.ts';
import { normalizeMessageForGrouping } from './parameterize.ts';

export const MECHANISM_V1 = 'v1';

/** What a strategy produced: the hashed components and a human summary. */
export interface GroupingParts {
  groupedBy: string;
  components: string[];
}

/** The result of grouping one event with v1. */
export interface GroupingV1 extends GroupingParts {
  hash: string;
  mechanism: typeof MECHANISM_V1;
}

/** `{{ default }}`, `{{message}}`, `{{ tags.server }}`: a fingerprint variable, spaces optional. */
const VARIABLE_RE = /^\{\{\s*([\w.-]+)\s*\}\}$/;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Frame components with recursion collapsed: the same frame repeated consecutively counts once. */
function stackComponents(frames: readonly Frame[], platform: string, inAppOnly: boolean): string[] {
  const out: string[] = [];
  for (const frame of frames) {
    if (inAppOnly && !isInApp(frame)) continue;
    const component = frameComponent(frame, platform);
    if (component !== undefined && component !== out[out.length - 1]) out.push(component);
  }
  return out;
}

function typeComponent(exception: ExceptionView): string[] {
  // A synthetic exception's type is made up by the SDK (e.g. a minidump's logger name).
  return exception.type !== undefined && !exception.synthetic ? [`type:${exception.type}`] : [];
}

function valueComponent(exception: ExceptionView): string[] {
  const value = text(exception.value);
  return value !== undefined && !exception.synthetic ? [`value:${normalizeMessageForGrouping(value)}`] : [];
}

function exceptionParts(exceptions: readonly ExceptionView[], platform: string): GroupingParts {
  const inAppOnly = exceptions.some((e) => e.frames.some(isInApp));
  const stacks = exceptions.map((e) => stackComponents(e.frames, platform, inAppOnly));
  const frameCount = stacks.reduce((n, s) => n + s.length, 0);
  if (frameCount > 0) {
    const components = exceptions.flatMap((exception, i) => {
      const stack = stacks[i] ?? [];
      // An exception of the chain without usable frames is identified by its value, as in Sentry.
      return [...typeComponent(exception), ...(stack.length > 0 ? stack : valueComponent(exception))];
    });
    return { groupedBy: `stack trace — ${plural(frameCount, inAppOnly ? 'in-app frame' : 'frame')}`, components };
  }
  const components = exceptions.flatMap((e) => [...typeComponent(e), ...valueComponent(e)]);
  if (components.length > 0) return { groupedBy: 'exception type and value', components };
  // Synthetic exceptions without frames (minidumps of stripped binaries): only their value remains.
  const values = exceptions.flatMap((e) => (text(e.value) ? [`value:${normalizeMessageForGrouping(e.value ?? '')}`] : []));
  return { groupedBy: 'exception value', components: values };
}

function framesParts(frames: readonly Frame[], platform: string, source: string): GroupingParts | undefined {
  const inAppOnly = frames.some(isInApp);
  const components = stackComponents(frames, platform, inAppOnly);
  if (components.length === 0) return undefined;
  return { groupedBy: `${source} — ${plural(components.length, inAppOnly ? 'in-app frame' : 'frame')}`, components };
}

/** Grouping without a custom fingerprint. */
export function defaultParts(event: NormalizedEvent): GroupingParts {
  const platform = text(event.platform) ?? 'other';
  const exceptions = errorExceptions(event);
  if (exceptions.length > 0) {
    const parts = exceptionParts(exceptions, platform);
    if (parts.components.length > 0) return parts;
  }
  const fromStack =
    framesParts(topLevelFrames(event), platform, 'stack trace') ??
    framesParts(threadFrames(event), platform, 'stack trace of the crashed thread');
  if (fromStack) return fromStack;
  const message = groupingMessage(event);
  if (message !== undefined) return { groupedBy: 'message', components: [`message:${normalizeMessageForGrouping(message)}`] };
  return { groupedBy: 'nothing (no stack trace, exception or message)', components: [] };
}

function resolveVariable(name: string, event: NormalizedEvent): string {
  const exceptions = errorExceptions(event);
  const main = mainException(exceptions);
  const platform = text(event.platform) ?? 'other';
  const frame = (): Frame | undefined => {
    const stack = crashingStack(exceptions);
    return crashFrame(stack.length > 0 ? stack : topLevelFrames(event));
  };
  switch (name) {
    case 'message': {
      const message = groupingMessage(event) ?? text(main?.value);
      return message !== undefined ? normalizeMessageForGrouping(message) : '<no-message>';
    }
    case 'type':
    case 'error.type':
      return main?.type ?? '<no-type>';
    case 'value':
    case 'error.value': {
      const value = text(main?.value);
      return value !== undefined ? normalizeMessageForGrouping(value) : '<no-value>';
    }
    case 'function':
    case 'stack.function': {
      const f = frame();
      return (f && frameFunction(f, text(f.platform) ?? platform)) ?? '<no-function>';
    }
    case 'module':
    case 'stack.module': {
      const f = frame();
      return (f && frameModule(f, text(f.platform) ?? platform)) ?? '<no-module>';
    }
    case 'transaction':
      return text(event.transaction) ?? '<no-transaction>';
    case 'level':
      return text(event.level) ?? '<no-level>';
    case 'logger':
      return text(event.logger) ?? '<no-logger>';
    default: {
      if (name.startsWith('tags.')) {
        const key = name.slice('tags.'.length);
        const tags = Array.isArray(event.tags) ? event.tags : [];
        const pair = tags.find((t) => Array.isArray(t) && t[0] === key);
        return (pair && text(pair[1])) ?? `<no-value-for-tag-${key}>`;
      }
      return `{{ ${name} }}`;
    }
  }
}

/** The SDK's `fingerprint`, as strings; empty when absent or only `{{ default }}`. */
function customFingerprint(event: NormalizedEvent): string[] {
  if (!Array.isArray(event.fingerprint)) return [];
  const values = (event.fingerprint as unknown[])
    .filter((v) => v !== null && v !== undefined && !isRecord(v) && !Array.isArray(v))
    .map(String);
  return values.every((v) => VARIABLE_RE.exec(v)?.[1]?.toLowerCase() === 'default') ? [] : values;
}

/** The parts of an event under v1: custom fingerprint first, else the default strategy. */
export function partsV1(event: NormalizedEvent): GroupingParts {
  const fingerprint = customFingerprint(event);
  if (fingerprint.length === 0) return defaultParts(event);
  let hybrid: GroupingParts | undefined;
  const components: string[] = [];
  for (const entry of fingerprint) {
    const variable = VARIABLE_RE.exec(entry)?.[1]?.toLowerCase();
    if (variable === 'default') {
      hybrid ??= defaultParts(event);
      components.push(...hybrid.components);
    } else {
      components.push(`fingerprint:${variable !== undefined ? resolveVariable(variable, event) : entry}`);
    }
  }
  return { groupedBy: hybrid ? `custom fingerprint + ${hybrid.groupedBy}` : 'custom fingerprint', components };
}

/** 32 lowercase hex characters identifying the components. */
export function hashComponents(components: readonly string[]): string {
  return createHash('md5').update(JSON.stringify(components)).digest('hex');
}

/** Group one event with v1. */
export function groupV1(event: NormalizedEvent): GroupingV1 {
  const { groupedBy, components } = partsV1(event);
  return { hash: hashComponents(components), mechanism: MECHANISM_V1, groupedBy, components };
}
