/**
 * The stack trace interfaces: frames, stack traces, exceptions and threads
 * (https://develop.sentry.dev/sdk/data-model/event-payloads/stacktrace/,
 * …/exception/, …/threads/). Each accepts the loose shapes SDKs send and
 * returns the canonical one, or undefined when nothing usable is left.
 */
import type { ExceptionValue, Frame, Stacktrace } from '../model.ts';
import { BAG_FRAME_VARS, MAX_FRAMES, MAX_MESSAGE_CHARS, MAX_PATH_CHARS, MAX_SYMBOL_CHARS } from './limits.ts';
import { isRecord, type MetaRecorder, type Path } from './meta.ts';
import { trimBag, trimString } from './trim.ts';

const FRAME_PATH_FIELDS = ['filename', 'abs_path'] as const;
const FRAME_SYMBOL_FIELDS = ['function', 'raw_function', 'symbol', 'module', 'package'] as const;
const FRAME_STRING_FIELDS = ['platform', 'instruction_addr', 'symbol_addr', 'image_addr', 'addr_mode', 'trust', 'lang'] as const;

/** A string from a string, number or boolean (Relay's `LenientString`). */
export function lenientString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

function toInt(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 1) return true;
  if (value === 'false' || value === 0) return false;
  return undefined;
}

function contextLines(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((line) => lenientString(line) ?? '');
}

/** One frame; undefined when `raw` is not an object. */
export function normalizeFrame(raw: unknown, path: Path, meta: MetaRecorder): Frame | undefined {
  if (!isRecord(raw)) {
    meta.error(path, 'expected a frame object', raw);
    return undefined;
  }
  const frame: Frame = { ...raw };
  for (const field of FRAME_PATH_FIELDS) setString(frame, field, MAX_PATH_CHARS, path, meta);
  for (const field of FRAME_SYMBOL_FIELDS) setString(frame, field, MAX_SYMBOL_CHARS, path, meta);
  for (const field of FRAME_STRING_FIELDS) setString(frame, field, Infinity, path, meta);
  for (const field of ['lineno', 'colno'] as const) {
    if (frame[field] === undefined) continue;
    const n = toInt(frame[field]);
    if (n === undefined || n < 0) {
      if (frame[field] !== null) meta.error([...path, field], 'expected a non-negative integer', frame[field]);
      delete frame[field];
    } else frame[field] = n;
  }
  if (frame.in_app !== undefined) {
    const b = toBool(frame.in_app);
    if (b === undefined) {
      if (frame.in_app !== null) meta.error([...path, 'in_app'], 'expected a boolean', frame.in_app);
      delete frame.in_app;
    } else frame.in_app = b;
  }
  if (frame.context_line !== undefined) {
    const line = lenientString(frame.context_line);
    if (line === undefined) delete frame.context_line;
    else frame.context_line = line;
  }
  for (const field of ['pre_context', 'post_context'] as const) {
    if (frame[field] === undefined) continue;
    const lines = contextLines(frame[field]);
    if (lines === undefined) delete frame[field];
    else frame[field] = lines;
  }
  if (frame.vars !== undefined) {
    let vars: unknown = frame.vars;
    if (Array.isArray(vars)) vars = Object.fromEntries(vars.map((v, i) => [String(i), v]));
    if (isRecord(vars)) frame.vars = trimBag(vars, BAG_FRAME_VARS, [...path, 'vars'], meta) as Record<string, unknown>;
    else {
      if (vars !== null) meta.error([...path, 'vars'], 'expected an object', vars);
      delete frame.vars;
    }
  }
  return frame;
}

/**
 * A stack trace; undefined when it has no frame list. Frames beyond
 * {@link MAX_FRAMES} are removed from the middle, keeping both ends.
 */
export function normalizeStacktrace(raw: unknown, path: Path, meta: MetaRecorder): Stacktrace | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!isRecord(raw)) {
    meta.error(path, 'expected a stacktrace object', raw);
    return undefined;
  }
  if (!Array.isArray(raw['frames'])) {
    if (raw['frames'] !== null && raw['frames'] !== undefined) meta.error([...path, 'frames'], 'expected a list of frames', raw['frames']);
    else meta.error([...path, 'frames'], 'missing frames');
    return undefined;
  }
  let frames: Frame[] = [];
  raw['frames'].forEach((f, i) => {
    const frame = normalizeFrame(f, [...path, 'frames', i], meta);
    if (frame !== undefined) frames.push(frame);
  });
  if (frames.length > MAX_FRAMES) {
    meta.remark([...path, 'frames'], ['!limit', 'x'], frames.length);
    const head = Math.floor(MAX_FRAMES / 2);
    frames = [...frames.slice(0, head), ...frames.slice(frames.length - (MAX_FRAMES - head))];
  }
  const out: Stacktrace = { ...raw, frames };
  if (out.registers !== undefined && !isRecord(out.registers)) delete out.registers;
  return out;
}

/** `Type: value` in a value with no type is split, as Relay does. */
const TYPE_VALUE = /^(\w+):(.*)$/s;

/** One exception; undefined when it has no type, no value and no stack trace. */
export function normalizeException(raw: unknown, path: Path, meta: MetaRecorder): ExceptionValue | undefined {
  if (!isRecord(raw)) {
    meta.error(path, 'expected an exception object', raw);
    return undefined;
  }
  const exc: ExceptionValue = { ...raw };
  setString(exc, 'type', MAX_SYMBOL_CHARS, path, meta);
  setString(exc, 'module', MAX_SYMBOL_CHARS, path, meta);
  if (exc.value !== undefined) {
    const value = lenientString(exc.value) ?? (exc.value === null ? undefined : safeStringify(exc.value));
    if (value === undefined) delete exc.value;
    else exc.value = trimString(value, MAX_MESSAGE_CHARS, [...path, 'value'], meta);
  }
  if ((exc.type === undefined || exc.type === '') && typeof exc.value === 'string') {
    const m = TYPE_VALUE.exec(exc.value);
    if (m !== null) {
      exc.type = m[1];
      exc.value = (m[2] ?? '').trim();
    }
  }
  if (exc.mechanism !== undefined) {
    if (isRecord(exc.mechanism)) {
      const mech = { ...exc.mechanism };
      if (typeof mech.type !== 'string' || mech.type === '') mech.type = 'generic';
      for (const flag of ['handled', 'synthetic'] as const) {
        if (mech[flag] !== undefined && typeof mech[flag] !== 'boolean') {
          if (mech[flag] !== null) meta.error([...path, 'mechanism', flag], 'expected a boolean', mech[flag]);
          delete mech[flag];
        }
      }
      exc.mechanism = mech;
    } else {
      if (exc.mechanism !== null) meta.error([...path, 'mechanism'], 'expected a mechanism object', exc.mechanism);
      delete exc.mechanism;
    }
  }
  for (const field of ['stacktrace', 'raw_stacktrace'] as const) {
    if (exc[field] === undefined) continue;
    const st = normalizeStacktrace(exc[field], [...path, field], meta);
    if (st === undefined) delete exc[field];
    else exc[field] = st;
  }
  if (exc.type === undefined && exc.value === undefined && exc.stacktrace === undefined) {
    meta.error(path, 'exception needs a type, a value or a stacktrace');
    return undefined;
  }
  return exc;
}

/** A list of values, accepting a bare list, `{values: […]}`, or a single object. */
export function valuesOf(raw: unknown, single: (o: Record<string, unknown>) => boolean): unknown[] | undefined {
  if (Array.isArray(raw)) return raw;
  if (isRecord(raw)) {
    if (Array.isArray(raw['values'])) return raw['values'];
    if (raw['values'] === undefined && single(raw)) return [raw];
  }
  return undefined;
}

type ThreadValue = NonNullable<import('../model.ts').NormalizedEvent['threads']>['values'][number];

export function normalizeThread(raw: unknown, path: Path, meta: MetaRecorder): ThreadValue | undefined {
  if (!isRecord(raw)) {
    meta.error(path, 'expected a thread object', raw);
    return undefined;
  }
  const thread: ThreadValue = { ...raw };
  if (thread.id !== undefined) {
    const id = toInt(thread.id) ?? (typeof thread.id === 'string' ? thread.id : undefined);
    if (id === undefined) delete thread.id;
    else thread.id = id;
  }
  setString(thread, 'name', MAX_SYMBOL_CHARS, path, meta);
  for (const flag of ['crashed', 'current', 'main'] as const) {
    if (thread[flag] === undefined) continue;
    const b = toBool(thread[flag]);
    if (b === undefined) delete thread[flag];
    else thread[flag] = b;
  }
  for (const field of ['stacktrace', 'raw_stacktrace'] as const) {
    if (thread[field] === undefined) continue;
    const st = normalizeStacktrace(thread[field], [...path, field], meta);
    if (st === undefined) delete thread[field];
    else thread[field] = st;
  }
  return thread;
}

/** Set `obj[field]` to a trimmed lenient string, or delete it (noting a bad value). */
export function setString(obj: Record<string, unknown>, field: string, maxChars: number, path: Path, meta: MetaRecorder): void {
  const value = obj[field];
  if (value === undefined) return;
  const s = lenientString(value);
  if (s === undefined) {
    if (value !== null) meta.error([...path, field], 'expected a string', value);
    delete obj[field];
    return;
  }
  obj[field] = Number.isFinite(maxChars) ? trimString(s, maxChars, [...path, field], meta) : s;
}

function safeStringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
