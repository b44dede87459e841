import { Module } from '@nestjs/common';
import { CrmCoreModule } from './core/crm-core.module';
import { AmocrmModule } from './amocrm/amocrm.module';
import { Bitrix24Module } from './bitrix24/bitrix24.module';
import { YclientsModule } from './yclients/yclients.module';

/** CRM integrations: the shared core and one module per vendor. */
@Module({
  imports: [CrmCoreModule, YclientsModule, AmocrmModule, Bitrix24Module],
  exports: [CrmCoreModule],
})
export class CrmModule {}
