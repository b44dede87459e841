import { Body, Controller, Delete, Get, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { Authenticated, CurrentPrincipal, Roles } from '../../tenancy/auth.guards';
import type { Principal } from '../../tenancy/principal';
import { Channel, ChannelService } from './channel.service';
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
  async connect(@CurrentPrincipal() p: Principal, @Body() body: ConnectChannelDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { channel, created, revealOnce } = await this.channels.connect(p, body);
    reply.status(created ? 201 : 200);
    // A secret the platform handshake made (web chat's identitySecret) is shown here once; the whitelist wins on a name clash.
    return { ...revealOnce, ...channelResponse(channel) };
  }

  @Get()
  async list(@CurrentPrincipal() p: Principal) {
    return { items: (await this.channels.list(p)).map(channelResponse) };
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    return channelResponse(await this.channels.get(p, id));
  }

  @Delete(':id')
  @Roles('owner', 'admin')
  async disconnect(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    const channel = await this.channels.disconnect(p, id);
    return { id: channel.id, status: channel.status, purgeAfter: channel.purgeAfter };
  }
}
