import { Body, Controller, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { AccountRecovery } from './account-recovery.service';
import { AcceptInvitationDto, LinkTokenDto, PasswordResetConfirmDto, PasswordResetRequestDto, RefreshTokenDto } from './account.dto';
import { Invitations } from './invitations.service';
import { Sessions } from './sessions.service';
import { TenancyService } from './tenancy.service';
import { LoginDto, SignupDto } from './tenancy.dto';
import { InvitationAcceptedResponse, PasswordResetRequestedResponse, SignupResponse, TokenPairResponse } from './tenancy.responses';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly tenancy: TenancyService,
    private readonly sessions: Sessions,
    private readonly recovery: AccountRecovery,
    private readonly invitations: Invitations,
  ) {}

  /** Creates an organization and its owner, signed in; a mail asks the owner to confirm the address. */
  @Post('signup')
  @ApiCreatedResponse({ type: SignupResponse, description: 'Signed in as the owner of the new organization' })
  @ApiErrors('UNKNOWN_REGION@400', 'PASSWORD_TOO_WEAK', 'EMAIL_TAKEN', 'TOO_MANY_ATTEMPTS')
  signup(@Body() body: SignupDto, @Ip() ip: string) {
    return this.tenancy.signup(body, ip);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairResponse, description: 'The access token lives expiresIn seconds; the refresh token gets the next pair' })
  @ApiErrors('INVALID_CREDENTIALS', 'USER_DEACTIVATED@403', 'TOO_MANY_ATTEMPTS')
  login(@Body() body: LoginDto, @Ip() ip: string) {
    return this.tenancy.login(body.email, body.password, ip);
  }

  /**
   * Trades a refresh token (once) for a new access token and the next refresh token. A refresh
   * token presented again ends its whole session: 401 REFRESH_TOKEN_REUSED.
   */
  @Post('refresh')
  @HttpCode(200)
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiErrors('INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED')
  refresh(@Body() body: RefreshTokenDto) {
    return this.sessions.refresh(body.refreshToken);
  }

  /** Ends the session the refresh token belongs to (its access tokens stop too). Always 204. */
  @Post('logout')
  @HttpCode(204)
  @ApiNoContentResponse()
  async logout(@Body() body: RefreshTokenDto): Promise<void> {
    await this.sessions.logout(body.refreshToken);
  }

  /** Mails a password reset link if the address has an account: the answer is 202 either way. */
  @Post('password-reset')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: PasswordResetRequestedResponse, description: 'Whether or not the address has an account' })
  @ApiErrors('TOO_MANY_ATTEMPTS')
  async requestPasswordReset(@Body() body: PasswordResetRequestDto, @Ip() ip: string) {
    await this.recovery.requestPasswordReset(body.email, ip);
    return { status: 'requested' as const };
  }

  /** Sets a new password with the mailed link (single use, 1 hour); every session of the user ends. */
  @Post('password-reset/confirm')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('INVALID_TOKEN', 'PASSWORD_TOO_WEAK')
  async confirmPasswordReset(@Body() body: PasswordResetConfirmDto): Promise<void> {
    await this.recovery.confirmPasswordReset(body.token, body.password);
  }

  /** Confirms an e-mail address with the mailed link (single use). */
  @Post('verify-email')
  @HttpCode(204)
  @ApiNoContentResponse()
  @ApiErrors('INVALID_TOKEN')
  async verifyEmail(@Body() body: LinkTokenDto): Promise<void> {
    await this.recovery.verifyEmail(body.token);
  }

  /** Accepts an invitation (single use, 7 days): creates the user with this name and password, signed in. */
  @Post('invitations/accept')
  @ApiCreatedResponse({ type: InvitationAcceptedResponse })
  @ApiErrors('INVALID_TOKEN', 'PASSWORD_TOO_WEAK', 'EMAIL_TAKEN')
  acceptInvitation(@Body() body: AcceptInvitationDto) {
    return this.invitations.accept(body.token, body);
  }
}
