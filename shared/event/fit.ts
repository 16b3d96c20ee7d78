/**
 * Fitting an event into storage that has a hard size limit (a DynamoDB item
 * holds 400 KB). Normalization bounds each value, not the whole event, so a
 * 1 MiB event of incompressible data can still be too large to store. Rather
 * than failing its batch (and ending in the dead-letter queue), the event is
 * stored with its least-read parts cut, each cut noted in `_meta` as Relay notes
 * trimmed data (`!limit`, removed), so the portal can say what is missing.
 */
import type { Frame, NormalizedEvent, Stacktrace } from '../model.ts';
import { MetaRecorder, type Path } from './meta.ts';

/** Breadcrumbs kept by the cut that shortens them: the last ones before the error. */
export const FIT_BREADCRUMBS_KEPT = 10;
/** Frames kept per stack trace by the last cut: the innermost ones, where the error is. */
export const FIT_FRAMES_KEPT = 20;

const LIMIT: ['!limit', 'x'] = ['!limit', 'x'];

interface Located {
  path: Path;
  stacktrace: Stacktrace;
}

function stacktraces(event: NormalizedEvent): Located[] {
  const out: Located[] = [];
  event.exception?.values.forEach((v, i) => {
    if (v.stacktrace) out.push({ path: ['exception', 'values', i, 'stacktrace'], stacktrace: v.stacktrace });
  });
  event.threads?.values.forEach((t, i) => {
    if (t.stacktrace) out.push({ path: ['threads', 'values', i, 'stacktrace'], stacktrace: t.stacktrace });
  });
  return out;
}

/** Removes a frame field where `which` selects the frame; notes each removal. */
function dropFrameField(event: NormalizedEvent, meta: MetaRecorder, field: keyof Frame, which: (index: number, frames: Frame[]) => boolean): void {
  for (const { path, stacktrace } of stacktraces(event)) {
    stacktrace.frames.forEach((frame, j) => {
      if (frame[field] === undefined || !which(j, stacktrace.frames)) return;
      delete frame[field];
      meta.remark([...path, 'frames', j, field], LIMIT);
    });
  }
}

/** The cuts, least missed first. Each one changes the event in place. */
const CUTS: Array<(event: NormalizedEvent, meta: MetaRecorder) => void> = [
  // Variables of every frame but the innermost, where the error was raised.
  (e, m) => dropFrameField(e, m, 'vars', (j, frames) => j !== frames.length - 1),
  (e, m) => {
    const crumbs = e.breadcrumbs?.values;
    if (!crumbs || crumbs.length <= FIT_BREADCRUMBS_KEPT) return;
    e.breadcrumbs = { values: crumbs.slice(-FIT_BREADCRUMBS_KEPT) };
    m.remark(['breadcrumbs', 'values'], LIMIT, crumbs.length);
  },
  (e, m) => {
    if (e.extra === undefined) return;
    delete e.extra;
    m.remark(['extra'], LIMIT);
  },
  (e, m) => {
    if (e.request?.data === undefined) return;
    delete e.request.data;
    m.remark(['request', 'data'], LIMIT);
  },
  (e, m) => dropFrameField(e, m, 'vars', () => true),
  (e, m) => {
    dropFrameField(e, m, 'pre_context', () => true);
    dropFrameField(e, m, 'post_context', () => true);
  },
  (e, m) => {
    for (const key of ['modules', 'contexts', 'debug_meta'] as const) {
      if (e[key] === undefined) continue;
      delete e[key];
      m.remark([key], LIMIT);
    }
  },
  (e, m) => {
    for (const { path, stacktrace } of stacktraces(e)) {
      if (stacktrace.frames.length <= FIT_FRAMES_KEPT) continue;
      m.remark([...path, 'frames'], LIMIT, stacktrace.frames.length);
      stacktrace.frames = stacktrace.frames.slice(-FIT_FRAMES_KEPT);
    }
  },
  (e, m) => {
    if (e.breadcrumbs === undefined) return;
    m.remark(['breadcrumbs'], LIMIT);
    delete e.breadcrumbs;
  },
];

/**
 * Returns the event itself when `fits` accepts it, else a trimmed copy: cuts
 * are applied in order until it fits (or none is left, in which case the most
 * trimmed copy is returned and the caller's limit decides). What identifies the
 * error (exception types and values, message, the innermost frames, tags,
 * release, user) is never cut.
 */
export function fitEvent(event: NormalizedEvent, fits: (event: NormalizedEvent) => boolean): NormalizedEvent {
  if (fits(event)) return event;
  const copy = structuredClone(event);
  const meta = new MetaRecorder(copy._meta);
  for (const cut of CUTS) {
    cut(copy, meta);
    copy._meta = meta.root;
    if (fits(copy)) break;
  }
  return copy;
}
