import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ChannelsModule } from '../channels/channels.module';
import { DeletionRequestsService } from './deletion-requests.service';
import { DeletionStatusController } from './deletion-status.controller';
import { ErasureService } from './erasure.service';
import { MetaPrivacyController } from './meta-privacy.controller';
import { PrivacyRequestsController } from './privacy-requests.controller';
import { RetentionController } from './retention.controller';
import { SubprocessorsController } from './subprocessors.controller';
import { ExportService } from './export.service';
import { PurposeGuard } from './purpose.guard';
import { TenantTerminationService } from './tenant-termination.service';
import { TenantTerminationWorker } from './tenant-termination.worker';
import { JobQueue } from '../ingest/job-queue';
import { ExportsController } from './exports.controller';
import { RetentionPurgeJob } from './retention-purge.job';
import { RetentionSettingsService } from './retention-settings.service';

/** Deletion, retention and the other promises of the privacy policy, as behaviour. */
@Module({
  imports: [ScheduleModule.forRoot(), ChannelsModule],
  controllers: [RetentionController, MetaPrivacyController, DeletionStatusController, PrivacyRequestsController, SubprocessorsController, ExportsController],
  providers: [RetentionSettingsService, RetentionPurgeJob, ErasureService, DeletionRequestsService, ExportService, TenantTerminationService, TenantTerminationWorker, JobQueue, PurposeGuard],
  exports: [RetentionPurgeJob, DeletionRequestsService, TenantTerminationWorker],
})
export class PrivacyModule {}
