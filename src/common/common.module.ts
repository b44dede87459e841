import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '../../libs/domain/src';
import { DomainEvents } from './domain-events.service';

/** Process-wide plumbing every module may use. */
@Global()
@Module({
  providers: [DomainEvents, { provide: Clock, useClass: SystemClock }],
  exports: [DomainEvents, Clock],
})
export class CommonModule {}
