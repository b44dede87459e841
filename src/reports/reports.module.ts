import { Module } from '@nestjs/common';
import { ReportsController } from './reports.controller';
import { ReportsStore } from './reports.store';

/** Reports over conversations and messages, computed from their stored timestamps. */
@Module({
  controllers: [ReportsController],
  providers: [ReportsStore],
})
export class ReportsModule {}
