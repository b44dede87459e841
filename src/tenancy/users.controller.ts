import { Body, Controller, Delete, Get, HttpCode, Ip, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { IdParam } from '../common/id-param';
import { AccountRecovery } from './account-recovery.service';
import { ChangePasswordDto, HandOverQueryDto, InviteUserDto, UpdateMeDto } from './account.dto';
import { Authenticated, CurrentPrincipal, Roles } from './auth.guards';
import { Invitations } from './invitations.service';
import type { Principal } from './principal';
import { TenancyService } from './tenancy.service';
import { CreateUserDto, UpdateUserDto } from './tenancy.dto';

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
  create(@CurrentPrincipal() actor: Principal, @Body() body: CreateUserDto) {
    return this.tenancy.createUser(actor, body);
  }

  @Get()
  list(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.listUsers(actor).then((items) => ({ items }));
  }

  /** The caller (any role): name, initials, locale, whether the address is verified. */
  @Get('me')
  @Roles('owner', 'admin', 'agent')
  me(@CurrentPrincipal() actor: Principal) {
    return this.tenancy.me(actor);
  }

  /** Changes one's own display name and mail language. */
  @Patch('me')
  @Roles('owner', 'admin', 'agent')
  updateMe(@CurrentPrincipal() actor: Principal, @Body() body: UpdateMeDto) {
    return this.tenancy.updateMe(actor, body);
  }

  /** Changes one's own password (the current one is asked): every other session ends. */
  @Post('me/password')
  @Roles('owner', 'admin', 'agent')
  @HttpCode(204)
  @ApiNoContentResponse()
  async changePassword(@CurrentPrincipal() actor: Principal, @Body() body: ChangePasswordDto, @Ip() ip: string): Promise<void> {
    await this.recovery.changePassword(actor, body.currentPassword, body.newPassword, ip);
  }

  /** Mails a new address verification link (unless the address is verified already). */
  @Post('me/verification')
  @Roles('owner', 'admin', 'agent')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: '{emailVerified}' })
  resendVerification(@CurrentPrincipal() actor: Principal) {
    return this.recovery.resendVerification(actor);
  }

  /** Invites a person by e-mail: a single-use link, valid 7 days, lets them choose name and password. */
  @Post('invitations')
  @ApiCreatedResponse({ description: 'The pending invitation, with mailSent' })
  invite(@CurrentPrincipal() actor: Principal, @Body() body: InviteUserDto) {
    return this.invitations.invite(actor, body);
  }

  /** Pending invitations (not accepted, revoked nor expired). */
  @Get('invitations')
  listInvitations(@CurrentPrincipal() actor: Principal) {
    return this.invitations.list(actor).then((items) => ({ items }));
  }

  /** Revokes a pending invitation: its link stops working. */
  @Delete('invitations/:id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async revokeInvitation(@CurrentPrincipal() actor: Principal, @IdParam() id: string): Promise<void> {
    await this.invitations.revoke(actor, id);
  }

  /**
   * Deactivates or reactivates a user (owner or admin, within their powers). Deactivation ends
   * their sessions and hands their conversations to `handOverTo` (or back to the queue).
   */
  @Patch(':id')
  update(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Body() body: UpdateUserDto) {
    return this.tenancy.setActive(actor, id, body.active, body.handOverTo);
  }

  /** Removes a user: their address is forgotten, their conversations handed over (?handOverTo=) or unassigned. */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() actor: Principal, @IdParam() id: string, @Query() q: HandOverQueryDto): Promise<void> {
    await this.tenancy.removeUser(actor, id, q.handOverTo);
  }
}
