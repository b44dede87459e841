import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { APPOINTMENT_STATUSES, DEAL_STATUSES } from '../../libs/domain/src';
import { PROCESSING_PURPOSES } from '../../libs/policy/src';
import { INTEGRATION_EVENT_TYPES } from './core/event-subject';

// Response bodies of the integrations API (webhook subscriptions, CRMs): the whitelists of what is
// serialised; secrets and credentials are write-only, shown once where the text says so.

export class WebhookSubscriptionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'https://hooks.zapier.com/hooks/catch/123/abc' }) url: string;
  @ApiProperty({ enum: INTEGRATION_EVENT_TYPES, isArray: true, example: ['message.created'] }) events: string[];
  @ApiProperty({ enum: PROCESSING_PURPOSES }) purpose: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy: string | null;
  @ApiProperty() createdAt: Date;
}

export class CreatedWebhookSubscriptionResponse extends WebhookSubscriptionResponse {
  @ApiProperty({ description: 'The signing secret (whsec_…): shown only in this answer', example: 'whsec_9f8e…' }) secret: string;
}

export class WebhookSubscriptionListResponse {
  @ApiProperty({ type: [WebhookSubscriptionResponse] }) items: WebhookSubscriptionResponse[];
}

export class DeletedResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['deleted'] }) status: string;
}

export class WebhookDeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ enum: INTEGRATION_EVENT_TYPES }) eventType: string;
  @ApiProperty({ type: String, nullable: true, description: "The data's origin (the channel kind it came from)" }) origin: string | null;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed', 'withheld', 'skipped'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: Number, nullable: true }) responseCode: number | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: Date, nullable: true }) lastAttemptAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) nextAttemptAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) completedAt: Date | null;
}

export class WebhookDeliveryPageResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] }) items: WebhookDeliveryResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class IntegrationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'yclients' }) kind: string;
  @ApiProperty({ example: 'Salon YCLIENTS' }) name: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The settings (never the credentials)' }) config: Record<string, unknown>;
  @ApiProperty({ enum: ['pending_authorization', 'active', 'paused', 'disconnected'] }) status: string;
  @ApiProperty({ type: String, nullable: true }) statusReason: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiProperty({ type: Date, nullable: true }) disconnectedAt: Date | null;
}

export class CreatedIntegrationResponse extends IntegrationResponse {
  @ApiProperty({ description: "Configure it as the CRM's webhook; shown only in this answer" }) webhookUrl: string;
  @ApiPropertyOptional({ description: 'amoCRM/Kommo with {clientSecret}: where the Customer authorizes the integration' }) authorizeUrl?: string;
}

export class IntegrationListResponse {
  @ApiProperty({ type: [IntegrationResponse] }) items: IntegrationResponse[];
}

export class IntegrationDataDeletedResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['deleted', 'data_deleted'], description: 'deleted: the disconnected integration went with its data' }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Rows deleted, per kind of record' }) counts: Record<string, number>;
}

export class IntegrationSyncResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['started', 'running'] }) status: string;
}

export class SyncCountsResponse {
  @ApiProperty() fetched: number;
  @ApiProperty() written: number;
  @ApiProperty() tombstoned: number;
}

export class EntitySyncStatusResponse {
  @ApiProperty({ example: 'clients' }) entity: string;
  @ApiProperty({ type: Date, nullable: true }) cursor: Date | null;
  @ApiProperty() passInProgress: boolean;
  @ApiProperty({ type: Date, nullable: true }) lastRunAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) lastSuccessAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) lastFullPassAt: Date | null;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty({ type: SyncCountsResponse }) counts: SyncCountsResponse;
  @ApiProperty({ type: Date, nullable: true }) nextRunAt: Date | null;
}

export class IntegrationStatusResponse extends IntegrationResponse {
  @ApiProperty({ type: [EntitySyncStatusResponse] }) entities: EntitySyncStatusResponse[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', required: ['live', 'deleted'], properties: { live: { type: 'integer' }, deleted: { type: 'integer' } } },
    description: 'Records held, per entity: live, and deleted in the CRM (tombstones)',
  })
  records: Record<string, { live: number; deleted: number }>;
}

export class CrmIntegrationRefResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() kind: string;
}

export class CrmClientResponse {
  @ApiProperty() externalId: string;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ type: String, nullable: true, example: '+79161234567' }) phone: string | null;
  @ApiProperty({ type: String, nullable: true }) email: string | null;
  @ApiProperty({ type: Date, nullable: true }) remoteUpdatedAt: Date | null;
}

export class CrmAppointmentServiceResponse {
  @ApiProperty() externalId: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: Number, nullable: true }) cost: number | null;
}

export class CrmAppointmentResponse {
  @ApiProperty() externalId: string;
  @ApiProperty() startsAt: Date;
  @ApiProperty({ type: Number, nullable: true }) durationSeconds: number | null;
  @ApiProperty({ type: [CrmAppointmentServiceResponse] }) services: CrmAppointmentServiceResponse[];
  @ApiProperty({ type: String, nullable: true }) staffName: string | null;
  @ApiProperty({ type: Number, nullable: true }) amount: number | null;
  @ApiProperty({ enum: APPOINTMENT_STATUSES }) status: string;
}

export class CrmDealResponse {
  @ApiProperty() externalId: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: Number, nullable: true }) amount: number | null;
  @ApiProperty({ type: String, nullable: true }) currency: string | null;
  @ApiProperty({ type: String, nullable: true }) stage: string | null;
  @ApiProperty({ enum: DEAL_STATUSES }) status: string;
  @ApiProperty({ type: Date, nullable: true }) remoteUpdatedAt: Date | null;
}

export class CrmLinkedClientResponse {
  @ApiProperty({ type: CrmIntegrationRefResponse }) integration: CrmIntegrationRefResponse;
  @ApiProperty({ enum: ['phone', 'email', 'push'] }) matchedBy: string;
  @ApiProperty({ type: CrmClientResponse }) client: CrmClientResponse;
  @ApiProperty({ type: [CrmAppointmentResponse] }) upcomingAppointments: CrmAppointmentResponse[];
  @ApiProperty({ type: [CrmDealResponse] }) recentDeals: CrmDealResponse[];
}

export class CrmLinkedClientListResponse {
  @ApiProperty({ type: [CrmLinkedClientResponse] }) items: CrmLinkedClientResponse[];
}
