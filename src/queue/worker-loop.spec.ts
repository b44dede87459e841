import { WorkerLoop } from './worker-loop';

/** Scheduling only, on fake timers: when the loop starts its batches. */
describe('WorkerLoop pacing', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  /** A loop whose batches return `sizes` in turn (then 0), recording when each batch started. */
  function loop(sizes: number[], pacing?: { paceMs: number; batchSize: number }) {
    const starts: number[] = [];
    let i = 0;
    const l = new WorkerLoop(
      'test',
      () => ['eu'],
      async () => {
        starts.push(Date.now());
        return sizes[i++] ?? 0;
      },
      10_000,
      pacing,
    );
    return { l, starts };
  }
  const settle = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) await jest.advanceTimersByTimeAsync(10);
  };

  it('without pacing, runs batches back to back while they find work', async () => {
    const { l, starts } = loop([3, 3, 3]);
    l.start();
    await settle(50);
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, 0]);
    await l.stop();
  });

  it('spaces batches that were not full, and ignores wake-ups while it waits', async () => {
    const { l, starts } = loop([3, 3, 3], { paceMs: 100, batchSize: 10 });
    l.start();
    await settle(20);
    l.wake();
    await settle(400);
    expect(starts.slice(0, 4)).toEqual([0, 100, 200, 300]);
    await l.stop();
  });

  it('starts the next batch at once after a full one (a backlog)', async () => {
    const { l, starts } = loop([10, 10, 3], { paceMs: 100, batchSize: 10 });
    l.start();
    await settle(250);
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, 100]);
    await l.stop();
  });

  it('after an empty batch, waits for the idle time or a wake-up, whichever comes first', async () => {
    const { l, starts } = loop([0], { paceMs: 100, batchSize: 10 });
    l.start();
    await settle(30);
    l.wake();
    await settle(10);
    expect(starts).toEqual([0, 30]);
    await l.stop();
  });
});
