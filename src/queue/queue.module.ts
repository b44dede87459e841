import { Global, Module } from '@nestjs/common';
import { JobHeartbeats } from './job-heartbeats.store';
import { JobQueue } from './job-queue.service';
import { WorkSignal } from './work-signal.service';

/** The regions' work queue and its wake-up signal: registered once, for every worker of the app. */
@Global()
@Module({
  providers: [JobQueue, WorkSignal, JobHeartbeats],
  exports: [JobQueue, WorkSignal, JobHeartbeats],
})
export class QueueModule {}
