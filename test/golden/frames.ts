/** Frames in exceptions, threads and the top-level stack trace, in any accepted shape. */
export function countFrames(event: Record<string, unknown>): number {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v !== null && typeof v === 'object' && Array.isArray((v as { values?: unknown }).values) ? ((v as { values: unknown[] }).values) : []);
  const frames = (st: unknown): number =>
    st !== null && typeof st === 'object' && Array.isArray((st as { frames?: unknown }).frames)
      ? ((st as { frames: unknown[] }).frames).filter((f) => f !== null && typeof f === 'object').length
      : 0;
  let n = frames(event['stacktrace'] ?? event['sentry.interfaces.Stacktrace']);
  for (const e of list(event['exception'] ?? event['sentry.interfaces.Exception'])) if (e !== null && typeof e === 'object') n += frames((e as Record<string, unknown>)['stacktrace']);
  for (const t of list(event['threads'])) if (t !== null && typeof t === 'object') n += frames((t as Record<string, unknown>)['stacktrace']);
  return n;
}
