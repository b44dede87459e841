import { Body, Controller, Delete, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { DeletionReceiptResponse, TerminationResponse } from './privacy.responses';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { CHANNEL_KIND_PATTERN, ChannelKind, invalid } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { Authenticated, CurrentPrincipal, Roles } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { DeletionRequestsService, DeletionStatus } from './deletion-requests.service';
import { TenantTerminationService } from './tenant-termination.service';
import { IdParam } from '../common/id-param';

class TerminationDto {
  @ApiPropertyOptional({ description: 'The organization name, typed out, to confirm' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  confirm: string;
}

class DeletionRequestDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  contactId?: string;

  @ApiPropertyOptional({ type: String, example: 'telegram', pattern: CHANNEL_KIND_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(CHANNEL_KIND_PATTERN)
  channelKind?: ChannelKind;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(320)
  externalId?: string;
}

@ApiTags('privacy')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api')
export class PrivacyRequestsController {
  constructor(
    private readonly deletions: DeletionRequestsService,
    private readonly termination: TenantTerminationService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Account termination (owner only): every token and sign-in of the organization stops now,
   * its data is purged in the background; the status URL shows when that is done.
   */
  @Delete('tenant')
  @Roles('owner')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: TerminationResponse })
  @ApiErrors('CONFIRMATION_MISMATCH')
  async terminate(@CurrentPrincipal() p: Principal, @Body() body: TerminationDto) {
    const { confirmationCode } = await this.termination.start(p, p.userId, body.confirm);
    return { status: 'terminating', confirmationCode, statusUrl: `${this.config.publicBaseUrl}/privacy/deletion/${confirmationCode}` };
  }

  /** Erases the contact now, with everything about them; answers with the receipt. */
  @Delete('contacts/:id')
  @ApiOkResponse({ type: DeletionReceiptResponse, description: 'The contact and everything about them, erased' })
  @ApiErrors('CONTACT_NOT_FOUND')
  async deleteContact(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return this.view(await this.deletions.eraseContact(p, 'customer', { contactId: id }));
  }

  /** An End User's request, relayed by the Customer: by contact, or by their id on a channel. */
  @Post('privacy/deletion-requests')
  @ApiCreatedResponse({ type: DeletionReceiptResponse })
  @ApiErrors('CONTACT_NOT_FOUND')
  async request(@CurrentPrincipal() p: Principal, @Body() body: DeletionRequestDto) {
    const byContact = body.contactId !== undefined;
    const byIdentity = body.channelKind !== undefined && body.externalId !== undefined;
    if (byContact === byIdentity) throw invalid('VALIDATION_FAILED', 'send either contactId, or channelKind with externalId');
    const subject = byContact ? { contactId: body.contactId! } : { channelKinds: [body.channelKind!], externalId: body.externalId! };
    return this.view(await this.deletions.eraseContact(p, 'end_user', subject));
  }

  private view(s: DeletionStatus) {
    return { confirmationCode: s.code, status: s.status, deleted: s.deleted, statusUrl: `${this.config.publicBaseUrl}/privacy/deletion/${s.code}` };
  }
}
