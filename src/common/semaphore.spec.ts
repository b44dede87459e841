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
