import { randomUUID } from 'node:crypto';
import type { Client } from 'pg';
import { AppConfig } from '../src/config/app-config';
import { ClaimedJob, JobQueue, LeaseLost } from '../src/queue/job-queue.service';
import { QueueWorker } from '../src/queue/queue-worker';
import { WorkSignal } from '../src/queue/work-signal.service';
import { TestApp, ownerClient } from './support/test-app';

/**
 * Short leases (here 1 s) for fast failover: renewed while the work runs, so a live worker keeps
 * its job; fenced, so a worker that lost its lease cannot end the job its successor holds.
 */
describe('job leases', () => {
  let t: TestApp;
  let queue: JobQueue;
  let db: Client;

  beforeAll(async () => {
    t = await TestApp.start({ WORKER_LEASE_SECONDS: '1' });
    queue = t.app.get(JobQueue);
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });
  beforeEach(() => db.query(`delete from queue.jobs where kind = 'termination'`));

  const addJob = async () => {
    const tenantId = randomUUID();
    await db.query(`insert into queue.jobs (kind, tenant_id, ref_id) values ('termination', $1, $2)`, [tenantId, randomUUID()]);
    return tenantId;
  };
  const jobsLeft = async () => (await db.query(`select id from queue.jobs where kind = 'termination'`)).rowCount;

  it('fences a lapsed holder: its completion and hand-back fail or do nothing, the new holder ends the job', async () => {
    await addJob();
    const [first] = await queue.claim('eu', 'termination', 10);
    expect(first.lease).toEqual(expect.any(String));
    // The first holder stalls past its lease; another instance claims the job.
    await db.query(`update queue.jobs set leased_until = now() - interval '1 second' where id = $1`, [first.id]);
    const [second] = await queue.claim('eu', 'termination', 10);
    expect(second.id).toBe(first.id);
    expect(second.lease).not.toBe(first.lease);

    await expect(t.dbs.region('eu').transaction((tx) => queue.complete(tx, first))).rejects.toBeInstanceOf(LeaseLost);
    await queue.retryLater('eu', first, 60_000);
    await queue.release('eu', [first]);
    expect(await queue.renew('eu', [first])).toEqual([]);
    const { rows } = await db.query(`select lease, leased_until > now() as leased from queue.jobs where id = $1`, [first.id]);
    expect(rows).toEqual([{ lease: second.lease, leased: true }]);

    await t.dbs.region('eu').transaction((tx) => queue.complete(tx, second));
    expect(await jobsLeft()).toBe(0);
  });

  it('answers a claim in arrival order (due time, then id), not in the order its UPDATE wrote the rows', async () => {
    // Forty jobs queued in turn, all due: most at one time (their ids order them), every third
    // earlier, and the later it was queued the earlier (a retry's backoff ran out), so due time and id disagree.
    const tenantId = randomUUID();
    const base = new Date(Date.now() - 2 * 3600_000);
    for (let i = 0; i < 40; i++) {
      await db.query(`insert into queue.jobs (kind, tenant_id, ref_id, available_at) values ('termination', $1, $2, $3)`, [
        tenantId,
        randomUUID(),
        new Date(base.getTime() - (i % 3 === 0 ? 100 - i : 0) * 1000),
      ]);
    }
    const arrival = (await db.query(`select id from queue.jobs where kind = 'termination' and tenant_id = $1 order by available_at, id`, [tenantId])).rows.map(
      (r) => String(r.id),
    );
    const claimed = await queue.claim('eu', 'termination', 40);
    expect(claimed.map((j) => j.id)).toEqual(arrival);
    // Not vacuous: arrival order is not id order.
    expect(arrival).not.toEqual([...arrival].sort((a, b) => Number(a) - Number(b)));
  });

  it('renews the lease while a job runs longer than it, so no other worker takes the job meanwhile', async () => {
    await addJob();
    let claimedMeanwhile: ClaimedJob[] | undefined;
    class SlowWorker extends QueueWorker {
      protected readonly kind = 'termination' as const;
      protected readonly batchSize = 1;
      protected readonly maxAttempts = 3;
      protected async handle(region: string, job: ClaimedJob): Promise<void> {
        // Three lease lengths: without renewal the job would be claimable after the first.
        for (let i = 0; i < 6; i++) {
          await new Promise((r) => setTimeout(r, 500));
          claimedMeanwhile = [...(claimedMeanwhile ?? []), ...(await queue.claim(region, 'termination', 10))];
        }
        await this.finish({ tenantId: job.tenantId, region }, job);
      }
    }
    const worker = new SlowWorker(t.dbs, queue, t.app.get(WorkSignal), t.app.get(AppConfig));
    expect(await worker.runBatch('eu')).toBe(1);
    expect(claimedMeanwhile).toEqual([]);
    expect(await jobsLeft()).toBe(0);
  });

  it('hands unfinished jobs back uncounted at shutdown, for another instance to claim at once', async () => {
    await addJob();
    const [job] = await queue.claim('eu', 'termination', 10);
    await queue.release('eu', [job]);
    const [again] = await queue.claim('eu', 'termination', 10);
    expect(again).toMatchObject({ id: job.id, attempts: job.attempts });
  });
});
