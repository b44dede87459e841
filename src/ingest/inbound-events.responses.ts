import { ApiProperty } from '@nestjs/swagger';

// Response bodies of the inbound events admin API: the whitelists of what is serialised.

export class InboundEventResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ description: "The platform's idempotency key of the notification" }) dedupeKey: string;
  @ApiProperty({ enum: ['pending', 'done', 'failed'] }) state: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ type: String, nullable: true }) lastError: string | null;
  @ApiProperty() receivedAt: Date;
  @ApiProperty({ type: Date, nullable: true }) processedAt: Date | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, description: 'The notification as the platform sent it (null once erased)' })
  payload: unknown;
}

export class InboundEventPageResponse {
  @ApiProperty({ type: [InboundEventResponse] }) items: InboundEventResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class InboundEventReplayResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['pending'] }) state: string;
}

export class IgnoredCountResponse {
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ example: 'telegram' }) channelKind: string;
  @ApiProperty({ example: 'Telegram: a group chat (only private chats are conversations)', description: 'Why nothing came of these items' }) reason: string;
  @ApiProperty() count: number;
  @ApiProperty() firstAt: Date;
  @ApiProperty() lastAt: Date;
}

export class IgnoredCountListResponse {
  @ApiProperty({ type: [IgnoredCountResponse] }) items: IgnoredCountResponse[];
}
