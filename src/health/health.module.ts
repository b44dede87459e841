import { Module } from '@nestjs/common';
import { PrivacyModule } from '../privacy/privacy.module';
import { HealthController, HealthDetailsGuard } from './health.controller';

/** GET /health: the regions' databases, and the jobs and deadlines an operator must not miss. */
@Module({
  imports: [PrivacyModule],
  controllers: [HealthController],
  providers: [HealthDetailsGuard],
})
export class HealthModule {}
