import { Module, OnModuleInit } from '@nestjs/common';
import { IngestModule } from '../../ingest/ingest.module';
import { ChannelAdapters } from '../channel-adapter';
import { ChannelsModule } from '../channels.module';
import { EmailGateway } from './email.gateway';
import { EmailStore } from './email.store';
import { SmtpListener } from './smtp-listener';

/**
 * E-mail: the inbound SMTP listener (started with the app when SMTP_PORT > 0) and the thread
 * store the gateway reads when it sends (the adapter itself is in the channel registry, built
 * from the config alone, so its gateway gets the store here).
 */
@Module({
  imports: [ChannelsModule, IngestModule],
  providers: [EmailStore, SmtpListener],
  exports: [EmailStore, SmtpListener],
})
export class EmailModule implements OnModuleInit {
  constructor(
    private readonly adapters: ChannelAdapters,
    private readonly store: EmailStore,
  ) {}

  onModuleInit(): void {
    const gateway = this.adapters.all().find((a) => a.kind === 'email')?.gateway;
    if (gateway instanceof EmailGateway) gateway.useThreads(this.store);
  }
}
