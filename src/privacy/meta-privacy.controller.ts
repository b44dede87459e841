import { Body, Controller, HttpCode, Logger, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { invalid } from '../../libs/domain/src';
import { ChannelRoutes } from '../channels/channel-routes';
import { ChannelService } from '../channels/channel.service';
import { parseSignedRequest } from '../channels/meta/signed-request';
import { AppConfig } from '../config/app-config';
import { DeletionRequestsService } from './deletion-requests.service';

/** Meta's callbacks for a person who deletes their data or removes the app. */
@ApiExcludeController()
@Controller('webhooks/meta')
export class MetaPrivacyController {
  private readonly log = new Logger(MetaPrivacyController.name);

  constructor(
    private readonly config: AppConfig,
    private readonly deletions: DeletionRequestsService,
    private readonly routes: ChannelRoutes,
    private readonly channels: ChannelService,
  ) {}

  /** Data Deletion Request callback: erase everything about the user, answer where to check. */
  @Post('data-deletion')
  @HttpCode(200)
  async dataDeletion(@Body() body: Record<string, unknown> | undefined) {
    const payload = this.verify(body);
    if (!payload.user_id) throw invalid('INVALID_SIGNED_REQUEST', 'signed_request carries no user_id');
    const status = await this.deletions.erasePlatformUser('meta_callback', ['messenger', 'instagram'], String(payload.user_id));
    return { url: `${this.config.publicBaseUrl}/privacy/deletion/${status.code}`, confirmation_code: status.code };
  }

  /**
   * Deauthorize callback: the app was removed from a Page or account. Its channels are
   * disconnected at once (credentials wiped) and their purge scheduled.
   */
  @Post('deauthorize')
  @HttpCode(200)
  async deauthorize(@Body() body: Record<string, unknown> | undefined) {
    const payload = this.verify(body);
    const account = payload.profile_id ? String(payload.profile_id) : undefined;
    let disconnected = 0;
    if (account) {
      for (const kind of ['messenger', 'instagram'] as const) {
        const route = await this.routes.find(kind, account);
        if (!route) continue;
        await this.channels.disconnect(route, route.channelId);
        disconnected++;
      }
    }
    this.log.log(`deauthorize for ${account ? 'an account' : 'a user'}: ${disconnected} channel(s) disconnected`);
    return { received: true, disconnected };
  }

  private verify(body: Record<string, unknown> | undefined) {
    const secret = this.config.meta.appSecret;
    const payload = secret ? parseSignedRequest(body?.signed_request as string | undefined, secret) : null;
    if (!payload) throw invalid('INVALID_SIGNED_REQUEST', 'signed_request is missing, malformed or not signed by this app');
    return payload;
  }
}
