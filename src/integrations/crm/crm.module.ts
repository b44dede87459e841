import { Module } from '@nestjs/common';
import { CrmCoreModule } from './core/crm-core.module';
import { YclientsModule } from './yclients/yclients.module';

/** CRM integrations: the shared core and one module per vendor. */
@Module({
  imports: [CrmCoreModule, YclientsModule],
  exports: [CrmCoreModule],
})
export class CrmModule {}
