import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

// Response bodies of the accounts API: the whitelists of what is serialised (see common/api-contract).

const ROLES = ['owner', 'admin', 'agent'];

export class TokenPairResponse {
  @ApiProperty({ description: 'Bearer token for the API', example: 'eyJhbGciOiJIUzI1NiIs…' }) accessToken: string;
  @ApiProperty({ description: 'Single use: POST /api/auth/refresh trades it for the next pair', example: 'mmr_3q2…' }) refreshToken: string;
  @ApiProperty({ description: 'Seconds the access token lives', example: 900 }) expiresIn: number;
}

export class TenantRefResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'eu' }) region: string;
}

export class SignupUserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'owner@acme.test' }) email: string;
  @ApiProperty({ enum: ['owner'] }) role: 'owner';
  @ApiProperty() emailVerified: boolean;
}

export class SignupResponse extends TokenPairResponse {
  @ApiProperty({ type: TenantRefResponse }) tenant: TenantRefResponse;
  @ApiProperty({ type: SignupUserResponse }) user: SignupUserResponse;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'agent@acme.test' }) email: string;
  @ApiProperty({ enum: ROLES }) role: 'owner' | 'admin' | 'agent';
  @ApiProperty() active: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: String, nullable: true, example: 'Anna Petrova' }) displayName: string | null;
  @ApiProperty({ description: 'One or two letters for an avatar', example: 'AP' }) initials: string;
  @ApiProperty({ example: 'en' }) locale: string;
  @ApiProperty() emailVerified: boolean;
}

export class UserListResponse {
  @ApiProperty({ type: [UserResponse] }) items: UserResponse[];
}

export class InvitationAcceptedResponse extends TokenPairResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiProperty({ type: TenantRefResponse }) tenant: TenantRefResponse;
}

export class PasswordResetRequestedResponse {
  @ApiProperty({ enum: ['requested'] }) status: 'requested';
}

export class EmailVerificationResponse {
  @ApiProperty({ description: 'true: already verified, no mail was sent' }) emailVerified: boolean;
}

export class InvitationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'new.agent@acme.test' }) email: string;
  @ApiProperty({ enum: ['admin', 'agent'] }) role: 'admin' | 'agent';
  @ApiProperty({ type: [String], format: 'uuid' }) teamIds: string[];
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) invitedBy: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty() expiresAt: Date;
  @ApiPropertyOptional({ description: 'Whether the mail went out (inviting again retries it); only in the answer to the invitation' }) mailSent?: boolean;
}

export class InvitationListResponse {
  @ApiProperty({ type: [InvitationResponse] }) items: InvitationResponse[];
}

export class TenantResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Acme Ltd' }) name: string;
  @ApiProperty({ example: 'eu' }) region: string;
  @ApiProperty() createdAt: Date;
}

export class OwnershipTransferResponse {
  @ApiProperty({ type: UserResponse }) owner: UserResponse;
  @ApiProperty({ type: UserResponse, description: 'The caller, now an admin' }) previousOwner: UserResponse;
}

export class AccessGrantResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() reason: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The user who granted it (in lists)' }) grantedBy?: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty() expiresAt: Date;
  @ApiPropertyOptional({ type: Date, nullable: true, description: 'In lists' }) revokedAt?: Date | null;
}

export class AccessGrantListResponse {
  @ApiProperty({ type: [AccessGrantResponse] }) items: AccessGrantResponse[];
}

export class AccessGrantRevokedResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() revokedAt: Date;
}

export class OperatorTokenResponse {
  @ApiProperty({ description: "Bearer token of platform staff; reaches an organization's data only through its live access grant" }) accessToken: string;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'CRM sync' }) name: string;
  @ApiProperty({ enum: ['admin', 'agent'] }) role: 'admin' | 'agent';
  @ApiProperty({ description: "The key's first characters, to recognise it", example: 'mm_4f9a' }) prefix: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) createdBy: string | null;
  @ApiProperty() createdAt: Date;
  @ApiProperty({ type: Date, nullable: true }) expiresAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) revokedAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) lastUsedAt: Date | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The key itself (mm_…): shown this once, only its hash is stored' }) key: string;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) items: ApiKeyResponse[];
}
