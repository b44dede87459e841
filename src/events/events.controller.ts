import { CanActivate, Controller, ExecutionContext, Get, Headers, HttpException, HttpStatus, Injectable, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal, JwtAuthGuard } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { EventReplay, StampedEvent } from './event-replay';
import { SseConnections } from './sse';

/** Open agent streams per tenant on this instance; more is a runaway client, not a dashboard. */
const MAX_STREAMS_PER_TENANT = 50;

/**
 * Bearer auth from the Authorization header, or — for the browser's EventSource, which cannot
 * set headers — from `?access_token=`. A token in a URL can end up in proxy access logs and
 * browser history, so clients that can (fetch-based SSE readers, servers) send the header.
 */
@Injectable()
export class EventStreamAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtAuthGuard) {}

  canActivate(ctx: ExecutionContext) {
    const req = ctx.switchToHttp().getRequest<FastifyRequest<{ Querystring: Record<string, unknown> }>>();
    const fromQuery = req.query?.access_token;
    if (!req.headers.authorization && typeof fromQuery === 'string' && fromQuery.length > 0 && fromQuery.length < 4096) {
      req.headers.authorization = `Bearer ${fromQuery}`;
    }
    // Exactly the API's authentication from here on.
    return this.jwt.canActivate(ctx);
  }
}

const frame = (e: StampedEvent) => ({ id: e.id, event: e.type, data: { id: e.id, type: e.type, at: e.at, data: e.data } });

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events')
export class AgentEventsController {
  private readonly perTenant = new Map<string, number>();

  constructor(
    private readonly replay: EventReplay,
    private readonly sse: SseConnections,
  ) {}

  @Get()
  @UseGuards(EventStreamAuthGuard)
  @ApiOperation({
    summary: 'Live stream (text/event-stream) of this organization\'s events',
    description:
      'Events: message.created, message.status, conversation.updated, notification.created, channel.updated; each with an `id:`. ' +
      'Reconnect with Last-Event-ID to receive what was missed; an `event: reset` means the gap cannot be replayed (refetch over REST).',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiQuery({ name: 'access_token', required: false, description: 'For EventSource only; prefer the Authorization header' })
  @ApiQuery({ name: 'lastEventId', required: false, description: 'Same as the Last-Event-ID header, for clients that cannot set it' })
  stream(
    @CurrentPrincipal() p: Principal,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Headers('last-event-id') lastEventHeader?: string,
    @Query('lastEventId') lastEventQuery?: string,
  ): void {
    const open = this.perTenant.get(p.tenantId) ?? 0;
    if (open >= MAX_STREAMS_PER_TENANT) throw new HttpException(`At most ${MAX_STREAMS_PER_TENANT} live streams per organization`, HttpStatus.TOO_MANY_REQUESTS);
    this.perTenant.set(p.tenantId, open + 1);
    const conn = this.sse.start(req, reply);
    const subscription = this.replay.follow(
      p.tenantId,
      (lastEventHeader || lastEventQuery || '').slice(0, 64) || undefined,
      (resume) => {
        if (resume.kind === 'replay') resume.events.forEach((e) => conn.send(frame(e)));
        if (resume.kind === 'reset') conn.send({ id: resume.lastId, event: 'reset', data: { reason: resume.reason } });
      },
      (e) => conn.send(frame(e)),
    );
    conn.onClose(() => {
      subscription.unsubscribe();
      const n = (this.perTenant.get(p.tenantId) ?? 1) - 1;
      if (n > 0) this.perTenant.set(p.tenantId, n);
      else this.perTenant.delete(p.tenantId);
    });
  }
}
