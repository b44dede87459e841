import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsEmail, IsIn, IsISO8601, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { DisplayName } from '../common/display-name';
import { MAIL_LOCALES } from '../mail/mail-templates';

export class RefreshTokenDto {
  @ApiProperty({ description: 'The refresh token of the last sign-in or refresh (mmr_…); single use' })
  @IsString()
  @MaxLength(200)
  refreshToken: string;
}

export class PasswordResetRequestDto {
  @ApiProperty({ example: 'me@acme.test' })
  @IsString()
  @MaxLength(254)
  email: string;
}

export class LinkTokenDto {
  @ApiProperty({ description: 'The token of the link from the mail (mml_…)' })
  @IsString()
  @MaxLength(200)
  token: string;
}

export class PasswordResetConfirmDto extends LinkTokenDto {
  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;
}

export class AcceptInvitationDto extends LinkTokenDto {
  @ApiProperty({ example: 'Maria Petrova', maxLength: 100 })
  @DisplayName(100)
  displayName: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional({ enum: MAIL_LOCALES })
  @IsOptional()
  @IsIn(MAIL_LOCALES)
  locale?: string;
}

export class InviteUserDto {
  @ApiProperty({ example: 'new.agent@acme.test' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ enum: ['admin', 'agent'] })
  @IsIn(['admin', 'agent'])
  role: 'admin' | 'agent';

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Teams the new user joins' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsUUID('all', { each: true })
  teamIds?: string[];

  @ApiPropertyOptional({ enum: MAIL_LOCALES, description: 'Language of the invitation mail (default en)' })
  @IsOptional()
  @IsIn(MAIL_LOCALES)
  locale?: string;
}

export class UpdateMeDto {
  @ApiPropertyOptional({ example: 'Maria Petrova', maxLength: 100, nullable: true, description: 'null clears it' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @DisplayName(100)
  displayName?: string | null;

  @ApiPropertyOptional({ enum: MAIL_LOCALES })
  @IsOptional()
  @IsIn(MAIL_LOCALES)
  locale?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MaxLength(200)
  currentPassword: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  newPassword: string;
}

export class HandOverQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The colleague who takes over their conversations (default: back to the unassigned queue)' })
  @IsOptional()
  @IsUUID()
  handOverTo?: string;
}

export class TransferOwnershipDto {
  @ApiProperty({ format: 'uuid', description: 'The active user who becomes the owner; you become an admin' })
  @IsUUID()
  userId: string;
}

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Zapier', maxLength: 100 })
  @DisplayName(100)
  name: string;

  @ApiProperty({ enum: ['admin', 'agent'], description: 'What the key may do (an admin may only create agent keys)' })
  @IsIn(['admin', 'agent'])
  role: 'admin' | 'agent';

  @ApiPropertyOptional({ format: 'date-time', nullable: true, description: 'When the key stops working (default: never)' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}
