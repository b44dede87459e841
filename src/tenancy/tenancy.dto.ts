import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { DisplayName } from '../common/display-name';

export class SignupDto {
  @ApiProperty({ example: 'Acme Bakery', maxLength: 200, description: 'Trimmed; must not be blank nor hold control or bidirectional control characters' })
  @DisplayName(200)
  organizationName: string;

  @ApiProperty({ example: 'owner@acme.test' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10, maxLength: 200 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional({ example: 'eu', description: "Where this tenant's data is stored; fixed for life." })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/)
  region?: string;

  @ApiPropertyOptional({ enum: ['en', 'ru'], description: 'Language of the mail the owner gets (default en)' })
  @IsOptional()
  @IsIn(['en', 'ru'])
  locale?: string;
}

export class LoginDto {
  @ApiProperty()
  @IsString()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MaxLength(200)
  password: string;
}

export class CreateUserDto {
  @ApiProperty()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 10 })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  password: string;

  @ApiProperty({ enum: ['admin', 'agent'] })
  @IsIn(['admin', 'agent'])
  role: 'admin' | 'agent';
}

export class UpdateUserDto {
  @ApiPropertyOptional({ description: 'false deactivates the user: they cannot sign in, and their tokens stop working within seconds' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({
    enum: ['admin', 'agent'],
    description:
      'A new role (an owner sets admin or agent; an admin cannot change roles it may not create). It applies at once, to tokens already issued too. The owner role moves with POST /api/tenant/owner',
  })
  @IsOptional()
  @IsIn(['admin', 'agent'])
  role?: 'admin' | 'agent';

  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description: 'On deactivation: the colleague who takes over their conversations (default: back to the unassigned queue)',
  })
  @IsOptional()
  @IsUUID()
  handOverTo?: string;
}
