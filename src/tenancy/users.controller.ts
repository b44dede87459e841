import { Body, Controller, Delete, Get, HttpCode, Ip, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { invalid } from '../../libs/domain/src';
import { IdParam } from '../common/id-param';
import { AccountRecovery } from './account-recovery.service';
import { ChangePasswordDto, HandOverQueryDto, InviteUserDto, UpdateMeDto } from './account.dto';
import { Authenticated, CurrentPrincipal, Roles } from './auth.guards';
import { Invitations } from './invitations.service';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';
import { CreateUserDto, UpdateUserDto } from './tenancy.dto';
import { EmailVerificationResponse, InvitationListResponse, InvitationResponse, UserListResponse, UserResponse } from './tenancy.responses';

@ApiTags('users')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly tenancy: TenancyService,
    private readonly invitations: Invitations,
    private readonly recovery: AccountRecovery,
  ) {}

  @Post()
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrors('ROLE_NOT_ALLOWED', 'EMAIL_TAKEN', 'PASSWORD_TOO_WEAK', 'TOO_MANY_ATTEMPTS')
  create(@CurrentPrincipal() actor: Principal, @Body() body: CreateUserDto) {
    return this.tenancy.createUser(actor, body);
  }

  @Get()
  @ApiOkResponse({ type: UserListResponse })
  list(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.listUsers(actor).then((items) => ({ items }));
  }

  /** The caller (any role): name, initials, locale, whether the address is verified. */
  @Get('me')
  @Roles('owner', 'admin', 'agent')
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors('USER_NOT_FOUND')
  me(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.me(actor);
  }

  /** Changes one's own display name and mail language. */
  @Patch('me')
  @Roles('owner', 'admin', 'agent')
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors('USER_NOT_FOUND', 'EMPTY_PATCH')
  updateMe(@CurrentPrincipal() actor: Principal, @Body() body: UpdateMeDto) {
    return this.tenancy.updateMe(actor, body);
  }

  /** Changes one's own password (the current one is asked): every other session ends. */
  @Post('me/password')
  @Roles('owner', 'admin', 'agent')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('NOT_A_PERSON@400', 'USER_NOT_FOUND', 'INVALID_CREDENTIALS', 'PASSWORD_TOO_WEAK', 'TOO_MANY_ATTEMPTS')
  async changePassword(@CurrentPrincipal() actor: Principal, @Body() body: ChangePasswordDto, @Ip() ip: string): Promise<void> {
    await this.recovery.changePassword(actor, body.currentPassword, body.newPassword, ip);
  }

  /** Mails a new address verification link (unless the address is verified already). */
  @Post('me/verification')
  @Roles('owner', 'admin', 'agent')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: EmailVerificationResponse })
  @ApiErrors('USER_NOT_FOUND')
  resendVerification(@CurrentPrincipal() actor: Principal) {
    return this.recovery.resendVerification(actor);
  }

  /** Invites a person by e-mail: a single-use link, valid 7 days, lets them choose name and password. */
  @Post('invitations')
  @ApiCreatedResponse({ type: InvitationResponse, description: 'The pending invitation, with mailSent' })
  @ApiErrors('ROLE_NOT_ALLOWED', 'TEAM_NOT_FOUND', 'EMAIL_TAKEN', 'INVITATION_PENDING', 'TOO_MANY_ATTEMPTS')
  invite(@CurrentPrincipal() actor: Principal, @Body() body: InviteUserDto) {
    return this.invitations.invite(actor, body);
  }

  /** Pending invitations (not accepted, revoked nor expired). */
  @Get('invitations')
  @ApiOkResponse({ type: InvitationListResponse })
  listInvitations(@CurrentPrincipal() actor: Principal) {
    return this.invitations.list(actor).then((items) => ({ items }));
  }

  /** Revokes a pending invitation: its link stops working. */
  @Delete('invitations/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('INVITATION_NOT_FOUND')
  async revokeInvitation(@CurrentPrincipal() actor: Principal, @IdParam() id: string): Promise<void> {
    await this.invitations.revoke(actor, id);
  }

  /**
   * Deactivates or reactivates a user, or changes their role (owner or admin, within their
   * powers). Deactivation ends their sessions and hands their conversations to `handOverTo` (or
   * back to the queue); a new role applies at once.
   */
  @Patch(':id')
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors('USER_NOT_FOUND', 'ROLE_NOT_ALLOWED', 'LAST_OWNER', 'HANDOVER_USER_INVALID', 'EMPTY_PATCH')
  async update(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Body() body: UpdateUserDto) {
    if (body.active === undefined && body.role === undefined) throw invalid('EMPTY_PATCH', 'Send active and/or role');
    let user = body.role !== undefined ? await this.tenancy.changeRole(actor, id, body.role) : undefined;
    if (body.active !== undefined) user = await this.tenancy.setActive(actor, id, body.active, body.handOverTo);
    return user;
  }

  /** Removes a user: their address is forgotten, their conversations handed over (?handOverTo=) or unassigned. */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('USER_NOT_FOUND', 'ROLE_NOT_ALLOWED', 'LAST_OWNER', 'HANDOVER_USER_INVALID')
  async remove(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Query() q: HandOverQueryDto): Promise<void> {
    await this.tenancy.removeUser(actor, id, q.handOverTo);
  }
}
