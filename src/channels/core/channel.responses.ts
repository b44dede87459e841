import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response bodies of the channels API: the whitelists of what is serialised (credentials are write-only).

export class ChannelResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'telegram', description: 'The channel kind (messenger, instagram, whatsapp, telegram, email, webchat, sms, …)' }) kind: string;
  @ApiProperty({ example: 'Support bot' }) name: string;
  @ApiProperty({ enum: ['active', 'revoked', 'disconnected'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The kind's settings (never its credentials)" }) config: Record<string, unknown>;
  @ApiProperty({ type: Date, nullable: true, description: 'When the platform revoked the access' }) revokedAt: Date | null;
  @ApiProperty({ type: String, nullable: true }) revokedReason: string | null;
  @ApiProperty({ type: Date, nullable: true }) disconnectedAt: Date | null;
  @ApiProperty({ type: Date, nullable: true, description: "When a disconnected channel's data is purged" }) purgeAfter: Date | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ConnectedChannelResponse extends ChannelResponse {
  @ApiPropertyOptional({ description: 'Web chat: the identity secret the handshake made, shown this once (sign userHash with it on your server)' })
  identitySecret?: string;
}

export class ChannelListResponse {
  @ApiProperty({ type: [ChannelResponse] }) items: ChannelResponse[];
}

export class DisconnectedChannelResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['disconnected'] }) status: string;
  @ApiProperty({ type: Date, nullable: true }) purgeAfter: Date | null;
}
