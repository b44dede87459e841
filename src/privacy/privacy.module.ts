import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { RetentionController } from './retention.controller';
import { RetentionPurgeJob } from './retention-purge.job';
import { RetentionSettingsService } from './retention-settings.service';

/** Deletion, retention and the other promises of the privacy policy, as behaviour. */
@Module({
  imports: [ScheduleModule.forRoot()],
  controllers: [RetentionController],
  providers: [RetentionSettingsService, RetentionPurgeJob],
  exports: [RetentionPurgeJob],
})
export class PrivacyModule {}
