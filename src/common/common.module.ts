import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '../../libs/domain/src';
import { AuditLog } from '../privacy/audit-log';
import { DomainEvents } from './domain-events';
import { WorkSignal } from './work-signal';

/** Process-wide plumbing every module may use. */
@Global()
@Module({
  providers: [DomainEvents, WorkSignal, AuditLog, { provide: Clock, useClass: SystemClock }],
  exports: [DomainEvents, WorkSignal, AuditLog, Clock],
})
export class CommonModule {}
