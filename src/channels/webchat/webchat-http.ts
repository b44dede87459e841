import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../../libs/domain/src';
import { WEBCHAT_MEDIA_LIMITS } from '../../../libs/policy/src';
import { TokenBuckets } from './token-buckets';
import { WebchatChannels } from './webchat-channels';

/** A visitor sends short chat messages: nothing legitimate comes near this. */
export const WEBCHAT_BODY_LIMIT_BYTES = 16 * 1024;
/** A file (the largest web chat takes) and its multipart framing. */
const WEBCHAT_UPLOAD_LIMIT_BYTES = Math.max(...Object.values(WEBCHAT_MEDIA_LIMITS)) + 64 * 1024;
const UPLOAD_PATH = /^\/webchat\/[^/?#]+\/uploads(?:\?|$)/;
const PREFIX = '/webchat/';
const ALLOWED_METHODS = ['GET', 'POST'];
const ALLOWED_HEADERS = ['content-type', 'authorization', 'last-event-id'];

const error = (reply: FastifyReply, statusCode: number, code: ErrorCode, message: string) => reply.code(statusCode).send({ statusCode, code, message });

/**
 * The edge of the visitor API, before routing to a handler: CORS limited to the channel's
 * allowed origins (the Origin is reflected only when allowed; preflights answered here), a body
 * limit far below the API's, JSON only, and a per-IP request budget.
 *
 * A request without an Origin (curl, a server, a same-origin GET) is not a browser on another
 * site, and CORS could not stop it anyway: the session token is what protects a conversation.
 */
@Injectable()
export class WebchatHttpEdge implements OnModuleInit {
  private readonly log = new Logger(WebchatHttpEdge.name);
  /** Per client IP (as the trusted proxy chain reports it): 120 requests, then 2 per second. */
  private readonly perIp = new TokenBuckets(120, 2);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly channels: WebchatChannels,
  ) {}

  onModuleInit(): void {
    // Fastify resolves a route's hooks when the server gets ready, so this covers every route.
    // A callback, not an async hook: every other request goes on in the same tick, not a microtask later.
    this.adapterHost.httpAdapter.getInstance<FastifyInstance>().addHook('onRequest', (req, reply, done) => {
      if (!req.url.startsWith(PREFIX)) return done();
      this.screen(req, reply).then(() => done(), done);
    });
  }

  private async screen(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    reply.header('vary', 'Origin');
    const key = req.url.slice(PREFIX.length).split(/[/?#]/)[0] ?? ''; // channel keys are URL-safe: nothing to decode
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const preflight = req.method === 'OPTIONS';

    if (!preflight && this.perIp.take(req.ip) > 0) {
      reply.header('retry-after', '1');
      if (origin) reply.header('access-control-allow-origin', origin);
      return error(reply, 429, 'RATE_LIMITED', 'Too many requests from this address');
    }

    let allowed = false;
    if (origin) {
      const channel = await this.channels.find(key).catch((err) => {
        this.log.warn(`could not resolve a web chat channel: ${(err as Error).message}`);
        return null;
      });
      if (!channel) {
        if (preflight) return error(reply, 404, 'WEBCHAT_CHANNEL_NOT_FOUND', 'No such chat');
        // No CORS header: the browser hides this 404 from the page; the handler answers the same.
      } else if (!channel.allowedOrigins.includes(origin)) {
        return error(reply, 403, 'ORIGIN_NOT_ALLOWED', "This site is not allowed to use this chat; add its origin to the channel's allowedOrigins");
      } else {
        allowed = true;
        reply.header('access-control-allow-origin', origin);
        reply.header('access-control-expose-headers', 'retry-after');
      }
    }

    if (preflight) {
      const method = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
      const headers = String(req.headers['access-control-request-headers'] ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean);
      if (!allowed || !ALLOWED_METHODS.includes(method) || headers.some((h) => !ALLOWED_HEADERS.includes(h))) {
        return error(reply, 403, 'PREFLIGHT_REFUSED', 'This cross-origin request is not allowed');
      }
      reply.header('access-control-allow-methods', ALLOWED_METHODS.join(', '));
      reply.header('access-control-allow-headers', ALLOWED_HEADERS.join(', '));
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    }

    if (req.method === 'POST') {
      const length = req.headers['content-length'];
      if (length === undefined && req.headers['transfer-encoding'] !== undefined) return error(reply, 411, 'LENGTH_REQUIRED', 'Send a Content-Length');
      // A file upload is the one request that is large, and multipart; its handler checks the file itself.
      const upload = UPLOAD_PATH.test(req.url);
      const limit = upload ? WEBCHAT_UPLOAD_LIMIT_BYTES : WEBCHAT_BODY_LIMIT_BYTES;
      if (Number(length ?? 0) > limit) return error(reply, 413, upload ? 'UPLOAD_TOO_LARGE' : 'PAYLOAD_TOO_LARGE', `A chat request is at most ${limit} bytes`);
      const mime = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      const expected = upload ? 'multipart/form-data' : 'application/json';
      if (Number(length ?? 0) > 0 && mime !== expected) return error(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', `Send ${expected}`);
    }
    return undefined;
  }
}
