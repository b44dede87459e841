import { Module } from '@nestjs/common';
import { IngestModule } from '../../ingest/ingest.module';
import { ChannelsModule } from '../core/channels.module';
import { EmailAdapter } from './email.adapter';
import { EmailStore } from './email.store';
import { SmtpListener } from './smtp-listener';

/**
 * E-mail: the adapter, the inbound SMTP listener (started with the app when SMTP_PORT > 0) and
 * the store of threads and parts that both use.
 */
@Module({
  imports: [ChannelsModule, IngestModule],
  providers: [EmailAdapter, EmailStore, SmtpListener],
  exports: [SmtpListener],
})
export class EmailModule {}
