import { LRUCache } from 'lru-cache';

/**
 * A cache for lookups asked far more often than their answers change (which tenant owns a Page,
 * which event types a tenant's subscriptions want). Concurrent misses share one load; an answer
 * past its `ttlMs` keeps serving while a single refresh runs, so under steady traffic no caller
 * waits on the lookup. `forget` makes the next call load anew, and a refresh already running when
 * it is called is dropped, not stored.
 */
export class RefreshingCache<V extends object, C = undefined> {
  /** Context typed `unknown` inside: lru-cache's conditional option types do not resolve for a generic C. */
  private readonly cache: LRUCache<string, V, unknown>;

  /**
   * `serveStale: false` makes `ttlMs` a hard bound: an expired answer is never served, callers
   * wait for the reload instead (for answers that must not outlive a change, like a revoked token).
   */
  constructor(opts: { max: number; ttlMs: number; load: (key: string, context: C) => Promise<V>; serveStale?: boolean }) {
    this.cache = new LRUCache<string, V, unknown>({
      max: opts.max,
      ttl: opts.ttlMs,
      allowStale: opts.serveStale ?? true,
      allowStaleOnFetchAbort: true,
      fetchMethod: (key, _stale, { context }) => opts.load(key, context as C),
    });
  }

  /** `context` (what the load needs besides the key) is required unless C is undefined. */
  async get(key: string, ...[context]: C extends undefined ? [] : [C]): Promise<V> {
    // A load cut short by forget() answers undefined: ask again, and the new load sees the change.
    for (let attempt = 0; attempt < 3; attempt++) {
      const value = await this.cache.fetch(key, { context });
      if (value !== undefined) return value;
    }
    throw new Error(`cache entry ${key} kept being invalidated while it loaded`);
  }

  forget(key: string): void {
    this.cache.delete(key);
  }

  /** Forgets every key that starts with `prefix`. */
  forgetPrefix(prefix: string): void {
    for (const key of [...this.cache.keys()]) if (key.startsWith(prefix)) this.cache.delete(key);
  }
}
