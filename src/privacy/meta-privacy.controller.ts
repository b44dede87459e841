import { Body, Controller, HttpCode, Logger, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Clock, invalid } from '../../libs/domain/src';
import { ChannelRoutes } from '../channels/core/channel-routes';
import { ChannelService } from '../channels/core/channel.service';
import { META_APP_SECRET_MISSING } from '../channels/meta/meta-signature';
import { SIGNED_REQUEST_MAX_AGE_SECONDS, isFresh, issuedAt, parseSignedRequest, signedRequestId } from '../channels/meta/signed-request';
import { AppConfig } from '../config/app-config';
import { MetaDeletionService } from './meta-deletion.service';

/**
 * Meta's callbacks for a person who deletes their data or removes the app. Each carries a
 * signed_request; one older than SIGNED_REQUEST_MAX_AGE_SECONDS (or dated ahead of our clock) is
 * refused, so a captured callback cannot be replayed later.
 */
@ApiExcludeController()
@Controller('webhooks/meta')
export class MetaPrivacyController {
  private readonly log = new Logger(MetaPrivacyController.name);

  constructor(
    private readonly config: AppConfig,
    private readonly deletions: MetaDeletionService,
    private readonly routes: ChannelRoutes,
    private readonly channels: ChannelService,
    private readonly clock: Clock,
  ) {}

  /**
   * Data Deletion Request callback: erase everything about the user, answer where to check. The
   * same request delivered again gets the same confirmation code (and is not a new request).
   */
  @Post('data-deletion')
  @HttpCode(200)
  async dataDeletion(@Body() body: Record<string, unknown> | undefined) {
    const { payload, id } = this.verify(body);
    if (!payload.user_id) throw invalid('INVALID_SIGNED_REQUEST', 'signed_request carries no user_id');
    const status = await this.deletions.callback(String(payload.user_id), id);
    return { url: `${this.config.publicBaseUrl}/privacy/deletion/${status.code}`, confirmation_code: status.code };
  }

  /**
   * Deauthorize callback: the app was removed from a Page or account. Its channels are
   * disconnected at once (credentials wiped) and their purge scheduled, unless the account was
   * connected again after the callback was issued.
   */
  @Post('deauthorize')
  @HttpCode(200)
  async deauthorize(@Body() body: Record<string, unknown> | undefined) {
    const { payload, issued } = this.verify(body);
    const account = payload.profile_id ? String(payload.profile_id) : undefined;
    let disconnected = 0;
    if (account) {
      for (const kind of ['messenger', 'instagram'] as const) {
        const route = await this.routes.find(kind, account);
        if (!route) continue;
        if (await this.channels.disconnectRevokedAt(route, route.channelId, issued)) disconnected++;
      }
    }
    this.log.log(`deauthorize for ${account ? 'an account' : 'a user'}: ${disconnected} channel(s) disconnected`);
    return { received: true, disconnected };
  }

  private verify(body: Record<string, unknown> | undefined) {
    const secret = this.config.meta.appSecret;
    if (!secret) throw invalid('INVALID_SIGNED_REQUEST', META_APP_SECRET_MISSING);
    const signed = body?.signed_request;
    const payload = secret && typeof signed === 'string' ? parseSignedRequest(signed, secret) : null;
    if (!payload) throw invalid('INVALID_SIGNED_REQUEST', 'signed_request is missing, malformed or not signed by this app');
    const issued = issuedAt(payload);
    if (!issued) throw invalid('INVALID_SIGNED_REQUEST', 'signed_request carries no issued_at');
    if (!isFresh(issued, this.clock.now())) {
      throw invalid(
        'SIGNED_REQUEST_EXPIRED',
        `signed_request was issued more than ${SIGNED_REQUEST_MAX_AGE_SECONDS} seconds ago (or ahead of this server's clock); it is not acted on`,
      );
    }
    return { payload, issued, id: signedRequestId(signed as string) };
  }
}
