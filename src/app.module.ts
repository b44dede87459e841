import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { HealthController, HealthDetailsGuard } from './common/health.controller';
import { AppConfig } from './config/app-config';
import { ConversationsModule } from './conversations/conversations.module';
import { DatabaseModule } from './database/database.module';
import { TenancyModule } from './tenancy/tenancy.module';
import { CommonModule } from './common/common.module';
import { IngestModule } from './ingest/ingest.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PrivacyModule } from './privacy/privacy.module';
import { WebchatModule } from './channels/webchat/webchat.module';
import { EventsModule } from './events/events.module';
import { SmsModule } from './channels/sms/sms.module';
import { EmailModule } from './channels/email/email.module';
import { TelegramModule } from './channels/telegram/telegram.module';
import { WebhooksOutModule } from './webhooks-out/webhooks-out.module';

@Module({})
export class AppModule {
  /** Composition root: the validated config is the one input. */
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [CommonModule, DatabaseModule, NotificationsModule, TenancyModule, ConversationsModule, IngestModule, PrivacyModule, WebhooksOutModule, SmsModule, TelegramModule, EmailModule, EventsModule, WebchatModule],
      controllers: [HealthController],
      providers: [{ provide: AppConfig, useValue: config }, { provide: APP_FILTER, useClass: ApiExceptionFilter }, HealthDetailsGuard],
      exports: [AppConfig],
    };
  }
}
