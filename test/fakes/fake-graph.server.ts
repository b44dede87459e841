import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeHttpServer } from './fake-http-server';

export interface GraphCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
}


/**
 * A local stand-in for the Graph API: checks the bearer token of every call against the account
 * it addresses, records each call for assertions, and answers with success or scripted errors.
 */
export class FakeGraphServer extends FakeHttpServer {
  readonly calls: GraphCall[] = [];
  private readonly tokens = new Map<string, string>();
  private counter = 0;

  /** The token the Page / IG account / phone number id accepts. */
  account(id: string, token: string): this {
    this.tokens.set(id, token);
    return this;
  }

  private readonly media = new Map<string, { token: string; bytes: Buffer; mimeType: string }>();

  /** A WhatsApp media object: GET /{id} gives a short-lived URL, which serves the bytes. */
  addMedia(id: string, token: string, bytes: Buffer, mimeType: string): this {
    this.media.set(id, { token, bytes, mimeType });
    return this;
  }

  /** The next call to `path` answers with this instead of success. */
  failNext(path: string, status: number, error: Record<string, unknown>, headers?: Record<string, string>): this {
    return this.script(path, { status, body: { error }, headers });
  }

  callsTo(path: string): GraphCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    const call: GraphCall = { method: req.method ?? '', path, authorization: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined };
    this.calls.push(call);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => this.json(res, status, body, headers);

    if ((req.url ?? '').includes('access_token=')) return reply(400, { error: { code: 100, message: 'tokens belong in the Authorization header' } });
    const [, first, second] = path.split('/');
    const media = this.media.get(first === 'media-download' ? second : first);
    if (media && req.method === 'GET') {
      if (call.authorization !== `Bearer ${media.token}`) return reply(401, { error: { code: 190, message: 'Invalid OAuth access token.' } });
      if (first !== 'media-download') {
        return reply(200, { url: `${this.url}/media-download/${first}`, mime_type: media.mimeType, sha256: 'abc', file_size: media.bytes.length, id: first });
      }
      res.writeHead(200, { 'content-type': media.mimeType, 'content-length': String(media.bytes.length) });
      return void res.end(media.bytes);
    }
    const [, accountId, edge] = path.split('/');
    const expected = this.tokens.get(accountId);
    if (!expected || call.authorization !== `Bearer ${expected}`) {
      return reply(401, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, error_subcode: 460 } });
    }
    const script = this.nextScripted(path);
    if (script) return reply(script.status, script.body, script.headers);

    if (req.method === 'POST' && edge === 'messages') {
      const n = ++this.counter;
      if (call.body?.messaging_product === 'whatsapp') {
        return reply(200, { messaging_product: 'whatsapp', contacts: [{ input: call.body.to, wa_id: String(call.body.to).replace('+', '') }], messages: [{ id: `wamid.fake${n}` }] });
      }
      return reply(200, { recipient_id: call.body?.recipient?.id, message_id: `m_fake${n}` });
    }
    return reply(404, { error: { code: 803, message: `no route ${req.method} ${path}` } });
  }
}
