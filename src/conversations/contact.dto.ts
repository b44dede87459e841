import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { DisplayName } from '../common/display-name';
import { PageQueryDto } from '../common/page-query.dto';
import { AttributeFilterQuery, CustomAttributesInput, CustomAttributesResponse } from './attribute-definitions.dto';

const trimmed = Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

export class ListContactsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    maxLength: 200,
    description:
      'Finds contacts whose name or e-mail contains it, whose phone is this number in any format (or contains these digits), or with this platform id',
  })
  @IsOptional()
  @trimmed
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  q?: string;

  @AttributeFilterQuery()
  attribute?: string[];
}

export class CreateContactDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'Anna Petrova' })
  @IsOptional()
  @DisplayName(200)
  displayName?: string;

  @ApiPropertyOptional({
    maxLength: 40,
    example: '+7 912 345-67-89',
    description: 'Any usual format; stored as E.164 (400 INVALID_PHONE if it is not a valid number)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  phone?: string;

  @ApiPropertyOptional({ maxLength: 254, example: 'anna@example.com' })
  @IsOptional()
  @trimmed
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @CustomAttributesInput()
  customAttributes?: Record<string, unknown>;
}

/** Only the fields sent change; null clears one. */
export class UpdateContactDto {
  @ApiPropertyOptional({ maxLength: 200, nullable: true, description: 'null clears it; a name set here is kept when the platform profile name changes' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @DisplayName(200)
  displayName?: string | null;

  @ApiPropertyOptional({ maxLength: 40, nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(40)
  phone?: string | null;

  @ApiPropertyOptional({ maxLength: 254, nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @trimmed
  @IsEmail()
  @MaxLength(254)
  email?: string | null;

  @CustomAttributesInput()
  customAttributes?: Record<string, unknown>;
}

export class MergeContactDto {
  @ApiProperty({ description: 'The contact to merge into this one; it is deleted once everything of it moved' })
  @IsUUID()
  otherContactId: string;
}

// ----- responses (whitelists: nothing internal reaches a client) -----

export class ContactIdentityResponse {
  @ApiProperty() id: string;
  @ApiProperty() channelId: string;
  @ApiProperty() channelKind: string;
  @ApiProperty({ description: 'The End User on that channel (PSID, phone, e-mail address, chat id)' }) externalId: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) blockedAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class ContactResponse {
  @ApiProperty() id: string;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'E.164' }) phone: string | null;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ enum: ['channel', 'agent'], description: 'Made by an inbound message, or by an agent' }) origin: string;
  @ApiProperty({ type: [ContactIdentityResponse] }) identities: ContactIdentityResponse[];
  @CustomAttributesResponse() customAttributes: Record<string, string | number>;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class ContactPageResponse {
  @ApiProperty({ type: [ContactResponse] }) items: ContactResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

export class ConsentResolutionResponse {
  @ApiProperty() purpose: string;
  @ApiProperty() granted: boolean;
  @ApiProperty({ enum: ['kept', 'merged'], description: 'Whose record stands: the contact that stayed, or the one merged into it' }) from: string;
}

export class MovedCountsResponse {
  @ApiProperty() identities: number;
  @ApiProperty() conversations: number;
  @ApiProperty() consents: number;
}

export class ContactMergeResponse {
  @ApiProperty() id: string;
  @ApiProperty() mergedContactId: string;
  @ApiProperty({ nullable: true, type: String }) mergedBy: string | null;
  @ApiProperty({ type: MovedCountsResponse }) moved: MovedCountsResponse;
  @ApiProperty({ type: [ConsentResolutionResponse], description: 'Purposes both contacts had a different record for; the stricter stands' })
  consents: ConsentResolutionResponse[];
  @ApiProperty({ type: String, format: 'date-time' }) mergedAt: Date;
}

export class MergeResultResponse {
  @ApiProperty({ type: ContactResponse }) contact: ContactResponse;
  @ApiProperty({ type: ContactMergeResponse }) merge: ContactMergeResponse;
}
