import { Module } from '@nestjs/common';
import { CrmConnectorKinds } from '../core/crm-connector-kinds';
import { CrmCoreModule } from '../core/crm-core.module';
import { Bitrix24Kind } from './bitrix24.kind';

/** Bitrix24. */
@Module({
  imports: [CrmCoreModule],
  providers: [Bitrix24Kind],
})
export class Bitrix24Module {
  constructor(kinds: CrmConnectorKinds, bitrix: Bitrix24Kind) {
    kinds.register(bitrix);
  }
}
