import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { CONVERSATION_STATUSES, MESSAGE_STATUSES } from '../../libs/domain/src';
import { MessageErrorResponse } from '../conversations/message.responses.dto';
import { PRIORITIES } from '../conversations/triage.store';
import { SatisfactionResponse } from '../conversations/triage.dto';
import { NotificationResponse } from '../notifications/notifications.controller';

/*
 * The events the live stream (/api/events) and outgoing webhooks carry, as schemas: openapi.json
 * lists them under components.schemas and `x-webhooks`, and the e2e suites that receive them
 * validate each one (test/support/api-contract.ts). A field added to an event without its
 * schema fails those tests.
 */

const CHANNEL_STATUSES = ['active', 'revoked', 'disconnected'];

export class MessageCreatedData {
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: string;
  @ApiPropertyOptional({ enum: [true], description: 'An automatic answer (an e-mail vacation reply): stored without reopening the conversation' })
  autoReply?: true;
}

export class MessageStatusData {
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) messageId: string;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status: string;
  @ApiProperty({ type: MessageErrorResponse, nullable: true }) error: MessageErrorResponse | null;
}

/** Only what changed is present, besides the id. */
export class ConversationUpdatedData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES }) status?: string;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) assigneeId?: string | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true }) teamId?: string | null;
  @ApiPropertyOptional({ enum: PRIORITIES, nullable: true }) priority?: string | null;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'The label ids it now has' }) labels?: string[];
  @ApiPropertyOptional({ format: 'uuid', description: 'The contact it now belongs to (after a merge)' }) contactId?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
    description: 'Its custom attributes, all of them',
  })
  customAttributes?: Record<string, string | number>;
  @ApiPropertyOptional({
    type: SatisfactionResponse,
    description: 'Its latest satisfaction survey, when one was asked in it or rated (as `satisfaction` on GET /api/conversations/{id})',
  })
  satisfaction?: SatisfactionResponse;
}

export class ChannelUpdatedData {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CHANNEL_STATUSES }) status: string;
}

/** The event names and the schema of each one's `data` on the live stream. */
export const EVENT_DATA = {
  'message.created': MessageCreatedData,
  'message.status': MessageStatusData,
  'conversation.updated': ConversationUpdatedData,
  'notification.created': NotificationResponse,
  'channel.updated': ChannelUpdatedData,
} as const;
export type EventType = keyof typeof EVENT_DATA;

// What a webhook adds to the stream's data: the subject as it is when the delivery is recorded.

class WebhookChannel {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'whatsapp' }) kind: string;
  @ApiProperty() name: string;
}

class WebhookChannelWithStatus extends WebhookChannel {
  @ApiProperty({ enum: CHANNEL_STATUSES }) status: string;
}

class WebhookContact {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) displayName: string | null;
}

class WebhookConversation {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: CONVERSATION_STATUSES }) status: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeId: string | null;
}

class WebhookConversationWithActivity extends WebhookConversation {
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastMessageAt: string | null;
}

class WebhookAttachment {
  @ApiProperty({ example: 'image' }) type: string;
  @ApiProperty({ type: String, nullable: true }) url: string | null;
  @ApiProperty({ type: String, nullable: true }) mimeType: string | null;
  @ApiProperty({ type: String, nullable: true }) name: string | null;
}

class WebhookMessage {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: string;
  @ApiProperty({ type: String, nullable: true }) text: string | null;
  @ApiProperty({ type: [WebhookAttachment] }) attachments: WebhookAttachment[];
  @ApiProperty({ enum: MESSAGE_STATUSES, nullable: true }) status: string | null;
  @ApiProperty({ type: MessageErrorResponse, nullable: true }) error: MessageErrorResponse | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The agent who wrote it' }) authorId: string | null;
  @ApiProperty() deleted: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) createdAt: string | null;
}

class WebhookMessageSubject {
  @ApiProperty({ type: WebhookMessage }) message: WebhookMessage;
  @ApiProperty({ type: WebhookConversation }) conversation: WebhookConversation;
  @ApiProperty({ type: WebhookContact }) contact: WebhookContact;
  @ApiProperty({ type: WebhookChannel }) channel: WebhookChannel;
}

class WebhookConversationSubject {
  @ApiProperty({ type: WebhookConversationWithActivity }) conversation: WebhookConversationWithActivity;
  @ApiProperty({ type: WebhookContact }) contact: WebhookContact;
  @ApiProperty({ type: WebhookChannel }) channel: WebhookChannel;
}

class WebhookChannelSubject {
  @ApiProperty({ type: WebhookChannelWithStatus }) channel: WebhookChannelWithStatus;
}

export class WebhookMessageCreatedData extends IntersectionType(WebhookMessageSubject, MessageCreatedData) {}
export class WebhookMessageStatusData extends IntersectionType(WebhookMessageSubject, MessageStatusData) {}
export class WebhookConversationUpdatedData extends IntersectionType(WebhookConversationSubject, ConversationUpdatedData) {}
export class WebhookChannelUpdatedData extends IntersectionType(WebhookChannelSubject, ChannelUpdatedData) {}

/** The schema of each event type's `data` in a webhook body. */
export const WEBHOOK_DATA = {
  'message.created': WebhookMessageCreatedData,
  'message.status': WebhookMessageStatusData,
  'conversation.updated': WebhookConversationUpdatedData,
  'notification.created': NotificationResponse,
  'channel.updated': WebhookChannelUpdatedData,
} as const satisfies Record<EventType, unknown>;

const pascal = (type: string) => type.replace(/(^|\.)([a-z])/g, (_m, _dot, c: string) => c.toUpperCase());
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

type Doc = { components?: { schemas?: Record<string, unknown> }; [extension: `x-${string}`]: unknown };

/**
 * Adds the envelopes to a document whose components already hold the data schemas (listed as
 * extraModels): `AgentEvent` (one frame's data on /api/events; `AgentStreamReset` for an
 * `event: reset`), `WebhookEvent` (a webhook body), one schema per event type of each, and
 * `x-webhooks` naming the POST a subscription receives for each type (OpenAPI 3.0 has no
 * `webhooks` section: this is the extension documentation tools read in its place).
 */
export function addEventSchemas(doc: Doc): void {
  const schemas = (doc.components ??= {}).schemas ?? (doc.components.schemas = {});
  const agentEvents: string[] = [];
  const webhookEvents: string[] = [];
  const hooks: Record<string, unknown> = {};
  for (const type of Object.keys(EVENT_DATA) as EventType[]) {
    const name = pascal(type);
    schemas[`${name}AgentEvent`] = {
      type: 'object',
      required: ['id', 'type', 'at', 'data'],
      properties: {
        id: { type: 'string', description: "The stream's event id (send it back as Last-Event-ID)" },
        type: { type: 'string', enum: [type] },
        at: { type: 'string', format: 'date-time' },
        data: ref(EVENT_DATA[type].name),
      },
    };
    schemas[`${name}WebhookEvent`] = {
      type: 'object',
      required: ['id', 'type', 'createdAt', 'tenantId', 'data'],
      properties: {
        id: { type: 'string', format: 'uuid', description: 'The event id: the same for every subscription, and on redelivery (deduplicate on it)' },
        type: { type: 'string', enum: [type] },
        createdAt: { type: 'string', format: 'date-time' },
        tenantId: { type: 'string', format: 'uuid' },
        data: ref(WEBHOOK_DATA[type].name),
      },
    };
    agentEvents.push(`${name}AgentEvent`);
    webhookEvents.push(`${name}WebhookEvent`);
    hooks[type] = {
      post: {
        summary: `${type}, POSTed to each subscription that asked for it`,
        description: 'Signed: verify the X-MonkeyMachine-Signature header before trusting the body. Answer 2xx; anything else is retried.',
        requestBody: { required: true, content: { 'application/json': { schema: ref(`${name}WebhookEvent`) } } },
        responses: { '200': { description: 'Received (any 2xx)' } },
      },
    };
  }
  schemas.AgentEvent = { oneOf: agentEvents.map(ref) };
  schemas.AgentStreamReset = {
    type: 'object',
    required: ['reason'],
    properties: { reason: { type: 'string', enum: ['unknown_event_id', 'events_evicted'] } },
    description: "An `event: reset` frame's data: events may have been missed; refetch over REST",
  };
  schemas.WebhookEvent = { oneOf: webhookEvents.map(ref) };
  doc['x-webhooks'] = hooks;
}

/** Every data schema, for the document's extraModels. */
export const EVENT_MODELS = [...new Set([...Object.values(EVENT_DATA), ...Object.values(WEBHOOK_DATA)])];
