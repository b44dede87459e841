import { CanActivate, Controller, ExecutionContext, Get, Headers, Injectable, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RetryLaterError } from '../../libs/domain/src';
import { CurrentPrincipal, JwtAuthGuard } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { EventReplay, StampedEvent } from './event-replay.service';
import { LiveStreams } from './live-streams.service';
import { SseConnection, SseConnections } from './sse-connections.service';
import { SharedVisibility, StreamVisibility, visibleInOrder } from './stream-visibility';
import { restrictedViewer } from '../conversations/visibility';

/**
 * Open streams per user on this instance: a dashboard needs one per browser tab, so more is a
 * runaway client, and it is that user who is refused, not their colleagues.
 */
export const MAX_STREAMS_PER_USER = 10;
/** A safety net for the instance's memory only, far above what a busy organization's agents use. */
export const MAX_STREAMS_PER_TENANT = 1000;
/** A place frees up as soon as a stream closes: a short wait before asking again. */
const RETRY_AFTER_SECONDS = 5;

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

/** Open streams by key; a key with none is forgotten. */
class StreamCounts {
  private readonly open = new Map<string, number>();

  get(key: string): number {
    return this.open.get(key) ?? 0;
  }

  add(key: string): void {
    this.open.set(key, this.get(key) + 1);
  }

  remove(key: string): void {
    const n = this.get(key) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }
}

/**
 * The SSE frame of an event, serialised once however many streams carry it: every stream of the
 * tenant is passed the same event object, so the frame is kept with it.
 */
const frames = new WeakMap<StampedEvent, string>();
function frameOf(e: StampedEvent): string {
  let frame = frames.get(e);
  if (frame === undefined) {
    frame = SseConnection.format({ id: e.id, event: e.type, data: { id: e.id, type: e.type, at: e.at, data: e.data } });
    frames.set(e, frame);
  }
  return frame;
}

@ApiTags('events')
@ApiBearerAuth()
@Controller('api/events')
export class AgentEventsController {
  private readonly perUser = new StreamCounts();
  private readonly perTenant = new StreamCounts();

  constructor(
    private readonly replay: EventReplay,
    private readonly sse: SseConnections,
    private readonly live: LiveStreams,
    private readonly visibility: SharedVisibility,
  ) {}

  @Get()
  @UseGuards(EventStreamAuthGuard)
  @ApiOperation({
    summary: "Live stream (text/event-stream) of this organization's events",
    description:
      'Events: message.created, message.status, conversation.updated, notification.created, channel.updated; each with an `id:`. ' +
      'Reconnect with Last-Event-ID to receive what was missed; an `event: reset` means the gap cannot be replayed (refetch over REST).',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description: "An event stream; each event's data is JSON: an AgentEvent (components.schemas), or an AgentStreamReset for `event: reset`",
    schema: { type: 'string' },
  })
  @ApiErrors('TOO_MANY_STREAMS')
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
    const user = `${p.tenantId}:${p.userId}`;
    if (this.perUser.get(user) >= MAX_STREAMS_PER_USER)
      throw new RetryLaterError('TOO_MANY_STREAMS', `At most ${MAX_STREAMS_PER_USER} live streams per user; close another tab first`, RETRY_AFTER_SECONDS);
    if (this.perTenant.get(p.tenantId) >= MAX_STREAMS_PER_TENANT)
      throw new RetryLaterError('TOO_MANY_STREAMS', `At most ${MAX_STREAMS_PER_TENANT} live streams per organization`, RETRY_AFTER_SECONDS);
    this.perUser.add(user);
    this.perTenant.add(p.tenantId);
    if (!p.apiKeyId) this.live.opened(p);
    const conn = this.sse.start(req, reply);
    // An agent's own notification (assigned, mentioned) is for their streams only.
    const forCaller = (e: StampedEvent) => !(e.type === 'notification.created' && typeof e.data.userId === 'string' && e.data.userId !== p.userId);
    const send = this.sender(p, (e) => conn.sendFrame(frameOf(e)));
    const subscription = this.replay.follow(
      p.tenantId,
      (lastEventHeader || lastEventQuery || '').slice(0, 64) || undefined,
      (resume) => {
        if (resume.kind === 'replay') resume.events.filter(forCaller).forEach(send);
        if (resume.kind === 'reset') conn.send({ id: resume.lastId, event: 'reset', data: { reason: resume.reason } });
      },
      (e) => forCaller(e) && send(e),
    );
    conn.onClose(() => {
      subscription.unsubscribe();
      this.perUser.remove(user);
      this.perTenant.remove(p.tenantId);
      if (!p.apiKeyId) this.live.closed(p);
    });
  }

  /** Sends events in order; a restricted agent's only as far as they may see them (see visibleInOrder). */
  private sender(p: Principal, send: (e: StampedEvent) => void): (e: StampedEvent) => void {
    const viewerId = restrictedViewer(p);
    if (!viewerId) return send;
    return visibleInOrder(new StreamVisibility(this.visibility, p, viewerId), send);
  }
}
