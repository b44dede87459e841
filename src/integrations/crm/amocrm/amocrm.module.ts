import { Module } from '@nestjs/common';
import { CrmConnectorKinds } from '../core/crm-connector-kinds';
import { CrmCoreModule } from '../core/crm-core.module';
import { AmocrmKind, KommoKind } from './amocrm.kind';

/** amoCRM and its international edition Kommo. */
@Module({
  imports: [CrmCoreModule],
  providers: [AmocrmKind, KommoKind],
})
export class AmocrmModule {
  constructor(kinds: CrmConnectorKinds, amocrm: AmocrmKind, kommo: KommoKind) {
    kinds.register(amocrm);
    kinds.register(kommo);
  }
}
