/**
 * Quotas: events per minute and per month, enforced the way Relay does for
 * SDKs (429, `Retry-After`, `X-Sentry-Rate-Limits`) without a database write
 * per request.
 *
 * The grouping step counts accepted events once per project per batch, drops
 * what a batch brings over a limit (counted as `rate_limited` outcomes) and
 * sets `limitedUntil` on the project to the end of the exceeded window.
 * Ingest reads the project from its 5 s cache and answers 429 until then, so
 * an over-limit SDK costs one cached read per request and is told when to
 * come back. Windows are fixed and aligned like Relay's (`timestamp / window`).
 */
import type { OutcomeCount, OutcomeKind, Project } from '../model.ts';
import type { UsageStore } from '../ports.ts';

/** Data categories an event limit applies to (Relay's categories for error events). */
export const EVENT_CATEGORIES: readonly string[] = ['default', 'error', 'security'];
/** `X-Sentry-Rate-Limits` reason codes. */
export const REASON_MINUTE = 'project_rate_limit';
export const REASON_MONTH = 'project_quota';

export const minuteOf = (ms: number): number => Math.floor(ms / 60_000);
/** `yyyy-mm` (UTC). */
export const monthOf = (ms: number): string => new Date(ms).toISOString().slice(0, 7);
/** `yyyy-mm-dd` (UTC). */
export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
/** Epoch ms at which the month of `ms` ends (UTC). */
export function monthEnd(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export interface QuotaDecision {
  /** Events of the batch that fit (the first ones are kept). */
  allowed: number;
  /** Set when a limit is now reached: ingest refuses events until then (epoch ms). */
  limitedUntil?: number;
  /** Which limit dropped or will drop events. */
  reason?: string;
}

/**
 * Decides how many of `events` fit, from the counters after they were added
 * (`after`). A limit is reached when the count equals it: the next event would
 * exceed it, so ingest starts refusing at once.
 */
export function decideQuota(project: Pick<Project, 'rateLimitPerMinute' | 'monthlyQuota'>, after: { minute?: number; month?: number }, events: number, nowMs: number): QuotaDecision {
  let allowed = events;
  let limitedUntil: number | undefined;
  let reason: string | undefined;
  const check = (limit: number | undefined, total: number | undefined, windowEnd: number, why: string) => {
    if (!limit || limit <= 0 || total === undefined) return;
    const before = total - events;
    const fits = Math.max(0, Math.min(events, limit - before));
    if (fits < allowed) {
      allowed = fits;
      reason = why;
    }
    if (total >= limit && (limitedUntil === undefined || windowEnd > limitedUntil)) {
      limitedUntil = windowEnd;
      reason ??= why;
    }
  };
  check(project.rateLimitPerMinute, after.minute, (minuteOf(nowMs) + 1) * 60_000, REASON_MINUTE);
  check(project.monthlyQuota, after.month, monthEnd(nowMs), REASON_MONTH);
  const out: QuotaDecision = { allowed };
  if (limitedUntil !== undefined) out.limitedUntil = limitedUntil;
  if (reason !== undefined) out.reason = reason;
  return out;
}

export const REASON_KEY = 'key_quota';

/**
 * A key's rate limit (Sentry's `{window, count}`): fixed windows of `window`
 * seconds, like the project's. `after` is the key's count after the batch.
 */
export function decideKeyQuota(limit: { window: number; count: number }, after: number, events: number, nowMs: number): QuotaDecision {
  const fits = Math.max(0, Math.min(events, limit.count - (after - events)));
  const out: QuotaDecision = { allowed: fits };
  if (fits < events) out.reason = REASON_KEY;
  if (after >= limit.count) {
    out.limitedUntil = (keySlot(limit.window, nowMs) + 1) * limit.window * 1000;
    out.reason = REASON_KEY;
  }
  return out;
}

export const keySlot = (windowSeconds: number, nowMs: number): number => Math.floor(nowMs / (windowSeconds * 1000));

/** A usable key limit: whole positive numbers only, else none. */
export function keyLimit(key: { rateLimit?: { window: number; count: number } | undefined } | undefined): { window: number; count: number } | undefined {
  const l = key?.rateLimit;
  return l && Number.isInteger(l.window) && l.window > 0 && Number.isInteger(l.count) && l.count > 0 ? l : undefined;
}

/** Which counters a project needs: none when it has no limits (no write at all). */
export function quotaWindows(project: Pick<Project, 'rateLimitPerMinute' | 'monthlyQuota'>, nowMs: number): { minute?: number; month?: string } | undefined {
  const windows: { minute?: number; month?: string } = {};
  if (project.rateLimitPerMinute > 0) windows.minute = minuteOf(nowMs);
  if ((project.monthlyQuota ?? 0) > 0) windows.month = monthOf(nowMs);
  return windows.minute === undefined && windows.month === undefined ? undefined : windows;
}

/**
 * Outcome counts gathered in memory and written together: one write per
 * project and day per flush. Ingest uses it for the requests it refuses, so a
 * flood of 429s costs at most one write per container per flush interval; a
 * container frozen before its next flush loses its last interval's counts.
 */
export class OutcomeBuffer {
  private readonly pending = new Map<string, Map<string, OutcomeCount>>();
  private lastFlush: number;

  constructor(
    private readonly store: Pick<UsageStore, 'addOutcomes'>,
    private readonly flushEveryMs: number,
    private readonly now: () => number,
  ) {
    this.lastFlush = now();
  }

  add(projectId: string, outcome: OutcomeKind, category: string, reason: string, quantity = 1, day = dayOf(this.now())): void {
    const bucket = `${projectId}|${day}`;
    const counts = this.pending.get(bucket) ?? new Map<string, OutcomeCount>();
    const key = `${outcome}|${category}|${reason}`;
    const entry = counts.get(key);
    if (entry) entry.quantity += quantity;
    else counts.set(key, { outcome, category, reason, quantity });
    this.pending.set(bucket, counts);
  }

  /** Writes what is pending when the interval has passed; a failed write keeps the counts for the next flush. */
  async flushIfDue(): Promise<void> {
    if (this.now() - this.lastFlush < this.flushEveryMs) return;
    await this.flush();
  }

  async flush(): Promise<void> {
    this.lastFlush = this.now();
    const batches = [...this.pending.entries()];
    this.pending.clear();
    for (const [bucket, counts] of batches) {
      const [projectId, day] = bucket.split('|') as [string, string];
      try {
        await this.store.addOutcomes(projectId, day, [...counts.values()]);
      } catch (error) {
        // Kept under the day they happened, for the next flush.
        for (const c of counts.values()) this.add(projectId, c.outcome, c.category, c.reason, c.quantity, day);
        throw error;
      }
    }
  }
}
