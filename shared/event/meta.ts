/**
 * Sentry's `_meta` (https://develop.sentry.dev/sdk/data-handling/#meta-information):
 * a tree mirroring the event, with a `""` entry at each annotated path holding
 * errors (`err`), remarks (`rem`), the original length (`len`) and, for rejected
 * small values, the original value (`val`).
 */

export type PathSegment = string | number;
export type Path = readonly PathSegment[];
/** `[rule id, type, start?, end?]`; type `x` removed, `s` substituted, `m` masked. */
export type Remark = [string, 'x' | 's' | 'm' | 'p' | 'e', number?, number?];

export interface MetaEntry {
  err?: Array<[string, Record<string, unknown>?] | string>;
  rem?: Remark[];
  len?: number;
  val?: unknown;
}

/** The largest original value kept in `val` (Relay keeps small originals only). */
const MAX_ORIGINAL_VALUE_CHARS = 200;

/** Accumulates annotations; starts from the `_meta` the SDK sent, if any. */
export class MetaRecorder {
  readonly root: Record<string, unknown>;

  /**
   * `owned`: `existing` belongs to an event the caller is rewriting (parsed for it, or its own
   * copy), so annotations are added to it in place; otherwise it is copied first.
   */
  constructor(existing?: unknown, opts: { owned?: boolean } = {}) {
    if (!isRecord(existing)) this.root = {};
    else this.root = opts.owned === true ? existing : (structuredClone(existing) as Record<string, unknown>);
  }

  /** An invalid value was removed or replaced. */
  error(path: Path, reason: string, original?: unknown): void {
    const entry = this.entry(path);
    const err = (entry['err'] ??= []) as unknown[];
    if (!err.some((e) => Array.isArray(e) && e[0] === 'invalid_data' && (e[1] as { reason?: string } | undefined)?.reason === reason)) {
      err.push(['invalid_data', { reason }]);
    }
    if (original !== undefined && entry['val'] === undefined) {
      const text = safeJson(original);
      if (text !== undefined && text.length <= MAX_ORIGINAL_VALUE_CHARS) entry['val'] = original;
    }
  }

  /** A value was trimmed, removed or filtered by a rule. */
  remark(path: Path, remark: Remark, originalLength?: number): void {
    const entry = this.entry(path);
    const rem = (entry['rem'] ??= []) as unknown[];
    if (!rem.some((r) => JSON.stringify(r) === JSON.stringify(remark))) rem.push(remark);
    if (originalLength !== undefined && entry['len'] === undefined) entry['len'] = originalLength;
  }

  isEmpty(): boolean {
    return Object.keys(this.root).length === 0;
  }

  private entry(path: Path): Record<string, unknown> {
    let node = this.root;
    for (const segment of path) {
      const key = String(segment);
      const next = node[key];
      if (isRecord(next)) node = next;
      else {
        const created: Record<string, unknown> = {};
        node[key] = created;
        node = created;
      }
    }
    const existing = node[''];
    if (isRecord(existing)) return existing;
    const created: Record<string, unknown> = {};
    node[''] = created;
    return created;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
