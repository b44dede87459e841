import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export const SEARCH_TYPES = ['messages', 'contacts', 'conversations'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export class SearchQueryDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 200,
    description: 'Words (English or Russian, any form of them), "a quoted phrase", or, -excluded; a name, phone, e-mail or conversation id',
  })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q: string;

  @ApiPropertyOptional({
    enum: SEARCH_TYPES,
    default: 'messages',
    description: 'messages: message text and notes; contacts: names, phones, e-mails, platform ids; conversations: by id, contact or message text',
  })
  @IsOptional()
  @IsIn(SEARCH_TYPES)
  type?: SearchType;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}

export class SearchContactRef {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
}

export class SearchHitResponse {
  @ApiProperty({ enum: ['message', 'note', 'contact', 'conversation'] }) kind: string;
  @ApiProperty() id: string;
  @ApiProperty({ description: 'Higher is better; comparable within one answer only' }) rank: number;
  @ApiProperty({ nullable: true, type: String, description: 'HTML-escaped text with <mark>…</mark> around the matches' }) snippet: string | null;
  @ApiPropertyOptional({ description: 'message, note, conversation' }) conversationId?: string;
  @ApiPropertyOptional({ type: SearchContactRef, description: 'message, note, conversation' }) contact?: SearchContactRef;
  @ApiPropertyOptional({ enum: ['inbound', 'outbound'], nullable: true, description: 'message' }) direction?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'message (outbound), note' }) authorId?: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'message, note: when it was written' }) at?: Date;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'contact' }) displayName?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'contact (E.164)' }) phone?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'contact' }) email?: string | null;
  @ApiPropertyOptional({ description: 'conversation' }) channelId?: string;
  @ApiPropertyOptional({ description: 'conversation' }) status?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'conversation' }) lastMessageAt?: Date;
}

export class SearchResponse {
  @ApiProperty({ enum: SEARCH_TYPES }) type: string;
  @ApiProperty({ type: [SearchHitResponse], description: 'Best first; at most `limit`' }) items: SearchHitResponse[];
}
