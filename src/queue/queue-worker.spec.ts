import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';
import { type ClaimedJob, type JobKind, LeaseLost } from './job-queue.service';
import { QueueWorker, inKeyedLanes } from './queue-worker';
import { WorkSignal } from './work-signal.service';

/** The one retry-or-park implementation, on a worker whose jobs do what each test says. */
const TENANT = '00000000-0000-4000-8000-00000000000a';

function harness(opts: { attempts: number; max: number; work: () => Promise<void>; note?: boolean; countedAttempts?: number }) {
  const tx = { tx: true };
  const job: ClaimedJob = { id: '9', tenantId: TENANT, refId: 'ref-1', attempts: opts.attempts };
  const dbs = {
    regions: () => ['eu'],
    forTenant: jest.fn((_t: TenantRef, w: (t: unknown) => unknown) => w(tx)),
    unitOfWork: jest.fn((_t: TenantRef, w: (t: unknown) => unknown) => w(tx)),
  };
  const queue = { claim: jest.fn(async () => [job]), complete: jest.fn(), retryLater: jest.fn(), retryLaterIn: jest.fn(), renew: jest.fn(async () => []) };
  const parked: unknown[] = [];
  const noted: Array<{ failure: unknown; delayMs: number }> = [];

  class Worker extends QueueWorker {
    protected readonly kind: JobKind = 'inbound';
    protected readonly batchSize = 10;
    protected readonly maxAttempts = opts.max;
    protected handle(): Promise<void> {
      return opts.work();
    }
    protected async park(_tx: EntityManager, _tenant: TenantRef, _job: ClaimedJob, failure: unknown): Promise<void> {
      parked.push(failure);
    }
    protected attemptsOf(j: ClaimedJob): number {
      return opts.countedAttempts ?? j.attempts;
    }
  }
  class NotingWorker extends Worker {
    protected async noteRetry(_tx: EntityManager, _t: TenantRef, _j: ClaimedJob, failure: unknown, delayMs: number): Promise<void> {
      noted.push({ failure, delayMs });
    }
  }
  const worker = new (opts.note ? NotingWorker : Worker)(dbs as never, queue as never, {} as never, { workersEnabled: false, workerLeaseSeconds: 10 } as never);
  return { run: () => worker.runBatch('eu'), job, tx, queue, dbs, parked, noted };
}

describe('QueueWorker: retry or park', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('hands a failed job back with exponential backoff while attempts remain', async () => {
    const h = harness({ attempts: 2, max: 5, work: () => Promise.reject(new Error('busy')) });
    await h.run();
    const [region, id, delay] = h.queue.retryLater.mock.calls[0];
    expect([region, id]).toEqual(['eu', h.job]);
    expect(delay).toBeGreaterThanOrEqual(3200);
    expect(delay).toBeLessThanOrEqual(4800);
    expect(h.parked).toEqual([]);
  });

  it('honours a longer retry-after a failure carries', async () => {
    const h = harness({ attempts: 1, max: 5, work: () => Promise.reject(Object.assign(new Error('429'), { retryAfterMs: 60_000 })) });
    await h.run();
    expect(h.queue.retryLater.mock.calls[0][2]).toBe(60_000);
  });

  it('leaves a job whose lease was lost to its new holder: neither retried nor parked', async () => {
    const h = harness({ attempts: 5, max: 5, work: () => Promise.reject(new LeaseLost(['9'])) });
    await h.run();
    expect(h.parked).toEqual([]);
    expect(h.queue.retryLater).not.toHaveBeenCalled();
    expect(h.queue.complete).not.toHaveBeenCalled();
  });

  it('parks the job after its last attempt: the park and the removal commit in one unit of work', async () => {
    const failure = new Error('still broken');
    const h = harness({ attempts: 5, max: 5, work: () => Promise.reject(failure) });
    await h.run();
    expect(h.parked).toEqual([failure]);
    expect(h.dbs.unitOfWork).toHaveBeenCalledTimes(1);
    expect(h.queue.complete).toHaveBeenCalledWith(h.tx, h.job);
    expect(h.queue.retryLater).not.toHaveBeenCalled();
  });

  it('counts the attempts the worker says count (a delivery log, not the claims)', async () => {
    const h = harness({ attempts: 9, max: 5, countedAttempts: 2, work: () => Promise.reject(new Error('HTTP 500')) });
    await h.run();
    expect(h.queue.retryLater).toHaveBeenCalled();
    expect(h.parked).toEqual([]);
  });

  it('notes a retry in the transaction that hands the job back', async () => {
    const failure = new Error('HTTP 503');
    const h = harness({ attempts: 1, max: 5, note: true, work: () => Promise.reject(failure) });
    await h.run();
    expect(h.noted).toEqual([{ failure, delayMs: expect.any(Number) }]);
    expect(h.queue.retryLaterIn).toHaveBeenCalledWith(h.tx, h.job, h.noted[0].delayMs);
    expect(h.queue.retryLater).not.toHaveBeenCalled();
  });

  it('retries forever when there is no last attempt', async () => {
    const h = harness({ attempts: 10_000, max: Infinity, work: () => Promise.reject(new Error('deadlock')) });
    await h.run();
    expect(h.queue.retryLater).toHaveBeenCalled();
    expect(h.parked).toEqual([]);
  });

  it('never throws out of a batch, even when the bookkeeping fails (the lease runs out instead)', async () => {
    const h = harness({ attempts: 1, max: 5, work: () => Promise.reject(new Error('x')) });
    h.queue.retryLater.mockRejectedValue(new Error('database down'));
    await expect(h.run()).resolves.toBe(1);
  });
});

describe('QueueWorker: shutdown', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it("stops every worker's claiming when the first one's shutdown hook runs, under one deadline", async () => {
    const signal = new WorkSignal();
    const claims = { a: 0, b: 0 };
    const config = { workersEnabled: true, workerIdleMs: 10, workerLeaseSeconds: 10, shutdownGraceMs: 1000 };
    const worker = (name: 'a' | 'b') => {
      const queue = { claim: jest.fn(async () => (claims[name]++, [])) };
      class Idle extends QueueWorker {
        protected readonly kind: JobKind = 'inbound';
        protected readonly batchSize = 10;
        protected readonly maxAttempts = 1;
        protected handle(): Promise<void> {
          return Promise.resolve();
        }
      }
      return new Idle({ regions: () => ['eu'] } as never, queue as never, signal, config as never);
    };
    const [a, b] = [worker('a'), worker('b')];
    a.onApplicationBootstrap();
    b.onApplicationBootstrap();
    while (claims.b < 2) await new Promise((r) => setTimeout(r, 5));

    await a.beforeApplicationShutdown();
    const bClaims = claims.b;
    await new Promise((r) => setTimeout(r, 50));
    expect(claims.b).toBe(bClaims); // b stopped claiming before its own hook ran
    expect(signal.stopping(60_000)).toBe(signal.stopping(1)); // one deadline, set by the first
    await b.beforeApplicationShutdown();
  });
});

describe('inKeyedLanes', () => {
  it('runs the items of one key one after another in their order, and different keys side by side', async () => {
    const started: string[] = [];
    const ended: string[] = [];
    let running = 0;
    let most = 0;
    // The first item of each key is the slowest: without lanes, a later item of its key would end first.
    const items = ['a1', 'b1', 'a2', 'c1', 'a3', 'b2'];
    await inKeyedLanes(
      items,
      (item) => item[0],
      3,
      async (item) => {
        started.push(item);
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, item.endsWith('1') ? 30 : 5));
        running--;
        ended.push(item);
      },
    );
    for (const key of ['a', 'b', 'c']) {
      const ofKey = items.filter((i) => i[0] === key);
      expect(started.filter((i) => i[0] === key)).toEqual(ofKey);
      expect(ended.filter((i) => i[0] === key)).toEqual(ofKey);
    }
    expect(most).toBe(3);
  });
});
