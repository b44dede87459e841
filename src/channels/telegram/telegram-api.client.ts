import { DeliveryFailure, RateLimitedFailure, RecipientBlockedFailure } from '../../../libs/domain/src';
import type { OutboundFile } from '../../../libs/domain/src';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { FetchedMedia, MediaFetchFailure, fetchFailureOf } from '../core/media-fetch';
import { multipartBody } from '../core/multipart-body';
import { PlatformHttpClient } from '../core/platform-http';

/** The Bot API's answer: `{ok:true, result}` or `{ok:false, error_code, description, parameters}`. */
export interface TelegramApiResponse<T = unknown> {
  ok?: boolean;
  result?: T;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

/** What Telegram says when the End User blocked the bot (HTTP 403). */
const BLOCKED = /bot was blocked by the user/i;

/**
 * Sorts a Bot API error: 401 (token revoked or bot deleted) -> revoked; 403 "bot was blocked by the
 * user" -> permanent, and the contact is marked as having blocked the bot; 429 -> retryable after
 * `parameters.retry_after` seconds; 5xx -> retryable; anything else (400 chat not found, message
 * too long, wrong file URL, other 403s) -> permanent. Code and text are Telegram's own.
 */
export function classifyTelegramError(httpStatus: number, body: TelegramApiResponse | undefined): DeliveryFailure {
  const code = typeof body?.error_code === 'number' ? body.error_code : httpStatus;
  const platformCode = String(code);
  const text = typeof body?.description === 'string' && body.description ? body.description : `HTTP ${httpStatus}`;
  const retryAfter = body?.parameters?.retry_after;
  const retryAfterMs = typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0 ? Math.ceil(retryAfter) * 1000 : undefined;
  if (code === 401) return new DeliveryFailure('revoked', platformCode, text);
  if (code === 403 && BLOCKED.test(text)) return new RecipientBlockedFailure(platformCode, text);
  if (code === 429 || httpStatus === 429) return new RateLimitedFailure(platformCode, text, retryAfterMs);
  if (code >= 500 || httpStatus >= 500) return new DeliveryFailure('retryable', platformCode, text, retryAfterMs);
  return new DeliveryFailure('permanent', platformCode, text);
}

/** A bot token as @BotFather issues it: `<bot id>:<secret>`; nothing that could leave the URL path. */
export const BOT_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;

/**
 * Minimal Bot API client: `POST {api}/bot<token>/<method>` with a JSON body. The token is part of
 * the path by Telegram's design, so neither URLs nor Telegram's request errors are ever logged or
 * put into an error message.
 */
export class TelegramClient {
  private readonly http: PlatformHttpClient;

  constructor(
    private readonly apiUrl: string,
    timeoutMs = 15_000,
  ) {
    this.http = new PlatformHttpClient('Telegram Bot API', timeoutMs);
  }

  async call<T>(token: string, method: string, params: Record<string, unknown> = {}): Promise<T> {
    if (!BOT_TOKEN.test(token ?? '')) throw new DeliveryFailure('revoked', '401', 'No usable bot token is stored for this channel');
    const res = await this.http.request<TelegramApiResponse<T>>(`${this.apiUrl}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(params),
    });
    if (!res.ok || res.body?.ok !== true) throw classifyTelegramError(res.status, res.body);
    return res.body.result as T;
  }

  /**
   * A file the End User sent, by its file_id: getFile names its path on the file server
   * (`{api}/file/bot<token>/<file_path>`, valid at least an hour), then the bytes are streamed.
   */
  async download(token: string, fileId: string): Promise<FetchedMedia> {
    let file: { file_path?: string; file_size?: number };
    try {
      file = await this.call(token, 'getFile', { file_id: fileId });
    } catch (err) {
      if (err instanceof DeliveryFailure && err.kind === 'permanent') {
        if (/file is too big/i.test(err.platformText)) throw new MediaFetchFailure('too_large', 'Telegram: the file is too big for a bot to download');
        if (/file_id|file is temporarily unavailable|not found/i.test(err.platformText))
          throw new MediaFetchFailure('not_found', `Telegram: ${err.platformText}`);
      }
      throw err;
    }
    if (typeof file?.file_path !== 'string' || !file.file_path) throw new MediaFetchFailure('not_found', 'Telegram: getFile named no file path');
    const path = file.file_path.split('/').map(encodeURIComponent).join('/');
    const res = await this.http.fetch(`${this.apiUrl}/file/bot${token}/${path}`, {}, 'Telegram file server unreachable');
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw fetchFailureOf(res.status, 'Telegram file');
    }
    const length = Number(res.headers.get('content-length') ?? file.file_size);
    return { stream: Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>), ...(Number.isFinite(length) && length > 0 ? { length } : {}) };
  }

  /** A send with a file (`sendPhoto`, `sendDocument`...): multipart/form-data, the file streamed from storage. */
  async upload<T>(token: string, method: string, params: Record<string, string | number | undefined>, fileField: string, file: OutboundFile): Promise<T> {
    if (!BOT_TOKEN.test(token ?? '')) throw new DeliveryFailure('revoked', '401', 'No usable bot token is stored for this channel');
    const body = multipartBody(params, fileField, file);
    const res = await this.http.request<TelegramApiResponse<T>>(`${this.apiUrl}/bot${token}/${method}`, {
      method: 'POST',
      headers: { 'content-type': body.contentType, 'content-length': String(body.length), accept: 'application/json' },
      body: body.body,
    });
    if (!res.ok || res.body?.ok !== true) throw classifyTelegramError(res.status, res.body);
    return res.body.result as T;
  }
}
