import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '../../libs/domain/src';
import { DomainEvents } from './domain-events.service';
import { EventFeed } from './event-feed.service';
import { EventLogStore } from './event-log.store';

/** Process-wide plumbing every module may use. */
@Global()
@Module({
  providers: [DomainEvents, EventFeed, EventLogStore, { provide: Clock, useClass: SystemClock }],
  exports: [DomainEvents, EventFeed, EventLogStore, Clock],
})
export class CommonModule {}
