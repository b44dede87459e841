import { Global, Module } from '@nestjs/common';
import { AuditLog } from './audit-log.store';

/** The tenants' append-only audit log, registered once for every module that records decisions. */
@Global()
@Module({
  providers: [AuditLog],
  exports: [AuditLog],
})
export class AuditModule {}
