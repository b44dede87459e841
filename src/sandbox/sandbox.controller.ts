import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { SandboxOutboxQueryDto, SandboxOutboxResponse, SandboxStatusResponse, SimulateInboundDto, SimulatedInboundResponse } from './sandbox.dto';
import { SandboxService } from './sandbox.service';

/**
 * Only while the app runs as a sandbox (`npm run sandbox`); otherwise every route but the status
 * answers 404 SANDBOX_OFF. Owners and admins of any organization of that instance may use it on their own
 * channels.
 */
@ApiTags('sandbox')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/sandbox')
export class SandboxController {
  constructor(private readonly sandbox: SandboxService) {}

  @Get()
  @ApiOperation({ summary: 'Whether this instance runs the sandbox (the dashboard shows its panel then)' })
  @ApiOkResponse({ type: SandboxStatusResponse })
  status() {
    return { active: this.sandbox.active };
  }

  @Post('inbound')
  @HttpCode(202)
  @ApiOperation({
    summary: 'A simulated customer writes on a channel',
    description:
      "The simulated platform delivers the message to this app the way the real one does (Meta's signed webhook, Telegram's webhook with its secret token, Twilio's signed form, SMTP, the web chat visitor API), so it reaches the inbox through the real path.",
  })
  @ApiAcceptedResponse({ type: SimulatedInboundResponse })
  @ApiErrors('SANDBOX_OFF', 'CHANNEL_NOT_FOUND@404', 'SANDBOX_CHANNEL_NOT_SIMULATED', 'SANDBOX_DELIVERY_REFUSED')
  inbound(@CurrentPrincipal() p: Principal, @Body() body: SimulateInboundDto) {
    return this.sandbox.inbound(p, body);
  }

  @Get('outbox')
  @ApiOperation({ summary: "What the channel's simulated platform received: the replies sent to customers" })
  @ApiOkResponse({ type: SandboxOutboxResponse })
  @ApiErrors('SANDBOX_OFF', 'CHANNEL_NOT_FOUND@404', 'SANDBOX_CHANNEL_NOT_SIMULATED')
  outbox(@CurrentPrincipal() p: Principal, @Query() q: SandboxOutboxQueryDto) {
    return this.sandbox.outbox(p, q.channelId);
  }
}
