import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MultipartForm, parseMultipart } from './multipart';
import { SimulatedHttpServer } from './simulated-http-server';

export interface TelegramCall {
  httpMethod: string;
  path: string;
  /** The bot token from the path (`/bot<token>/<method>`). */
  token: string;
  /** The Bot API method, e.g. `sendMessage`. */
  method: string;
  contentType: string | undefined;
  body: any;
  /** A multipart call's parts (its text fields are also in `body`, as strings). */
  form?: MultipartForm;
}

interface Bot {
  id: number;
  username: string;
  firstName: string;
  webhook: { url: string; secret: string; allowedUpdates: string[] } | null;
}

const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;
const KNOWN_UPDATES = new Set([
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'callback_query',
  'my_chat_member',
  'chat_member',
  'inline_query',
  'message_reaction',
  'message_reaction_count',
  'business_connection',
  'business_message',
  'edited_business_message',
  'deleted_business_messages',
]);
const MEDIA_FIELD: Record<string, string> = { sendPhoto: 'photo', sendDocument: 'document', sendVideo: 'video', sendAudio: 'audio', sendVoice: 'voice' };
const MB = 1024 * 1024;
/** Bot API "Sending files": uploaded with multipart/form-data, photos up to 10 MB, other files up to 50 MB. */
const UPLOAD_LIMIT = (method: string) => (method === 'sendPhoto' ? 10 * MB : 50 * MB);

/** A fresh bot token as @BotFather shapes them: `<bot id>:<35 characters>`. */
export function botToken(botId: number): string {
  return `${botId}:AA${randomBytes(33).toString('base64url').slice(0, 33)}`;
}

/**
 * A local stand-in for the Telegram Bot API: `POST /bot<token>/<method>` with a JSON body. It
 * checks the token of every call, the parameters each method needs (https webhook URL, secret
 * alphabet, chat_id, text...), records each call for assertions, and answers in Telegram's
 * `{ok, result}` / `{ok:false, error_code, description, parameters}` shape, with scripted errors.
 */
export class SimulatedTelegram extends SimulatedHttpServer {
  readonly calls: TelegramCall[] = [];

  /**
   * `httpWebhooks`: setWebhook also takes http:// URLs. Telegram itself takes https only (tests
   * keep that check); the sandbox's app listens on plain http on loopback.
   */
  constructor(private readonly opts: { httpWebhooks?: boolean } = {}) {
    super();
  }

  private readonly bots = new Map<string, Bot>();
  private readonly blocked = new Set<string>();
  private readonly messageIds = new Map<string, number>();
  /** Message ids the next sends answer with, in order (a replay needs the id a sample refers to). */
  readonly nextMessageIds: number[] = [];

  /** Telegram Business connections of a bot (`<token>|<connection id>`) that may reply. */
  private readonly businessConnections = new Set<string>();

  /** A Telegram Business account connected the bot with the right to reply; sends through it must name it. */
  businessConnection(token: string, connectionId: string): this {
    this.businessConnections.add(`${token}|${connectionId}`);
    return this;
  }

  /** A bot and the token that works for it (a token revoked in @BotFather: call `revoke`). */
  bot(token: string, username = 'monkey_support_bot'): this {
    this.bots.set(token, { id: Number(token.split(':')[0]), username, firstName: 'Monkey Support', webhook: null });
    return this;
  }

  /** The token stops working (the owner revoked it in @BotFather); the webhook stays as it was. */
  revoke(token: string): this {
    this.bots.delete(token);
    return this;
  }

  /** The End User `chatId` blocks the bot: sending to them answers 403. */
  block(token: string, chatId: string | number, blocked = true): this {
    const key = `${token}|${chatId}`;
    if (blocked) this.blocked.add(key);
    else this.blocked.delete(key);
    return this;
  }

  /** The webhook of the bot with this id, as last set (null when none, or no such bot). */
  webhookOfBot(botId: number): Bot['webhook'] {
    return [...this.bots.values()].find((b) => b.id === botId)?.webhook ?? null;
  }

  /** The bot's webhook as last set (null when none or deleted). */
  webhookOf(token: string): Bot['webhook'] {
    return this.bots.get(token)?.webhook ?? null;
  }

  /** The next call of `method` (e.g. `sendMessage`) answers with this error instead. */
  failNext(method: string, status: number, description: string, parameters?: Record<string, unknown>): this {
    return this.script(method, { status, body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) } });
  }

  /** Files End Users sent, by file_id: which bot's token may fetch them, where they lie, and flaky answers to serve first. */
  private readonly files = new Map<string, { token: string; bytes: Buffer; path: string; size: number; failFirst: number[] }>();
  private fileCounter = 0;

  /**
   * A file an End User sent the bot (a photo, a document): getFile with that bot's token names
   * its path, `GET /file/bot<token>/<path>` serves it. `failFirst`: the first downloads answer
   * these statuses; `declaredSize`: the size getFile reports (a file over 20 MB is refused there,
   * as the Bot API does, without the test holding that many bytes).
   */
  file(token: string, fileId: string, bytes: Buffer, opts: { failFirst?: number[]; declaredSize?: number; extension?: string } = {}): this {
    const path = `documents/file_${++this.fileCounter}.${opts.extension ?? 'bin'}`;
    this.files.set(fileId, { token, bytes, path, size: opts.declaredSize ?? bytes.length, failFirst: [...(opts.failFirst ?? [])] });
    return this;
  }

  /** Downloads asked of the file server, with the path asked for. */
  readonly downloads: Array<{ token: string; path: string }> = [];

  /** How many times the file server was asked for this file. */
  downloadsOf(fileId: string): number {
    const path = this.files.get(fileId)?.path;
    return this.downloads.filter((d) => d.path === path).length;
  }

  callsOf(method: string): TelegramCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse, bytes: Buffer): void {
    const reply = (status: number, body: unknown) => this.json(res, status, body);
    const fail = (status: number, description: string, parameters?: Record<string, unknown>) =>
      reply(status, { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) });
    const ok = (result: unknown) => reply(200, { ok: true, result });

    const path = (req.url ?? '').split('?')[0];
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (download && req.method === 'GET') {
      const [, token, filePath] = download;
      this.downloads.push({ token, path: decodeURIComponent(filePath) });
      // The file server answers 404 for a path it does not have under that token, whatever the reason.
      const file = [...this.files.values()].find((f) => f.path === decodeURIComponent(filePath) && f.token === token && this.bots.has(token));
      if (!file) return fail(404, 'Not Found');
      const status = file.failFirst.shift();
      if (status) return fail(status, 'Internal Server Error');
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
      return void res.end(file.bytes);
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(path);
    let body: any;
    // Files are uploaded as multipart/form-data (the Bot API's only way to send bytes); everything else is JSON.
    const form = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '') ? parseMultipart(req.headers['content-type'], bytes) : undefined;
    if (form === null) return fail(400, 'Bad Request: invalid multipart body');
    try {
      body = form ? { ...form.fields } : raw ? JSON.parse(raw) : {};
    } catch {
      return fail(400, 'Bad Request: invalid JSON');
    }
    const call: TelegramCall = {
      httpMethod: req.method ?? '',
      path,
      token: m?.[1] ?? '',
      method: m?.[2] ?? '',
      contentType: req.headers['content-type'],
      body,
      ...(form ? { form } : {}),
    };
    this.calls.push(call);
    if (!m) return fail(404, 'Not Found');
    if (req.method !== 'POST' || (raw && !form && !String(req.headers['content-type']).startsWith('application/json')))
      return fail(400, 'Bad Request: expected a POST with a JSON body');
    const bot = this.bots.get(call.token);
    if (!bot) return fail(401, 'Unauthorized');
    const script = this.nextScripted(call.method);
    if (script) return reply(script.status, script.body);

    switch (call.method) {
      case 'getMe':
        return ok({
          id: bot.id,
          is_bot: true,
          first_name: bot.firstName,
          username: bot.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'setWebhook': {
        if (typeof body.url !== 'string' || !(body.url.startsWith('https://') || (this.opts.httpWebhooks && body.url.startsWith('http://'))))
          return fail(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        if (body.secret_token !== undefined && (typeof body.secret_token !== 'string' || !SECRET_TOKEN.test(body.secret_token))) {
          return fail(400, 'Bad Request: secret token contains unallowed characters');
        }
        if (
          body.allowed_updates !== undefined &&
          (!Array.isArray(body.allowed_updates) || body.allowed_updates.some((u: unknown) => !KNOWN_UPDATES.has(String(u))))
        ) {
          return fail(400, 'Bad Request: wrong allowed_updates specified');
        }
        bot.webhook = { url: body.url, secret: body.secret_token ?? '', allowedUpdates: body.allowed_updates ?? [] };
        return ok(true);
      }
      case 'getFile': {
        const file = typeof body.file_id === 'string' ? this.files.get(body.file_id) : undefined;
        if (!file || file.token !== call.token) return fail(400, 'Bad Request: invalid file_id');
        if (file.size > 20 * MB) return fail(400, 'Bad Request: file is too big');
        return ok({ file_id: body.file_id, file_unique_id: `u${body.file_id}`, file_size: file.size, file_path: file.path });
      }
      case 'deleteWebhook':
        bot.webhook = null;
        return ok(true);
      case 'getWebhookInfo':
        return ok({ url: bot.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: 0, allowed_updates: bot.webhook?.allowedUpdates });
      case 'sendMessage':
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendVideo':
      case 'sendAudio':
      case 'sendVoice': {
        if (body.chat_id === undefined || body.chat_id === '') return fail(400, 'Bad Request: chat_id is empty');
        if (typeof body.chat_id !== 'number' && !/^-?\d+$/.test(String(body.chat_id))) return fail(400, 'Bad Request: chat not found');
        if (call.method === 'sendMessage') {
          if (typeof body.text !== 'string' || !body.text.trim()) return fail(400, 'Bad Request: message text is empty');
          if (body.text.length > 4096) return fail(400, 'Bad Request: message is too long');
        } else {
          const field = MEDIA_FIELD[call.method];
          const uploaded = form?.files[field];
          if (uploaded) {
            if (uploaded.bytes.length === 0) return fail(400, 'Bad Request: file must be non-empty');
            if (uploaded.bytes.length > UPLOAD_LIMIT(call.method)) return fail(413, 'Request Entity Too Large');
          } else {
            const media = body[field];
            if (typeof media !== 'string' || !/^https?:\/\//.test(media)) return fail(400, 'Bad Request: wrong file identifier/HTTP URL specified');
          }
          if (body.caption !== undefined && String(body.caption).length > 1024) return fail(400, 'Bad Request: message caption is too long');
        }
        if (body.reply_parameters !== undefined) {
          // JSON in a JSON call, a JSON string among multipart fields.
          let rp: any = body.reply_parameters;
          try {
            if (typeof rp === 'string') rp = JSON.parse(rp);
          } catch {
            rp = undefined;
          }
          if (!Number.isInteger(rp?.message_id) || rp.message_id < 1) return fail(400, "Bad Request: can't parse reply parameters JSON object");
        }
        if (body.business_connection_id !== undefined && !this.businessConnections.has(`${call.token}|${body.business_connection_id}`))
          return fail(400, 'Bad Request: BUSINESS_CONNECTION_INVALID');
        if (this.blocked.has(`${call.token}|${body.chat_id}`)) return fail(403, 'Forbidden: bot was blocked by the user');
        const key = `${bot.id}|${body.business_connection_id ?? ''}|${body.chat_id}`;
        const messageId = this.nextMessageIds.shift() ?? (this.messageIds.get(key) ?? 100) + 1;
        this.messageIds.set(key, messageId);
        return ok({
          message_id: messageId,
          from: { id: bot.id, is_bot: true, first_name: bot.firstName, username: bot.username },
          chat: { id: Number(body.chat_id), type: 'private' },
          ...(body.business_connection_id !== undefined ? { business_connection_id: body.business_connection_id } : {}),
          date: Math.floor(Date.now() / 1000),
          ...(body.text !== undefined ? { text: body.text } : {}),
          ...(body.caption !== undefined ? { caption: body.caption } : {}),
        });
      }
      default:
        return fail(404, 'Not Found: method not found');
    }
  }
}
