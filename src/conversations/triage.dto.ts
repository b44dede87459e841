import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsObject, IsOptional, IsUUID, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { CONVERSATION_STATUSES, ConversationStatus } from '../../libs/domain/src';
import { DisplayName } from '../common/display-name';
import { CustomAttributesResponse } from './attribute-definitions.dto';
import { MAX_LABELS_PER_CONVERSATION } from './labels.service';
import { MessageResponse } from './message.responses.dto';
import { PRIORITIES, Priority } from './triage.store';

export const COLOUR = /^#[0-9a-fA-F]{6}$/;

export class CreateLabelDto {
  @ApiProperty({ example: 'billing', maxLength: 50 })
  @DisplayName(50)
  name: string;

  @ApiProperty({ example: '#1f77b4', description: '#rrggbb' })
  @Matches(COLOUR, { message: 'colour must be #rrggbb' })
  colour: string;
}

export class UpdateLabelDto {
  @ApiPropertyOptional({ maxLength: 50 })
  @ValidateIf((_, v) => v !== undefined)
  @DisplayName(50)
  name?: string;

  @ApiPropertyOptional({ description: '#rrggbb' })
  @ValidateIf((_, v) => v !== undefined)
  @Matches(COLOUR, { message: 'colour must be #rrggbb' })
  colour?: string;
}

export class PutConversationLabelsDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    maxItems: MAX_LABELS_PER_CONVERSATION,
    description: 'The labels the conversation carries from now on (empty: none)',
  })
  @IsArray()
  @ArrayMaxSize(MAX_LABELS_PER_CONVERSATION)
  @IsUUID('all', { each: true })
  labelIds: string[];
}

export class CountsQueryDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES, default: 'open', description: 'The status that all, mine, mineUnread and unassigned count in' })
  @IsOptional()
  @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;
}

export class MarkReadDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Read up to this message of the conversation (default: up to its newest)' })
  @IsOptional()
  @IsUUID()
  messageId?: string;
}

export class BulkSetDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @ValidateIf((_, v) => v !== undefined)
  @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;

  @ApiPropertyOptional({ nullable: true, format: 'uuid', description: 'null unassigns' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  assigneeId?: string | null;

  @ApiPropertyOptional({ enum: PRIORITIES, nullable: true, description: 'null clears it' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsIn(PRIORITIES)
  priority?: Priority | null;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Replaces the labels of each conversation' })
  @ValidateIf((_, v) => v !== undefined)
  @IsArray()
  @ArrayMaxSize(MAX_LABELS_PER_CONVERSATION)
  @IsUUID('all', { each: true })
  labelIds?: string[];
}

export class BulkUpdateDto {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  ids: string[];

  @ApiProperty({ type: BulkSetDto })
  @IsObject()
  @ValidateNested()
  @Type(() => BulkSetDto)
  set: BulkSetDto;
}

// ---------------------------------------------------------------------------------------------
// Responses (documentation; the mappers in triage.responses.ts are the whitelists).

export class LabelResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: '#1f77b4' }) colour: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class LabelListResponse {
  @ApiProperty({ type: [LabelResponse] }) items: LabelResponse[];
}

export class LabelRefResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() colour: string;
}

export class LabelRefListResponse {
  @ApiProperty({ type: [LabelRefResponse] }) items: LabelRefResponse[];
}

export class ContactRefResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) displayName: string | null;
}

export class LastMessageResponse {
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: 'inbound' | 'outbound';
  @ApiProperty({ type: String, nullable: true, description: 'The first 140 characters; null for a message without text or deleted by its sender' }) text:
    string | null;
  @ApiProperty() at: Date;
}

export class CrmSummaryResponse {
  @ApiProperty({ description: 'CRM clients linked to the contact (by phone, e-mail or a push)' }) linkedClients: number;
  @ApiProperty({ type: String, nullable: true, description: "A linked client's name in the CRM" }) name: string | null;
  @ApiProperty({ type: Date, nullable: true, description: 'The next appointment not cancelled, if any' }) nextAppointmentAt: Date | null;
  @ApiProperty({ description: 'Open deals or orders' }) openDeals: number;
}

export class ConversationViewResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) contactId: string;
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ enum: CONVERSATION_STATUSES }) status: ConversationStatus;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The team whose queue it is in' }) teamId: string | null;
  @ApiProperty({ enum: PRIORITIES, nullable: true }) priority: Priority | null;
  @ApiProperty({ type: Date, nullable: true, description: 'When a snoozed conversation reopens by itself (null: until the contact writes)' })
  snoozedUntil: Date | null;
  @ApiProperty() lastMessageAt: Date;
  @ApiProperty({ type: Date, nullable: true }) lastInboundAt: Date | null;
  @CustomAttributesResponse() customAttributes: Record<string, string | number>;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiProperty({ type: ContactRefResponse }) contact: ContactRefResponse;
  @ApiProperty({ type: LastMessageResponse, nullable: true }) lastMessage: LastMessageResponse | null;
  @ApiProperty({ type: String, nullable: true, description: "E-mail: the subject of the contact's latest message; null on channels without subjects" })
  subject: string | null;
  @ApiProperty({ description: 'Inbound messages the caller has not read, counted up to 100' }) unreadCount: number;
  @ApiProperty({ type: [LabelRefResponse] }) labels: LabelRefResponse[];
  @ApiProperty({
    type: CrmSummaryResponse,
    nullable: true,
    description: "The contact in the organization's CRM, in short (GET /api/contacts/{id}/crm has it all); null when not linked",
  })
  crm: CrmSummaryResponse | null;
}

export class ConversationViewPageResponse {
  @ApiProperty({ type: [ConversationViewResponse] }) items: ConversationViewResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class StatusCountsResponse {
  @ApiProperty() open: number;
  @ApiProperty() pending: number;
  @ApiProperty() snoozed: number;
  @ApiProperty() resolved: number;
}

export class ConversationCountsResponse {
  @ApiProperty({ type: StatusCountsResponse }) byStatus: StatusCountsResponse;
  @ApiProperty({ enum: CONVERSATION_STATUSES }) status: ConversationStatus;
  @ApiProperty({ description: 'Conversations in `status`' }) all: number;
  @ApiProperty({ description: 'Of those, assigned to the caller' }) mine: number;
  @ApiProperty({ description: 'Of those, assigned to the caller and unread by them' }) mineUnread: number;
  @ApiProperty({ description: 'Of those, assigned to nobody' }) unassigned: number;
}

export class ReadStateResponse {
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ description: 'Inbound messages sent after this time are unread for the caller' }) readUpTo: Date;
  @ApiProperty() unreadCount: number;
}

export class BulkUpdateResponse {
  @ApiProperty({ type: [String], format: 'uuid' }) updated: string[];
  @ApiProperty({ type: [String], format: 'uuid', description: 'Ids of no conversation of this organization: nothing was done for them' }) notFound: string[];
}

export class StartedConversationResponse {
  @ApiProperty({ description: "false: the contact's open conversation on the channel continued" }) created: boolean;
  @ApiProperty({ type: ConversationViewResponse }) conversation: ConversationViewResponse;
  @ApiProperty({ type: MessageResponse, description: 'The queued message, as POST /api/conversations/:id/messages answers it' })
  message: MessageResponse;
}

export class SatisfactionResponse {
  @ApiProperty({ description: 'When the contact was asked for a rating' }) askedAt: Date;
  @ApiProperty({ type: 'integer', nullable: true, minimum: 1, maximum: 5, description: 'Their rating, 1 (poor) to 5 (excellent); null: not rated (yet)' })
  rating: number | null;
  @ApiProperty({ type: Date, nullable: true }) answeredAt: Date | null;
  @ApiProperty({
    enum: ['reply', 'widget', 'link'],
    nullable: true,
    description: 'reply: a message in the conversation (a WhatsApp list choice included); widget: the web chat buttons; link: an e-mail link',
  })
  answeredVia: 'reply' | 'widget' | 'link' | null;
}

/** One conversation as its own page shows it: the list's row, and the customer's satisfaction. */
export class ConversationDetailResponse extends ConversationViewResponse {
  @ApiProperty({ type: SatisfactionResponse, nullable: true, description: 'The latest satisfaction survey asked in it; null when none was' })
  satisfaction: SatisfactionResponse | null;
}
