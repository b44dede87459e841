import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';
import { DashboardFiles } from './dashboard-files';

@Module({
  controllers: [DashboardController],
  providers: [{ provide: DashboardFiles, useFactory: () => new DashboardFiles() }],
})
export class DashboardModule {}
