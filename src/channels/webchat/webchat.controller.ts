import { Body, Controller, Get, Headers, HttpCode, HttpException, HttpStatus, Logger, Param, ParseIntPipe, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Attachment, conflict, forbidden, invalid, notFound } from '../../../libs/domain/src';
import { WEBCHAT_MEDIA_LIMITS, mediaKindOf } from '../../../libs/policy/src';
import { ApiErrors } from '../../common/api-contract';
import { sendStoredFile } from '../../media/media-reply';
import { UploadIntake } from '../../media/upload-intake';
import { UploadService } from '../../media/upload.service';
import { UploadStore } from '../../media/upload.store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Subscription } from 'rxjs';
import { decodeCursor, toPageResponse } from '../../common/cursor';
import { DomainEvent, DomainEvents } from '../../common/domain-events.service';
import { PageQueryDto } from '../../common/page-query.dto';
import { CsatService } from '../../csat/csat.service';
import { WidgetRatingDto } from '../../csat/csat.dto';
import { SseConnections } from '../../events/sse-connections.service';
import { InboundInbox } from '../../ingest/inbound-inbox.service';
import { TokenBuckets, enforce } from './token-buckets';
import { WebchatChannel, WebchatChannels } from './webchat-channels';
import { SESSION_IDLE_DAYS, VisitorMessage, WebchatSession, WebchatSessions } from './webchat-sessions';
import {
  StartSessionDto,
  VisitorMessageAcceptedResponse,
  VisitorMessageDto,
  VisitorMessagePageResponse,
  VisitorSessionResponse,
  VisitorUploadResponse,
} from './webchat.dto';
import { WebchatInboundPayload, webchatMessageId } from './webchat.mapper';

const MAX_STREAMS_PER_SESSION = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const bearer = (authorization: string | undefined) => (authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined);

/** A message as its visitor gets it; files we keep are fetched from this session's own route. */
const visitorView = (key: string, m: VisitorMessage, surveys: Map<string, 'waiting' | 'rated'>) => ({
  id: m.id,
  clientMessageId: m.clientMessageId,
  from: m.from,
  text: m.text,
  attachments: m.attachments.map(({ stored, ...a }, index) => (stored ? { ...a, url: `/webchat/${key}/messages/${m.id}/attachments/${index}` } : a)),
  sentAt: m.sentAt,
  survey: surveys.get(m.id) ?? null,
});

/**
 * The visitor side of web chat, called by widget.js from the Customer's site. CORS, the body
 * limit and the per-IP budget are enforced before these handlers (WebchatHttpEdge). A visitor
 * holds one session token and reaches only that session's conversations.
 */
// The edge (WebchatHttpEdge) answers for every route: budget, origin, preflight, body length and type.
@ApiErrors('WEBCHAT_CHANNEL_NOT_FOUND', 'RATE_LIMITED', 'ORIGIN_NOT_ALLOWED', 'PREFLIGHT_REFUSED')
@ApiTags('webchat (visitor)')
@Controller('webchat')
export class WebchatController {
  private readonly log = new Logger(WebchatController.name);
  /** New sessions per IP: 10, then one every 30 s (a page load reuses its stored session). */
  private readonly sessionStarts = new TokenBuckets(10, 1 / 30);
  /** Messages per session: 10, then one every 2 s. */
  private readonly messages = new TokenBuckets(10, 0.5);
  /** Files per session: 5, then one every 10 s. */
  private readonly files = new TokenBuckets(5, 0.1);
  private readonly streamsPerSession = new Map<string, number>();

  constructor(
    private readonly channels: WebchatChannels,
    private readonly sessions: WebchatSessions,
    private readonly inbox: InboundInbox,
    private readonly events: DomainEvents,
    private readonly sse: SseConnections,
    private readonly csat: CsatService,
    private readonly uploads: UploadService,
    private readonly intake: UploadIntake,
    private readonly uploadRows: UploadStore,
  ) {}

  @Post(':channelKey/sessions')
  @ApiOperation({ summary: "Start a visitor session; with userId + userHash it resumes that user's history" })
  @ApiCreatedResponse({ type: VisitorSessionResponse })
  @ApiErrors('IDENTITY_VERIFICATION_FAILED', 'LENGTH_REQUIRED')
  async start(@Param('channelKey') key: string, @Body() body: StartSessionDto, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const channel = await this.channels.get(key);
    enforce(this.sessionStarts, `${channel.channelId}:${req.ip}`, 'new chat sessions', reply);
    const { token, session } = await this.sessions.start(channel, body, () => this.channels.identitySecret(channel));
    reply.header('cache-control', 'no-store');
    return { token, sessionId: session.id, verified: session.verified, idleExpiryDays: SESSION_IDLE_DAYS };
  }

  @Get(':channelKey/messages')
  @ApiHeader({ name: 'Authorization', description: 'Bearer <session token>' })
  @ApiOperation({ summary: "The visitor's messages and the replies sent to them, newest first" })
  @ApiOkResponse({ type: VisitorMessagePageResponse })
  @ApiErrors('SESSION_NOT_FOUND')
  async list(
    @Param('channelKey') key: string,
    @Headers('authorization') authorization: string | undefined,
    @Query() q: PageQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { channel, session } = await this.visitor(key, bearer(authorization));
    const page = await this.sessions.listMessages(channel, session, { limit: q.limit ?? 50, after: decodeCursor(q.cursor) });
    const surveys = await this.surveysOf(channel, page.items);
    reply.header('cache-control', 'no-store');
    return toPageResponse(page, (m) => visitorView(key, m, surveys));
  }

  @Post(':channelKey/messages')
  @HttpCode(202)
  @ApiHeader({ name: 'Authorization', description: 'Bearer <session token>' })
  @ApiOperation({ summary: 'Send a visitor message (stored durably, then delivered to the inbox); idempotent on clientMessageId' })
  @ApiAcceptedResponse({ type: VisitorMessageAcceptedResponse })
  @ApiErrors('SESSION_NOT_FOUND', 'LENGTH_REQUIRED', 'UNSTORABLE_ITEM', 'INBOX_BUSY', 'EMPTY_MESSAGE', 'UPLOAD_NOT_FOUND@400', 'UPLOAD_ALREADY_SENT')
  async send(
    @Param('channelKey') key: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: VisitorMessageDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { channel, session } = await this.visitor(key, bearer(authorization));
    enforce(this.messages, session.id, 'messages', reply);
    if (!body.text && !body.attachments?.length) throw invalid('EMPTY_MESSAGE', 'Send text, files, or both');
    const attachments = await this.visitorFiles(channel, session.id, body.attachments?.map((a) => a.uploadId) ?? []);
    const payload: WebchatInboundPayload = {
      type: 'message',
      sessionId: session.id,
      visitorId: session.visitorId,
      visitorName: session.displayName,
      clientMessageId: body.clientMessageId,
      text: body.text ?? '',
      ...(attachments.length ? { attachments } : {}),
      receivedAt: new Date().toISOString(),
    };
    // The session token already proved who is writing; the channel has no platform credential to check.
    const result = await this.inbox.acceptForChannel('webchat', channel.channelId, () => undefined, [
      { dedupeKey: webchatMessageId(session.id, body.clientMessageId), payload: payload as unknown as Record<string, unknown> },
    ]);
    await this.sessions.touch(channel, session);
    return { clientMessageId: body.clientMessageId, status: result.stored > 0 ? 'accepted' : 'duplicate' };
  }

  @Post(':channelKey/rating')
  @HttpCode(204)
  @ApiHeader({ name: 'Authorization', description: 'Bearer <session token>' })
  @ApiOperation({ summary: "Rate the help received (1-5): answers the visitor's latest satisfaction survey, once" })
  @ApiNoContentResponse()
  @ApiErrors('SESSION_NOT_FOUND', 'CSAT_SURVEY_NOT_FOUND', 'CSAT_ALREADY_ANSWERED', 'LENGTH_REQUIRED')
  async rate(
    @Param('channelKey') key: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: WidgetRatingDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const { channel, session } = await this.visitor(key, bearer(authorization));
    enforce(this.messages, session.id, 'messages', reply);
    await this.csat.answerFromWidget(channel.tenant, channel.channelId, session.visitorId, body.rating);
  }

  @Post(':channelKey/uploads')
  @HttpCode(201)
  @ApiHeader({ name: 'Authorization', description: 'Bearer <session token>' })
  @ApiOperation({
    summary: 'Attach a file (multipart/form-data, part `file`): pictures and PDFs unless the channel allows other types; send it with a message',
    description:
      'The type is sniffed from the bytes. Limits: pictures and voice notes 10/25 MB, videos and documents 25 MB. A file never sent is deleted after a day.',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ type: VisitorUploadResponse })
  @ApiErrors('SESSION_NOT_FOUND', 'UPLOADS_OFF', 'UPLOAD_FILE_REQUIRED', 'UPLOAD_EMPTY', 'UPLOAD_TOO_LARGE', 'MEDIA_QUOTA_EXCEEDED', 'UPLOAD_TYPE_NOT_ALLOWED')
  async upload(
    @Param('channelKey') key: string,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { channel, session } = await this.visitor(key, bearer(authorization));
    if (channel.allowedUploadTypes.length === 0) throw forbidden('UPLOADS_OFF', 'This chat does not take files');
    enforce(this.files, session.id, 'files', reply);
    const u = await this.intake.receive(req, (file) =>
      this.uploads.upload(channel.tenant, { webchatSessionId: session.id, allowedTypes: channel.allowedUploadTypes }, file, WEBCHAT_MEDIA_LIMITS),
    );
    await this.sessions.touch(channel, session);
    reply.header('cache-control', 'no-store');
    return { id: u.id, fileName: u.fileName, mimeType: u.mimeType, size: u.size };
  }

  @Get(':channelKey/messages/:messageId/attachments/:index')
  @ApiHeader({ name: 'Authorization', description: 'Bearer <session token>' })
  @ApiOperation({ summary: "A file of one of this visitor's messages or of a reply to them, for this session only" })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes: pictures, audio and video inline, anything else as a download', schema: { type: 'string', format: 'binary' } })
  @ApiErrors('SESSION_NOT_FOUND', 'ATTACHMENT_NOT_FOUND', 'INVALID_ID')
  async attachment(
    @Param('channelKey') key: string,
    @Param('messageId') messageId: string,
    @Param('index', new ParseIntPipe({ exceptionFactory: () => invalid('INVALID_ID', 'index must be a number') })) index: number,
    @Headers('authorization') authorization: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const { channel, session } = await this.visitor(key, bearer(authorization));
    const attachment = UUID.test(messageId) ? await this.sessions.visibleAttachment(channel, session, messageId, index) : null;
    if (!attachment?.uploadId) throw notFound('ATTACHMENT_NOT_FOUND', 'No such file in this chat');
    const { upload, inline, stream } = await this.uploads.open(channel.tenant, attachment.uploadId);
    return sendStoredFile(reply, { stream, inline, mimeType: upload.mimeType, size: upload.size, fileName: upload.fileName });
  }

  @Get(':channelKey/stream')
  @ApiOperation({
    summary: 'Live replies (text/event-stream) for this session',
    description: '`event: message` carries a message as in the list. On (re)connect, fetch the list once: the stream only carries what happens from now on.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'An event stream: `event: message`, data a VisitorMessageResponse', schema: { type: 'string' } })
  @ApiErrors('SESSION_NOT_FOUND')
  @ApiQuery({ name: 'session', required: false, description: 'The session token (EventSource cannot send headers); or Authorization: Bearer' })
  async stream(
    @Param('channelKey') key: string,
    @Query('session') sessionToken: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const { channel, session } = await this.visitor(key, bearer(authorization) ?? sessionToken);
    const open = this.streamsPerSession.get(session.id) ?? 0;
    if (open >= MAX_STREAMS_PER_SESSION)
      throw new HttpException(`At most ${MAX_STREAMS_PER_SESSION} live streams per chat session`, HttpStatus.TOO_MANY_REQUESTS);
    this.streamsPerSession.set(session.id, open + 1);

    const conn = this.sse.start(req, reply);
    // Subscribe before loading the visitor's conversations, and handle events in order after it.
    const known = new Set<string>();
    let chain: Promise<unknown> = this.sessions.conversationIds(channel, session).then((ids) => ids.forEach((id) => known.add(id)));
    const subscription: Subscription = this.events.forTenant(channel.tenant).subscribe((e) => {
      chain = chain
        .then(() =>
          this.forward(
            e,
            channel,
            session,
            known,
            async (m) => conn.send({ id: m.id, event: 'message', data: visitorView(key, m, await this.surveysOf(channel, [m])) }),
            () => conn.close(),
          ),
        )
        .catch((err) => this.log.warn(`web chat stream of session ${session.id}: ${(err as Error).message}`));
    });
    conn.onClose(() => {
      subscription.unsubscribe();
      const n = (this.streamsPerSession.get(session.id) ?? 1) - 1;
      if (n > 0) this.streamsPerSession.set(session.id, n);
      else this.streamsPerSession.delete(session.id);
    });
    conn.comment('connected');
  }

  /**
   * What of the tenant's events this visitor sees: their own messages as the inbox records them,
   * and an agent's reply once it is sent. Another visitor's conversation is never loaded.
   */
  private async forward(
    e: DomainEvent,
    channel: WebchatChannel,
    session: WebchatSession,
    known: Set<string>,
    push: (m: VisitorMessage) => Promise<void>,
    end: () => void,
  ): Promise<void> {
    if (e.type === 'channel.updated') {
      if (e.data.id === channel.channelId && e.data.status !== 'active') end();
      return;
    }
    const conversationId = e.data.conversationId as string | undefined;
    const messageId = e.data.messageId as string | undefined;
    if (!conversationId || !messageId) return;
    const relevant =
      (e.type === 'message.created' && e.data.direction === 'inbound') || // may be this visitor's first message in a new conversation
      (e.type === 'message.status' && e.data.status === 'sent' && known.has(conversationId));
    if (!relevant) return;
    const message = await this.sessions.visibleMessage(channel, session, messageId);
    if (!message) return;
    known.add(message.conversationId);
    await push(message);
  }

  /** Which of our messages ask for a rating: only agent messages can. */
  private surveysOf(channel: WebchatChannel, messages: VisitorMessage[]) {
    return this.csat.surveyStates(
      channel.tenant,
      messages.filter((m) => m.from === 'agent').map((m) => m.id),
    );
  }

  /** The files a message names: uploads of this session, not sent yet, in the order given. */
  private async visitorFiles(channel: WebchatChannel, sessionId: string, ids: string[]): Promise<NonNullable<WebchatInboundPayload['attachments']>> {
    if (ids.length === 0) return [];
    if (new Set(ids).size !== ids.length) throw invalid('VALIDATION_FAILED', 'attachments name the same upload twice');
    const found = new Map((await this.uploadRows.findMany(channel.tenant, ids)).map((u) => [u.id, u]));
    return ids.map((id) => {
      const u = found.get(id);
      if (!u || u.webchatSessionId !== sessionId) throw invalid('UPLOAD_NOT_FOUND', `Upload ${id} not found in this chat session`);
      if (u.messageId) throw conflict('UPLOAD_ALREADY_SENT', `Upload ${id} was sent with another message`);
      return { type: mediaKindOf(u.mimeType) as Attachment['type'], uploadId: u.id, name: u.fileName, mimeType: u.mimeType, size: u.size, sha256: u.sha256 };
    });
  }

  private async visitor(key: string, token: string | undefined): Promise<{ channel: WebchatChannel; session: WebchatSession }> {
    const channel = await this.channels.get(key);
    return { channel, session: await this.sessions.authenticate(channel, token) };
  }
}
