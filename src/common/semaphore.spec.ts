import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('lets at most `limit` run at once, the rest in order, and frees a place when one fails', async () => {
    const s = new Semaphore(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const job = (n: number) =>
      s.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        order.push(n);
        if (n === 1) throw new Error('boom');
        return n;
      });
    const all = [1, 2, 3, 4].map((n) => job(n).catch(() => -1));
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    expect(await Promise.all(all)).toEqual([-1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4]);
  });
});

describe('Semaphore with overdueMs', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const flush = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('lets the next one start once a holder is overdue, and counts the overdue one no more when it ends', async () => {
    const s = new Semaphore(1, 1000);
    const release: Record<string, () => void> = {};
    const started: string[] = [];
    const job = (name: string) =>
      s.run(async () => {
        started.push(name);
        await new Promise<void>((resolve) => (release[name] = resolve));
        return name;
      });
    const stuck = job('stuck');
    const second = job('second');
    const third = job('third');
    await flush();
    expect(started).toEqual(['stuck']);
    expect(s.waiting).toBe(2);

    jest.advanceTimersByTime(999);
    await flush();
    expect(started).toEqual(['stuck']);
    jest.advanceTimersByTime(1);
    await flush();
    // The stuck one still runs, but no longer holds the only place.
    expect(started).toEqual(['stuck', 'second']);
    expect(s.waiting).toBe(1);

    // The overdue holder ending frees nothing more: 'third' still waits for 'second'.
    release.stuck();
    await expect(stuck).resolves.toBe('stuck');
    await flush();
    expect(started).toEqual(['stuck', 'second']);
    release.second();
    await expect(second).resolves.toBe('second');
    await flush();
    expect(started).toEqual(['stuck', 'second', 'third']);
    release.third();
    await expect(third).resolves.toBe('third');

    // One place again, not more: the overdue holder's end did not free a second one.
    const fourth = job('fourth');
    const fifth = job('fifth');
    await flush();
    expect(started).toEqual(['stuck', 'second', 'third', 'fourth']);
    expect(s.waiting).toBe(1);
    release.fourth();
    await flush();
    release.fifth();
    await expect(Promise.all([fourth, fifth])).resolves.toEqual(['fourth', 'fifth']);
  });
});
