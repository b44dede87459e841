import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { DisplayName } from '../common/display-name';

export class SimulateInboundDto {
  @ApiProperty({ format: 'uuid', description: 'A channel of your organization whose platform the sandbox simulates (GET /api/channels)' })
  @IsUUID()
  channelId: string;

  @ApiProperty({ example: 'Hello, is my order on its way?', minLength: 1, maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  @Matches(/\S/, { message: 'text must not be blank' })
  text: string;

  @ApiPropertyOptional({
    example: 'Alex Sandbox',
    maxLength: 60,
    description: 'Who writes (default Alex Sandbox); the same name on the same channel is the same customer (their messages share a conversation)',
  })
  @IsOptional()
  @DisplayName(60)
  customer?: string;

  @ApiPropertyOptional({ example: 'Where is my order?', maxLength: 200, description: 'E-mail channels: the subject (default "A question")' })
  @IsOptional()
  @DisplayName(200)
  subject?: string;
}

export class SandboxOutboxQueryDto {
  @ApiProperty({ format: 'uuid', description: 'The channel whose simulated platform is asked' })
  @IsUUID()
  channelId: string;
}

export class SimulatedInboundResponse {
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ example: 'telegram' }) kind: string;
  @ApiProperty({ example: 'Alex Sandbox' }) customer: string;
  @ApiProperty({
    example: '6123456789',
    description: "The customer's address on the platform (PSID, wa_id, chat id, phone number, e-mail address, visitor name)",
  })
  address: string;
  @ApiProperty({
    enum: ['accepted'],
    description: "The app's webhook took the message; the inbox shows it once the inbound processor has run (GET /api/conversations?channelId=)",
  })
  status: string;
}

export class SandboxReceivedItem {
  @ApiProperty({ description: 'Whom the reply was addressed to, as the platform names them' }) to: string;
  @ApiProperty({ type: String, nullable: true }) text: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'E-mail only' }) subject: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The request as the platform received it: the API call's JSON body, Twilio's form, the mail's envelope and text",
  })
  payload: Record<string, unknown>;
}

export class SandboxOutboxResponse {
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ example: 'telegram' }) kind: string;
  @ApiProperty({ type: [SandboxReceivedItem], description: 'Oldest first; failed attempts the platform refused are listed too' })
  items: SandboxReceivedItem[];
}

export class SandboxStatusResponse {
  @ApiProperty({ description: 'true when this instance runs the sandbox (npm run sandbox): simulated platforms, POST /api/sandbox/inbound' })
  active: boolean;
}
