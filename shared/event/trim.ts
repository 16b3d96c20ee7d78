/**
 * Trimming of strings and free-form data bags, with a note in `_meta` for each
 * cut (Relay's `TrimmingProcessor`). Trimmed output trims to itself.
 */
import type { BagSize } from './limits.ts';
import { isRecord, type MetaRecorder, type Path } from './meta.ts';

const ELLIPSIS = '...';

/** `value` cut to `maxChars` (ending in `...`), noting the original length. */
export function trimString(value: string, maxChars: number, path: Path, meta: MetaRecorder): string {
  if (value.length <= maxChars) return value;
  const cut = value.slice(0, Math.max(0, maxChars - ELLIPSIS.length)) + ELLIPSIS;
  meta.remark(path, ['!limit', 's', 0, cut.length], value.length);
  return cut;
}

const REMOVED = Symbol('removed');

/**
 * A data bag trimmed to `size`: containers deeper than `maxDepth` removed,
 * entries past `maxBytes` of serialized JSON removed, long strings cut.
 * Returns undefined when the bag itself is not an object or array.
 */
export function trimBag(value: unknown, size: BagSize, path: Path, meta: MetaRecorder): unknown {
  const budget = { left: size.maxBytes };
  const out = trimValue(value, 0, size, budget, path, meta);
  return out === REMOVED ? undefined : out;
}

function trimValue(value: unknown, depth: number, size: BagSize, budget: { left: number }, path: Path, meta: MetaRecorder): unknown {
  if (typeof value === 'string') {
    const s = trimString(value, size.maxStringChars, path, meta);
    budget.left -= s.length + 2;
    return s;
  }
  if (value === null || typeof value !== 'object') {
    budget.left -= value === undefined ? 0 : String(value).length;
    return value;
  }
  if (depth > size.maxDepth) {
    meta.remark(path, ['!limit', 'x']);
    return REMOVED;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      if (budget.left <= 0) {
        meta.remark(path, ['!limit', 'x'], value.length);
        break;
      }
      const child = trimValue(value[i], depth + 1, size, budget, [...path, i], meta);
      if (child !== REMOVED) out.push(child);
      budget.left -= 1;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [key, child] of entries) {
    if (budget.left <= 0) {
      meta.remark(path, ['!limit', 'x'], entries.length);
      break;
    }
    budget.left -= key.length + 3;
    const trimmed = trimValue(child, depth + 1, size, budget, [...path, key], meta);
    if (trimmed !== REMOVED) out[key] = trimmed;
  }
  return out;
}

/** Own enumerable string-keyed object, or undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
