import { Global, Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { MetricsController } from './metrics.controller';
import { Metrics } from './metrics.service';
import { RuntimeGauges } from './runtime-gauges';

/** Prometheus metrics: the registry every module may count into, the scrape-time gauges, and GET /metrics. */
@Global()
@Module({
  imports: [EventsModule],
  controllers: [MetricsController],
  providers: [Metrics, RuntimeGauges],
  exports: [Metrics],
})
export class MetricsModule {}
