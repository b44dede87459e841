import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, type ErrorCode, RetryLaterError, STATUS_OF_KIND } from '../../libs/domain/src';
import { isDatabaseDown } from '../database/database-errors';

export interface ApiErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/** Fastify's own request errors (body parsing, size, content type) by their stable codes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/** Maps anything thrown to `{statusCode, code, message}`; internals never reach the client. */
export function toApiError(err: unknown, log?: Logger): ApiErrorBody {
  if (err instanceof DomainError) {
    const e: DomainError = err;
    return { statusCode: STATUS_OF_KIND[e.kind], code: e.code, message: e.message };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    // Nest's Fastify adapter wraps Fastify's own 4xx errors in an HttpException; keep their codes.
    const cause = err.cause as { code?: string } | undefined;
    if (cause?.code && FASTIFY_CODES[cause.code]) return { statusCode: status, code: FASTIFY_CODES[cause.code], message: err.message };
    const body = err.getResponse();
    const message = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? err.message);
    return { statusCode: status, code: CODE_OF_STATUS[status] ?? 'BAD_REQUEST', message: Array.isArray(message) ? message.join('; ') : message };
  }
  const e = err as { statusCode?: number; code?: string; message?: string; name?: string };
  if (e?.name === 'SyntaxError' && e.statusCode === 400) return { statusCode: 400, code: 'MALFORMED_JSON', message: 'Request body is not valid JSON' };
  if (e?.code && FASTIFY_CODES[e.code] && e.statusCode) return { statusCode: e.statusCode, code: FASTIFY_CODES[e.code], message: e.message ?? '' };
  if (isDatabaseDown(err)) {
    log?.error(`database unavailable: ${e.code}`);
    return { statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable; retry later' };
  }
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return { statusCode: e.statusCode, code: CODE_OF_STATUS[e.statusCode] ?? 'BAD_REQUEST', message: e.message ?? '' };
  }
  log?.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error' };
}

@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly log = new Logger('ApiError');

  catch(err: unknown, host: ArgumentsHost): void {
    const body = toApiError(err, this.log);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (err instanceof RetryLaterError) reply.header('retry-after', String(Math.max(1, Math.ceil(err.retryAfterSeconds))));
    // A route may have declared its own media type (text/csv, an attachment) before the error: an error is JSON, shown, not downloaded.
    reply.removeHeader('content-disposition');
    reply.status(body.statusCode).type('application/json; charset=utf-8').send(body);
  }
}
