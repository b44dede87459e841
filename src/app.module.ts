import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { AuditModule } from './audit/audit.module';
import { ChannelsModule } from './channels/core/channels.module';
import { EmailModule } from './channels/email/email.module';
import { InstagramModule } from './channels/instagram/instagram.module';
import { MessengerModule } from './channels/messenger/messenger.module';
import { SmsModule } from './channels/sms/sms.module';
import { TelegramModule } from './channels/telegram/telegram.module';
import { WebchatModule } from './channels/webchat/webchat.module';
import { WhatsAppModule } from './channels/whatsapp/whatsapp.module';
import { RouteInterceptor } from './common/route-interceptor';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { ConversationsModule } from './conversations/conversations.module';
import { CONVERSATION_ENTITIES } from './conversations/persistence/conversation.entities';
import { CryptoModule } from './crypto/crypto.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { IngestModule } from './ingest/ingest.module';
import { IntegrationsModule } from './integrations/integrations.module';
import { MailModule } from './mail/mail.module';
import { MediaModule } from './media/media.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PrivacyModule } from './privacy/privacy.module';
import { SandboxModule } from './sandbox/sandbox.module';
import type { SandboxPlatforms } from './sandbox/sandbox-platforms';
import { QueueModule } from './queue/queue.module';
import { SearchModule } from './search/search.module';
import { TENANCY_ENTITIES } from './tenancy/tenancy.entities';
import { TenancyModule } from './tenancy/tenancy.module';
import { TeamsModule } from './teams/teams.module';
import { AssignmentModule } from './assignment/assignment.module';
import { BusinessHoursModule } from './business-hours/business-hours.module';
import { ReportsModule } from './reports/reports.module';
import { CsatModule } from './csat/csat.module';

@Module({})
export class AppModule {
  /** Composition root: the validated config is the input, and the simulated platforms when the sandbox runs. */
  static register(config: AppConfig, opts: { sandbox?: SandboxPlatforms } = {}): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        // The platform every feature stands on.
        CommonModule,
        DatabaseModule.forRoot({ entities: [...TENANCY_ENTITIES, ...CONVERSATION_ENTITIES] }),
        CryptoModule,
        QueueModule,
        AuditModule,
        MailModule,
        MediaModule,
        // Features.
        NotificationsModule,
        TenancyModule,
        TeamsModule,
        ConversationsModule,
        AssignmentModule,
        BusinessHoursModule,
        ReportsModule,
        CsatModule,
        SearchModule,
        IngestModule,
        PrivacyModule,
        IntegrationsModule,
        EventsModule,
        HealthModule,
        MetricsModule,
        DashboardModule,
        SandboxModule.register(opts.sandbox),
        // Channel kinds: one module each (it provides the kind's adapter); a new kind is one line here.
        ChannelsModule,
        MessengerModule,
        InstagramModule,
        WhatsAppModule,
        TelegramModule,
        SmsModule,
        EmailModule,
        WebchatModule,
      ],
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        { provide: APP_INTERCEPTOR, useClass: RouteInterceptor },
      ],
      exports: [AppConfig],
    };
  }
}
