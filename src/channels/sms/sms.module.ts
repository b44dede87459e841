import { Module } from '@nestjs/common';
import { IngestModule } from '../../ingest/ingest.module';
import { TwilioWebhookController } from './twilio.webhook.controller';

/** SMS through Twilio: the per-channel webhook URLs (the adapter itself is in the channel registry). */
@Module({
  imports: [IngestModule],
  controllers: [TwilioWebhookController],
})
export class SmsModule {}
