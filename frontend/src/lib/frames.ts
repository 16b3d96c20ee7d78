import type { EntryData, Event, ExceptionValue, Frame, Stacktrace, Thread } from './types.ts';

/** `app`: in-app frames with library runs folded; `full`: every frame; `raw`: plain text. */
export type StackView = 'app' | 'full' | 'raw';

/** Frames newest first, the way Sentry shows them by default (SDKs send oldest first). */
export function orderFrames(frames: readonly Frame[], newestFirst: boolean): Frame[] {
  return newestFirst ? [...frames].reverse() : [...frames];
}

/** A stack trace has app frames when at least one frame is marked in-app. */
export function hasAppFrames(frames: readonly Frame[]): boolean {
  return frames.some((f) => f.inApp === true);
}

/**
 * Rows to show: in-app frames always, and runs of library frames folded into
 * one collapsible group unless `full`. Without any in-app frame everything is shown.
 */
export type FrameRow = { kind: 'frame'; frame: Frame; index: number } | { kind: 'collapsed'; frames: Array<{ frame: Frame; index: number }>; key: string };

export function frameRows(frames: readonly Frame[], full: boolean): FrameRow[] {
  if (full || !hasAppFrames(frames)) return frames.map((frame, index) => ({ kind: 'frame', frame, index }));
  const rows: FrameRow[] = [];
  let run: Array<{ frame: Frame; index: number }> = [];
  const flush = () => {
    if (run.length) rows.push({ kind: 'collapsed', frames: run, key: `c${run[0]!.index}` });
    run = [];
  };
  frames.forEach((frame, index) => {
    if (frame.inApp) {
      flush();
      rows.push({ kind: 'frame', frame, index });
    } else {
      run.push({ frame, index });
    }
  });
  flush();
  return rows;
}

/** The file part of a frame's title: filename, else module, else absolute path. */
export function frameLocation(frame: Frame): string {
  return frame.filename || frame.module || frame.absPath || frame.package || '<unknown>';
}

export function frameFunction(frame: Frame): string {
  return frame.function || frame.rawFunction || frame.instructionAddr || '?';
}

/** Exception values as Sentry lists them: the outermost (last sent) first, its causes below. */
export function exceptionChain(values: readonly ExceptionValue[], newestFirst: boolean): ExceptionValue[] {
  return newestFirst ? [...values].reverse() : [...values];
}

export function entry<K extends keyof EntryData>(event: Event, type: K): EntryData[K] | undefined {
  return event.entries.find((e) => e.type === type)?.data as EntryData[K] | undefined;
}

/** Threads worth showing beside an exception: those with a stack trace that no exception already shows. */
export function threadStacks(threads: readonly Thread[], hasException: boolean): Thread[] {
  return threads.filter((t) => t.stacktrace && t.stacktrace.frames.length > 0 && !(hasException && t.crashed));
}

export function isEmptyStack(stack: Stacktrace | null | undefined): boolean {
  return !stack || !Array.isArray(stack.frames) || stack.frames.length === 0;
}
