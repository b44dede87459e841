import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { DisplayName } from '../../common/display-name';

export class StartSessionDto {
  @ApiPropertyOptional({ description: "The signed-in user on the Customer's site; requires userHash", example: 'customer-42' })
  @IsOptional()
  @IsString()
  @Matches(/^[^\u0000-\u001f\u007f]{1,128}$/, { message: 'userId must be 1 to 128 characters without control characters' })
  userId?: string;

  @ApiPropertyOptional({ description: "Lowercase hex HMAC-SHA256(identitySecret, userId), computed by the Customer's server" })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'userHash must be 64 hex characters' })
  userHash?: string;

  @ApiPropertyOptional({
    description: 'How the visitor introduces themself (trimmed; not blank, no control or bidirectional control characters)',
    example: 'Ada',
    maxLength: 100,
  })
  @IsOptional()
  @DisplayName(100)
  name?: string;
}

export class VisitorMessageDto {
  @ApiProperty({ description: 'Made by the widget for each message; a retry with the same id is stored once', example: '5f0c0a2e-5d7b-4f9b-a1c4-0b1d2c3e4f50' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{8,64}$/, { message: 'clientMessageId must be 8 to 64 of A-Z a-z 0-9 _ -' })
  clientMessageId: string;

  @ApiPropertyOptional({ maxLength: 4000, description: 'Required unless files are attached' })
  @IsOptional()
  @IsString()
  @Matches(/\S/, { message: 'text must not be blank' })
  @MaxLength(4000)
  text?: string;

  @ApiPropertyOptional({
    type: () => [VisitorAttachmentRefDto],
    maxItems: 10,
    description: 'Files uploaded with POST /webchat/{channelKey}/uploads in this session',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => VisitorAttachmentRefDto)
  attachments?: VisitorAttachmentRefDto[];
}

export class VisitorAttachmentRefDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  uploadId: string;
}

export class VisitorUploadResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'receipt.pdf' }) fileName: string;
  @ApiProperty({ example: 'application/pdf', description: 'Sniffed from the bytes' }) mimeType: string;
  @ApiProperty() size: number;
}

// ----- responses (whitelists of what a visitor is sent) -----

export class VisitorSessionResponse {
  @ApiProperty({ description: 'The session token: Authorization: Bearer <token> on the other visitor routes' }) token: string;
  @ApiProperty({ format: 'uuid' }) sessionId: string;
  @ApiProperty({ description: "true: the visitor proved a user id of the Customer's site (userHash)" }) verified: boolean;
  @ApiProperty({ example: 30, description: 'Days of disuse after which the session is gone' }) idleExpiryDays: number;
}

export class VisitorAttachmentResponse {
  @ApiProperty({ enum: ['image', 'video', 'audio', 'file', 'location', 'other'] }) type: string;
  @ApiPropertyOptional({
    description: 'Where to get it: for files we keep, a path of this API (GET it with the session token); else where the file is',
  })
  url?: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional() mimeType?: string;
  @ApiPropertyOptional({ description: 'Bytes, for files we keep' }) size?: number;
}

export class VisitorMessageResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true }) clientMessageId: string | null;
  @ApiProperty({ enum: ['visitor', 'agent'] }) from: 'visitor' | 'agent';
  @ApiProperty({ type: String, nullable: true, example: 'Hello! How can we help?' }) text: string | null;
  @ApiProperty({ type: [VisitorAttachmentResponse] }) attachments: VisitorAttachmentResponse[];
  @ApiProperty() sentAt: Date;
  @ApiProperty({
    enum: ['waiting', 'rated'],
    nullable: true,
    description: 'The message asks for a satisfaction rating: waiting for it (POST rating), or rated; null for any other message',
  })
  survey: 'waiting' | 'rated' | null;
}

export class VisitorMessagePageResponse {
  @ApiProperty({ type: [VisitorMessageResponse] }) items: VisitorMessageResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class VisitorMessageAcceptedResponse {
  @ApiProperty() clientMessageId: string;
  @ApiProperty({ enum: ['accepted', 'duplicate'], description: 'duplicate: a message with this clientMessageId was accepted before' }) status: string;
}
