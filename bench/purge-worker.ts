/**
 * The retention purge of bench/purge.bench.ts, on a worker thread of the bench process: the real
 * RetentionPurgeJob (src/privacy/retention-purge.job.ts) wired by hand, as Nest would, with the
 * app's own configuration (app role, row-level security, 5,000-row batches, advisory lock).
 *
 * A thread of its own keeps the purge's JavaScript work (parsing each batch's 5,000 returned rows)
 * off the event loop of the load generator, whose open-loop latencies would otherwise absorb it.
 *
 * Protocol (parentPort): in { op: 'run' } | { op: 'close' }; out { op: 'ready' } | { op: 'done',
 * counts, ms } | { op: 'closed' } | { op: 'error', message }.
 */
import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SystemClock } from '../libs/domain/src';
import { loadConfig } from '../src/config/app-config';
import { RegionDatabases } from '../src/database/region-databases';
import { PostgresMediaStore } from '../src/media/postgres-media.store';
import { UploadStore } from '../src/media/upload.store';
import { RetentionPurgeJob } from '../src/privacy/retention-purge.job';
import { RetentionSettingsService } from '../src/privacy/retention-settings.service';
import { JobHeartbeats } from '../src/queue/job-heartbeats.store';
import { TenantDirectory } from '../src/tenancy/tenant-directory.store';

export type PurgeWorkerIn = { op: 'run' } | { op: 'close' };
export type PurgeWorkerOut = { op: 'ready' } | { op: 'done'; counts: Record<string, number>; ms: number } | { op: 'closed' } | { op: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('bench/purge-worker.ts runs as a worker thread of bench/purge.bench.ts');
const post = (m: PurgeWorkerOut) => port.postMessage(m);

// The job logs its counts through Nest's logger; the bench prints its own table on stdout.
Logger.overrideLogger(['error', 'warn']);

async function main(): Promise<void> {
  const config = loadConfig(workerData.env as NodeJS.ProcessEnv);
  const dbs = new RegionDatabases(config);
  // open() runs the (already applied) migrations and re-grants the app role, then opens its pools.
  await dbs.open();
  const job = new RetentionPurgeJob(
    dbs,
    new RetentionSettingsService(dbs),
    new SystemClock(),
    config,
    new TenantDirectory(dbs),
    new JobHeartbeats(dbs),
    new UploadStore(dbs),
    new PostgresMediaStore(dbs),
  );
  let busy = false;
  port!.on('message', (m: PurgeWorkerIn) => {
    if (m.op === 'run') {
      if (busy) return post({ op: 'error', message: 'a purge is already running' });
      busy = true;
      const t0 = performance.now();
      job
        .run()
        .then(
          (counts) => post({ op: 'done', counts, ms: performance.now() - t0 }),
          (err) => post({ op: 'error', message: (err as Error).stack ?? String(err) }),
        )
        .finally(() => (busy = false));
    } else if (m.op === 'close') {
      dbs.close().then(
        () => post({ op: 'closed' }),
        (err) => post({ op: 'error', message: `closing the pools: ${(err as Error).message}` }),
      );
    }
  });
  post({ op: 'ready' });
}

main().catch((err) => post({ op: 'error', message: (err as Error).stack ?? String(err) }));
