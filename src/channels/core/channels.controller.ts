import { Body, Controller, Delete, Get, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/api-contract';
import type { FastifyReply } from 'fastify';

import { Authenticated, CurrentPrincipal, Roles } from '../../tenancy/auth.guards';
import type { Principal } from '../../tenancy/principal';
import { Channel, ChannelService } from './channel.service';
import { ChannelListResponse, ChannelResponse, ConnectedChannelResponse, DisconnectedChannelResponse } from './channel.responses';
import { ConnectChannelDto } from './channels.dto';
import { IdParam } from '../../common/id-param';

/** Whitelist: credentials are write-only and never appear here. */
export const channelResponse = (c: Channel) => ({
  id: c.id,
  kind: c.kind,
  name: c.name,
  status: c.status,
  config: c.config,
  revokedAt: c.revokedAt,
  revokedReason: c.revokedReason,
  disconnectedAt: c.disconnectedAt,
  purgeAfter: c.purgeAfter,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

@ApiTags('channels')
@Authenticated()
@Controller('api/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelService) {}

  /** 201 for a new channel; 200 when an account of this tenant was reconnected. */
  @Post()
  @Roles('owner', 'admin')
  @ApiCreatedResponse({ type: ConnectedChannelResponse, description: 'A new channel' })
  @ApiOkResponse({ type: ConnectedChannelResponse, description: 'An account of this organization, reconnected' })
  @ApiErrors(
    'CHANNEL_KIND_NOT_AVAILABLE',
    'CHANNEL_ALREADY_CONNECTED',
    'META_TOKEN_INVALID',
    'META_PERMISSION_MISSING',
    'META_ACCOUNT_MISMATCH',
    'META_SUBSCRIPTION_REFUSED',
    'META_UNAVAILABLE',
    'TELEGRAM_TOKEN_INVALID',
    'TELEGRAM_WEBHOOK_REJECTED',
    'TELEGRAM_UNAVAILABLE',
    'TWILIO_CREDENTIALS_INVALID',
    'TWILIO_ACCOUNT_INACTIVE',
    'TWILIO_NUMBER_NOT_IN_ACCOUNT',
    'TWILIO_UNAVAILABLE',
    'EMAIL_SMTP_HOST_NOT_ALLOWED',
    'EMAIL_SMTP_REFUSED',
    'EMAIL_SMTP_UNREACHABLE',
  )
  async connect(@CurrentPrincipal() p: Principal, @Body() body: ConnectChannelDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { channel, created, revealOnce } = await this.channels.connect(p, body);
    reply.status(created ? 201 : 200);
    // A secret the platform handshake made (web chat's identitySecret) is shown here once; the whitelist wins on a name clash.
    return { ...revealOnce, ...channelResponse(channel) };
  }

  @Get()
  @ApiOkResponse({ type: ChannelListResponse })
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.channels.list(p)).map(channelResponse) };
  }

  @Get(':id')
  @ApiOkResponse({ type: ChannelResponse })
  @ApiErrors('CHANNEL_NOT_FOUND@404')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return channelResponse(await this.channels.get(p, id));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  @ApiOkResponse({ type: DisconnectedChannelResponse })
  @ApiErrors('CHANNEL_NOT_FOUND@404')
  async disconnect(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    const channel = await this.channels.disconnect(p, id);
    return { id: channel.id, status: channel.status, purgeAfter: channel.purgeAfter };
  }
}
