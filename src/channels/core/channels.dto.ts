import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsString, Matches } from 'class-validator';
import { CHANNEL_KIND_PATTERN, ChannelKind } from '../../../libs/domain/src';
import { DisplayName } from '../../common/display-name';

export class ConnectChannelDto {
  @ApiProperty({
    type: String,
    example: 'messenger',
    pattern: CHANNEL_KIND_PATTERN.source,
    description: 'The channel kind (messenger, whatsapp, sms…); a kind not on offer answers 400 CHANNEL_KIND_NOT_AVAILABLE',
  })
  @IsString()
  @Matches(CHANNEL_KIND_PATTERN)
  kind: ChannelKind;

  @ApiProperty({
    example: 'Acme Facebook Page',
    maxLength: 200,
    description: 'Trimmed; must not be blank nor hold control or bidirectional control characters',
  })
  @DisplayName(200)
  name: string;

  @ApiProperty({
    description:
      'messenger {pageId}; instagram {igAccountId}; whatsapp {phoneNumberId, wabaId}; webchat {allowedOrigins: ["https://shop.example"]} (the response adds its public channelKey)',
    type: 'object',
    additionalProperties: true,
  })
  @IsObject()
  config: Record<string, unknown>;

  @ApiProperty({
    description:
      'Write-only: messenger {pageAccessToken}; instagram/whatsapp {accessToken}; webchat {} or {identitySecret} (when absent one is made and returned once, as identitySecret)',
    type: 'object',
    additionalProperties: true,
    writeOnly: true,
  })
  @IsObject()
  credentials: Record<string, unknown>;
}
