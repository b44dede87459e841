import { Module } from '@nestjs/common';
import { CrmConnectorKinds } from '../core/crm-connector-kinds';
import { CrmCoreModule } from '../core/crm-core.module';
import { AltegioKind, YclientsKind } from './yclients.kind';

/** YCLIENTS and its international edition Altegio. */
@Module({
  imports: [CrmCoreModule],
  providers: [YclientsKind, AltegioKind],
})
export class YclientsModule {
  constructor(kinds: CrmConnectorKinds, yclients: YclientsKind, altegio: AltegioKind) {
    kinds.register(yclients);
    kinds.register(altegio);
  }
}
