import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BrowserFacing, cspNonce } from '../../common/security-headers';
import { AppConfig } from '../../config/app-config';
import { WebchatDemo } from './webchat-demo';
import { CHANNEL_KEY } from './webchat-identity';
import { renderWidgetDemo } from './widget/widget-demo.page';
import { WIDGET_JS } from './widget/widget-script';

/** The embeddable script and its demo page (not API: no OpenAPI entry). */
@ApiExcludeController()
@Controller()
export class WidgetController {
  constructor(
    private readonly config: AppConfig,
    private readonly demo: WebchatDemo,
  ) {}

  @Get('widget.js')
  @BrowserFacing('embeddable-script')
  script(@Res({ passthrough: true }) reply: FastifyReply): string {
    reply.header('content-type', 'application/javascript; charset=utf-8');
    reply.header('cache-control', 'public, max-age=300');
    reply.header('x-content-type-options', 'nosniff');
    return WIDGET_JS;
  }

  /**
   * `?key=<channelKey>` shows that channel's widget (anyone may: the key is public, and the page
   * shows nothing of the channel). Without a key, a local run gets its own demo organization.
   */
  @Get('widget-demo')
  @BrowserFacing('demo-page')
  async page(@Query('key') key: string | undefined, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('cache-control', 'no-store');
    reply.header('x-content-type-options', 'nosniff');
    const baseUrl = this.config.publicBaseUrl;
    const nonce = cspNonce(reply);
    if (key !== undefined) {
      if (!CHANNEL_KEY.test(key))
        return renderWidgetDemo({
          baseUrl,
          nonce,
          channelKey: null,
          console: null,
          notice: 'That is not a channel key (they look like wc_ followed by 32 characters).',
        });
      return renderWidgetDemo({ baseUrl, nonce, channelKey: key, console: null });
    }
    if (!this.demo.allowedFor(req)) {
      return renderWidgetDemo({
        baseUrl,
        nonce,
        channelKey: null,
        console: null,
        notice:
          'The self-serve demo organization exists only on a local run (PUBLIC_BASE_URL on localhost, browser on the same machine). Connect a webchat channel and open this page with ?key=<channelKey>.',
      });
    }
    const { state, accessToken } = await this.demo.ensure();
    return renderWidgetDemo({
      baseUrl,
      nonce,
      channelKey: state.channelKey,
      console: { accessToken, channelId: state.channelId, email: state.email, password: state.password },
    });
  }
}
