import { Module } from '@nestjs/common';
import { IngestModule } from '../../ingest/ingest.module';
import { TelegramWebhookController } from './telegram.webhook.controller';

/** Telegram bots: the per-channel webhook URL (the adapter itself is in the channel registry). */
@Module({
  imports: [IngestModule],
  controllers: [TelegramWebhookController],
})
export class TelegramModule {}
