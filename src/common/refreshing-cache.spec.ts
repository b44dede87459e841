import { RefreshingCache } from './refreshing-cache';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A load whose answers the test releases one at a time. */
function gatedLoads() {
  const calls: Array<{ key: string; resolve: (v: { n: number }) => void; reject: (e: Error) => void }> = [];
  const load = (key: string) => new Promise<{ n: number }>((resolve, reject) => calls.push({ key, resolve, reject }));
  return { calls, load };
}

describe('RefreshingCache', () => {
  it('lets concurrent misses share one load', async () => {
    const { calls, load } = gatedLoads();
    const cache = new RefreshingCache<{ n: number }>({ max: 10, ttlMs: 1000, load });
    const answers = Promise.all(Array.from({ length: 50 }, () => cache.get('a')));
    await sleep(0);
    expect(calls).toHaveLength(1);
    calls[0].resolve({ n: 1 });
    expect((await answers).map((v) => v.n)).toEqual(Array(50).fill(1));
  });

  it('serves an expired answer while one refresh runs, then the refreshed one', async () => {
    const { calls, load } = gatedLoads();
    // A TTL far above scheduling noise: on a loaded machine the refreshed answer must not expire before it is read.
    const cache = new RefreshingCache<{ n: number }>({ max: 10, ttlMs: 250, load });
    const first = cache.get('a');
    calls[0].resolve({ n: 1 });
    expect((await first).n).toBe(1);
    await sleep(300);
    expect((await Promise.all([cache.get('a'), cache.get('a'), cache.get('a')])).map((v) => v.n)).toEqual([1, 1, 1]);
    expect(calls).toHaveLength(2);
    calls[1].resolve({ n: 2 });
    await sleep(0);
    expect((await cache.get('a')).n).toBe(2);
    expect(calls).toHaveLength(2);
  });

  it('after forget, loads anew and never stores what a refresh running at that moment brings', async () => {
    const { calls, load } = gatedLoads();
    const cache = new RefreshingCache<{ n: number }>({ max: 10, ttlMs: 1000, load });
    const before = cache.get('a');
    await sleep(0);
    cache.forget('a'); // the load in flight saw the old state
    await sleep(0);
    expect(calls).toHaveLength(2);
    calls[0].resolve({ n: 1 });
    calls[1].resolve({ n: 2 });
    expect((await before).n).toBe(2);
    expect((await cache.get('a')).n).toBe(2);
    expect(calls).toHaveLength(2);
  });

  it('passes a failed load on to its callers, and tries again on the next call', async () => {
    const { calls, load } = gatedLoads();
    const cache = new RefreshingCache<{ n: number }>({ max: 10, ttlMs: 1000, load });
    const failing = cache.get('a');
    await sleep(0);
    calls[0].reject(new Error('directory down'));
    await expect(failing).rejects.toThrow('directory down');
    const next = cache.get('a');
    await sleep(0);
    calls[1].resolve({ n: 3 });
    expect((await next).n).toBe(3);
  });

  it('with serveStale off, never answers past the TTL: callers wait for the reload', async () => {
    const { calls, load } = gatedLoads();
    const cache = new RefreshingCache<{ n: number }>({ max: 10, ttlMs: 20, load, serveStale: false });
    const first = cache.get('a');
    calls[0].resolve({ n: 1 });
    expect((await first).n).toBe(1);
    await sleep(40);
    const after = Promise.all([cache.get('a'), cache.get('a')]);
    await sleep(0);
    expect(calls).toHaveLength(2);
    calls[1].resolve({ n: 2 });
    expect((await after).map((v) => v.n)).toEqual([2, 2]);
  });

  it('forgets every key with a prefix, and only those', async () => {
    let n = 0;
    const cache = new RefreshingCache<{ n: number }>({ max: 10, ttlMs: 1000, load: async () => ({ n: ++n }) });
    await Promise.all(['t1:a', 't1:b', 't2:a'].map((k) => cache.get(k)));
    cache.forgetPrefix('t1:');
    expect((await cache.get('t1:a')).n).toBe(4);
    expect((await cache.get('t1:b')).n).toBe(5);
    expect((await cache.get('t2:a')).n).toBe(3);
  });

  it('hands the load its context', async () => {
    const seen: string[] = [];
    const cache = new RefreshingCache<{ route: string }, { kind: string }>({
      max: 10,
      ttlMs: 1000,
      load: async (key, ctx) => {
        seen.push(`${ctx.kind}/${key}`);
        return { route: key };
      },
    });
    expect(await cache.get('page-1', { kind: 'messenger' })).toEqual({ route: 'page-1' });
    expect(seen).toEqual(['messenger/page-1']);
  });
});
