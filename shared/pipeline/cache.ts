/**
 * A small per-container cache with expiry, used to keep configuration reads
 * off the hot path. Concurrent misses for one key share a single load.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: Promise<V>; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > t) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    this.entries.set(key, { value, expires: t + this.ttlMs });
    // A failed load is not cached: the next call tries again.
    value.catch(() => this.entries.delete(key));
    return value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
