import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
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

export class ListConversationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @IsOptional()
  @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  channelId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  assigneeId?: string;
}

export class UpdateConversationDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @ValidateIf((_, v) => v !== undefined)
  @IsIn(CONVERSATION_STATUSES) // may be left out, never null
  status?: ConversationStatus;

  @ApiPropertyOptional({ nullable: true, description: 'null unassigns' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  assigneeId?: string | null;
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
  @ApiProperty({ enum: ['image', 'video', 'audio', 'file'] })
  @IsIn(['image', 'video', 'audio', 'file'])
  type: 'image' | 'video' | 'audio' | 'file';

  @ApiProperty({ example: 'https://example.com/menu.pdf' })
  @IsUrl({ protocols: ['https'], require_protocol: true })
  @MaxLength(2048)
  url: string;
}

/** Free-form `text` and/or `attachments` by URL, or (WhatsApp, outside the 24-hour window) an approved `template`. */
export class SendMessageDto {
  @ApiPropertyOptional({ maxLength: 4096 })
  @ValidateIf((o) => (o.template === undefined && o.attachments === undefined) || o.text !== undefined)
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

  @ApiPropertyOptional({ type: TemplateDto })
  @ValidateIf((o) => (o.text === undefined && o.attachments === undefined) || o.template !== undefined)
  @ValidateNested()
  @Type(() => TemplateDto)
  @IsObject()
  template?: TemplateDto;
}

export class ConsentDto {
  @ApiProperty({ enum: ['whatsapp_opt_in', 'crm_enrichment', 'data_export'] })
  @IsIn(['whatsapp_opt_in', 'crm_enrichment', 'data_export'])
  purpose: 'whatsapp_opt_in' | 'crm_enrichment' | 'data_export';

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
