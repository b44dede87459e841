import { Module } from '@nestjs/common';
import { MetaModule } from '../meta/meta.module';
import { WhatsAppAdapter } from './whatsapp.adapter';

/** WhatsApp Business (Cloud API): one phone number per channel, through the shared Meta app. */
@Module({ imports: [MetaModule], providers: [WhatsAppAdapter] })
export class WhatsAppModule {}
