import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { HealthController } from './common/health.controller';
import { AppConfig } from './config/app-config';
import { ConversationsModule } from './conversations/conversations.module';
import { DatabaseModule } from './database/database.module';
import { TenancyModule } from './tenancy/tenancy.module';

@Module({})
export class AppModule {
  /** Composition root: the validated config is the one input. */
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [DatabaseModule, TenancyModule, ConversationsModule],
      controllers: [HealthController],
      providers: [{ provide: AppConfig, useValue: config }, { provide: APP_FILTER, useClass: ApiExceptionFilter }],
      exports: [AppConfig],
    };
  }
}
