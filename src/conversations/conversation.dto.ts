import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { CONVERSATION_STATUSES, ConversationStatus } from '../../libs/domain/src';

export class PageQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 25 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;
}

export class ListConversationsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @IsOptional() @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;

  @ApiPropertyOptional() @IsOptional() @IsUUID()
  channelId?: string;

  @ApiPropertyOptional() @IsOptional() @IsUUID()
  assigneeId?: string;
}

export class UpdateConversationDto {
  @ApiPropertyOptional({ enum: CONVERSATION_STATUSES })
  @IsOptional() @IsIn(CONVERSATION_STATUSES)
  status?: ConversationStatus;

  @ApiPropertyOptional({ nullable: true, description: 'null unassigns' })
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsUUID()
  assigneeId?: string | null;
}

export class SendMessageDto {
  @ApiProperty({ maxLength: 4096 })
  @IsString() @MinLength(1) @MaxLength(4096)
  text: string;
}

export class CreateNoteDto {
  @ApiProperty({ maxLength: 10000 })
  @IsString() @MinLength(1) @MaxLength(10000)
  text: string;
}
