import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONVERSATION_STATUSES, MESSAGE_STATUSES } from '../../libs/domain/src';
import { CONSENT_PURPOSES } from './consent.service';

// Response bodies of messages, notes, plain conversations and consents: the whitelists of what is serialised.

export class AttachmentResponse {
  @ApiProperty({ enum: ['image', 'video', 'audio', 'file', 'location', 'other'] }) type: string;
  @ApiPropertyOptional({ description: 'Where the platform serves it (fetch it through the attachments route)' }) url?: string;
  @ApiPropertyOptional({ example: 'image/jpeg' }) mimeType?: string;
  @ApiPropertyOptional({ example: 'invoice.pdf' }) name?: string;
  @ApiPropertyOptional({ description: 'The platform reference kept for lazy download (a WhatsApp media id, say)' }) ref?: string;
  @ApiPropertyOptional() sha256?: string;
}

export class MessageErrorResponse {
  @ApiProperty({ type: String, nullable: true, description: "The platform's or the sender's code for the failure" }) code: string | null;
  @ApiProperty({ type: String, nullable: true }) text: string | null;
}

export class ReactionResponse {
  @ApiProperty({ enum: ['contact'] }) by: 'contact';
  @ApiProperty({ type: String, nullable: true, example: '👍', description: 'null: the reaction was taken back' }) emoji: string | null;
}

export class MessageVersionResponse {
  @ApiProperty({ type: String, nullable: true }) text: string | null;
  @ApiProperty({ type: [AttachmentResponse] }) attachments: AttachmentResponse[];
  @ApiProperty() at: Date;
}

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: 'inbound' | 'outbound';
  @ApiProperty({ type: String, nullable: true, example: 'Your order ships today.' }) text: string | null;
  @ApiProperty({ type: [AttachmentResponse] }) attachments: AttachmentResponse[];
  @ApiProperty({ enum: MESSAGE_STATUSES, nullable: true, description: 'Delivery of what we send; null for inbound messages', example: 'queued' })
  status: string | null;
  @ApiProperty({ type: MessageErrorResponse, nullable: true }) error: MessageErrorResponse | null;
  @ApiProperty({ type: String, nullable: true, description: "The platform's id of the message" }) externalId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) authorId: string | null;
  @ApiProperty({ type: String, nullable: true }) replyToExternalId: string | null;
  @ApiProperty({ type: [ReactionResponse] }) reactions: ReactionResponse[];
  @ApiProperty({ type: Date, nullable: true, description: 'Deleted by its sender' }) deletedAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) editedAt: Date | null;
  @ApiProperty({ type: [MessageVersionResponse], description: 'Earlier versions, oldest first' }) edits: MessageVersionResponse[];
  @ApiProperty() sentAt: Date;
  @ApiProperty() createdAt: Date;
}

export class MessagePageResponse {
  @ApiProperty({ type: [MessageResponse] }) items: MessageResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class NoteResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty({ example: 'Customer asked for a refund; waiting for finance.' }) text: string;
  @ApiProperty() createdAt: Date;
}

export class NoteListResponse {
  @ApiProperty({ type: [NoteResponse] }) items: NoteResponse[];
}

export class ConversationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) contactId: string;
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ enum: CONVERSATION_STATUSES }) status: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeId: string | null;
  @ApiProperty() lastMessageAt: Date;
  @ApiProperty({ type: Date, nullable: true }) lastInboundAt: Date | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ConversationPageResponse {
  @ApiProperty({ type: [ConversationResponse] }) items: ConversationResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ConsentResponse {
  @ApiProperty({ enum: CONSENT_PURPOSES }) purpose: string;
  @ApiProperty() granted: boolean;
  @ApiProperty({ example: 'website_form' }) source: string;
  @ApiProperty() recordedAt: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) recordedBy: string | null;
}

export class ConsentListResponse {
  @ApiProperty({ type: [ConsentResponse] }) items: ConsentResponse[];
}
