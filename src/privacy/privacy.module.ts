import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ChannelsModule } from '../channels/core/channels.module';
import { CrmCoreModule } from '../integrations/crm/core/crm-core.module';
import { AuditLogController } from './audit-log.controller';
import { DeletionRequestStore } from './deletion-request.store';
import { DeletionRequestsService } from './deletion-requests.service';
import { DeletionStatusController } from './deletion-status.controller';
import { ErasureService } from './erasure.service';
import { ExportService } from './export.service';
import { ExportsController } from './exports.controller';
import { MetaDeletionService } from './meta-deletion.service';
import { MetaIdMatchesStore } from './meta-id-matches.store';
import { MetaIdMatching } from './meta-id-matching';
import { MetaMatchingWorker } from './meta-matching.worker';
import { MetaPrivacyController } from './meta-privacy.controller';
import { PrivacyRequestsController } from './privacy-requests.controller';
import { PurposeGuard } from './purpose.guard';
import { SealedSubjects } from './sealed-subjects';
import { RetentionPurgeJob } from './retention-purge.job';
import { RetentionSettingsService } from './retention-settings.service';
import { RetentionController } from './retention.controller';
import { SubprocessorsController } from './subprocessors.controller';
import { TenantTerminationService } from './tenant-termination.service';
import { TenantTerminationWorker } from './tenant-termination.worker';

/** Deletion, retention and the other promises of the privacy policy, as behaviour. */
@Module({
  imports: [ScheduleModule.forRoot(), ChannelsModule, CrmCoreModule],
  controllers: [
    RetentionController,
    MetaPrivacyController,
    DeletionStatusController,
    PrivacyRequestsController,
    SubprocessorsController,
    ExportsController,
    AuditLogController,
  ],
  providers: [
    RetentionSettingsService,
    RetentionPurgeJob,
    ErasureService,
    DeletionRequestStore,
    DeletionRequestsService,
    MetaIdMatching,
    MetaIdMatchesStore,
    MetaDeletionService,
    MetaMatchingWorker,
    SealedSubjects,
    ExportService,
    TenantTerminationService,
    TenantTerminationWorker,
    PurposeGuard,
  ],
  exports: [RetentionPurgeJob, DeletionRequestsService, TenantTerminationWorker, MetaMatchingWorker, SealedSubjects],
})
export class PrivacyModule {}
