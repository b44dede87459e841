import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  IsUrl,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CONVERSATION_STATUSES, ConversationStatus } from '../../libs/domain/src';
import { PageQueryDto } from '../common/page-query.dto';
import { AttributeFilterQuery, CustomAttributesInput } from './attribute-definitions.dto';
import { CONSENT_PURPOSES, ConsentPurpose } from './consent.service';
import { MAX_LABEL_FILTERS, PRIORITIES, Priority, SORTS, TriageSort } from './triage.store';

/** An instant PostgreSQL and Date agree on: a four-digit year and a time zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

export class ListConversationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @IsOptional()
  @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional({ description: 'A user id; see also `assignee`' })
  @IsOptional()
  @IsUUID()
  assigneeId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "A team's queue" })
  @IsOptional()
  @IsUUID()
  teamId?: string;

  @ApiPropertyOptional({ description: "`me`, `unassigned` or a user's id", example: 'me' })
  @IsOptional()
  @IsString()
  @MaxLength(36)
  assignee?: string;

  @ApiPropertyOptional({
    description: `Comma-separated label ids or names (case-insensitive): conversations carrying all of them; at most ${MAX_LABEL_FILTERS}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  labels?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: the contact wrote after what the caller last read; false: the others' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unread?: 'true' | 'false';

  @ApiPropertyOptional({ description: 'Comma-separated: low, medium, high, urgent, none (no priority set)', example: 'high,urgent' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  priority?: string;

  @ApiPropertyOptional({ maxLength: 200, description: "Part of the contact's name, a contact's platform id, or a conversation id" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({
    enum: SORTS,
    default: 'last_activity',
    description: "last_activity: newest message first. waiting: only conversations whose last message is the contact's, the longest waiting first",
  })
  @IsOptional()
  @IsIn(SORTS)
  sort?: TriageSort;

  @AttributeFilterQuery()
  attribute?: string[];
}

export class UpdateConversationDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @ValidateIf((_, v) => v !== undefined)
  @IsIn(CONVERSATION_STATUSES) // may be left out, never null
  status?: ConversationStatus;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: 'null unassigns' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  assigneeId?: string | null;

  @ApiPropertyOptional({ enum: PRIORITIES, nullable: true, description: 'null clears it' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsIn(PRIORITIES)
  priority?: Priority | null;

  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true, description: "Moves it to this team's queue; null: no team" })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  teamId?: string | null;

  @CustomAttributesInput()
  customAttributes?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'With status snoozed: when it reopens by itself (within a year). Snoozed without it: until the contact writes',
  })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @Matches(ISO_INSTANT, { message: 'snoozedUntil must be an ISO 8601 instant such as 2026-12-24T09:00:00Z' })
  @IsISO8601({ strict: true, strictSeparator: true })
  snoozedUntil?: string;
}

export class TemplateDto {
  @ApiProperty({ example: 'order_update' })
  @IsString()
  @Matches(/^[a-z0-9_]{1,512}$/)
  name: string;

  @ApiProperty({ example: 'en_US' })
  @IsString()
  @Matches(/^[a-z]{2,3}(_[A-Z]{2})?$/)
  language: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(1024, { each: true })
  parameters?: string[];
}

export class OutgoingAttachmentDto {
  @ApiPropertyOptional({ enum: ['image', 'video', 'audio', 'file'], description: 'Required with url; with uploadId it follows from the sniffed type' })
  @ValidateIf((o) => o.uploadId === undefined || o.type !== undefined)
  @IsIn(['image', 'video', 'audio', 'file'])
  type?: 'image' | 'video' | 'audio' | 'file';

  @ApiPropertyOptional({ example: 'https://example.com/menu.pdf', description: 'A file the platform fetches itself (Messenger, Instagram, Telegram)' })
  @ValidateIf((o) => o.uploadId === undefined || o.url !== undefined)
  @IsUrl({ protocols: ['https'], require_protocol: true })
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A file uploaded with POST /api/uploads (not sent yet); instead of url' })
  @ValidateIf((o) => o.url === undefined || o.uploadId !== undefined)
  @IsUUID()
  uploadId?: string;
}

/** Free-form `text` and/or `attachments` (by URL or uploaded), or (WhatsApp, outside the 24-hour window) an approved `template`. */
export class SendMessageDto {
  @ApiPropertyOptional({ maxLength: 4096, description: 'May hold {{contact.name}} and {{agent.name}}, filled in when sent' })
  @ValidateIf((o) => (o.template === undefined && o.attachments === undefined && o.cannedResponseId === undefined) || o.text !== undefined)
  @IsString()
  @Matches(/\S/, { message: 'text must not be blank' })
  @MaxLength(4096)
  text?: string;

  @ApiPropertyOptional({ type: [OutgoingAttachmentDto] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => OutgoingAttachmentDto)
  attachments?: OutgoingAttachmentDto[];

  @ApiPropertyOptional({ format: 'uuid', description: "Send this canned response's text (instead of text), its variables filled in" })
  @ValidateIf((_, v) => v !== undefined)
  @IsUUID()
  cannedResponseId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      "Quote this message of the conversation: sent as the platform's own quoted reply (WhatsApp, Messenger, Instagram, Telegram; e-mail threads under it with In-Reply-To), plainly elsewhere",
  })
  @ValidateIf((_, v) => v !== undefined)
  @IsUUID()
  replyToMessageId?: string;

  @ApiPropertyOptional({ type: TemplateDto })
  @ValidateIf((o) => (o.text === undefined && o.attachments === undefined && o.cannedResponseId === undefined) || o.template !== undefined)
  @ValidateNested()
  @Type(() => TemplateDto)
  @IsObject()
  template?: TemplateDto;
}

export class ConsentDto {
  @ApiProperty({ enum: CONSENT_PURPOSES })
  @IsIn(CONSENT_PURPOSES)
  purpose: ConsentPurpose;

  @ApiProperty()
  @IsBoolean()
  granted: boolean;

  @ApiProperty({ example: 'checkout form, 2026-11-29' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  source: string;
}

export class PutConsentsDto {
  @ApiProperty({ type: [ConsentDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ConsentDto)
  consents: ConsentDto[];
}

export class CreateNoteDto {
  @ApiProperty({ maxLength: 10000 })
  @IsString()
  @Matches(/\S/, { message: 'text must not be blank' })
  @MaxLength(10000)
  text: string;
}

export class StartConversationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  contactId: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  channelId: string;

  @ApiPropertyOptional({
    maxLength: 320,
    description: 'SMS, WhatsApp (a phone number with its country code) or e-mail (an address): where to reach a contact who has no address on that channel yet',
  })
  @ValidateIf((_, v) => v !== undefined)
  @IsString()
  @MaxLength(320)
  to?: string;

  @ApiProperty({ type: SendMessageDto, description: 'The first message, as POST /api/conversations/:id/messages takes it' })
  @IsObject()
  @ValidateNested()
  @Type(() => SendMessageDto)
  message: SendMessageDto;
}
