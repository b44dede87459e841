import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MultipartForm, parseMultipart } from './multipart';
import { SimulatedHttpServer } from './simulated-http-server';

const MB = 1024 * 1024;

/** A Send API call made as multipart/form-data: recipient and message are JSON strings among its fields. */
function sendApiFields(form: MultipartForm): Record<string, unknown> {
  const parse = (v: string | undefined) => {
    try {
      return v === undefined ? undefined : JSON.parse(v);
    } catch {
      return v;
    }
  };
  return {
    ...form.fields,
    recipient: parse(form.fields.recipient),
    message: parse(form.fields.message),
    ...(form.fields.reply_to !== undefined ? { reply_to: parse(form.fields.reply_to) } : {}),
  };
}
/** The Cloud API's limits by media type (its "Supported media types"), as it enforces them on upload. */
const WHATSAPP_LIMIT = (mime: string) =>
  mime === 'image/jpeg' || mime === 'image/png' ? 5 * MB : mime.startsWith('video/') || mime.startsWith('audio/') ? 16 * MB : 100 * MB;

export interface GraphCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: any;
  /** A multipart upload's parts (the body is then undefined). */
  form?: MultipartForm;
}

/** What one access token may do: the node `/me` names, and the ids it controls. */
interface Grant {
  me?: Record<string, unknown>;
  ids: Set<string>;
}

const INVALID_TOKEN = { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190, error_subcode: 460 };
/** What Graph answers for an id the (valid) token may not see, whether or not it exists. */
const NOT_VISIBLE = (id: string) => ({
  message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
  type: 'GraphMethodException',
  code: 100,
  error_subcode: 33,
});

let fakeIds = 0;
/** A numeric id no test uses otherwise (the linked Page of an Instagram account, a system user). */
const fakeId = () => `9${String(Date.now()).slice(-9)}${String(++fakeIds).padStart(5, '0')}`;

/**
 * A local stand-in for the Graph API. It knows which token controls which Page, Instagram account,
 * WhatsApp number and WhatsApp Business Account: `/me` names the token's own node, reading an id
 * the token does not control answers Graph's "does not exist or missing permissions", an unknown
 * token answers code 190. It records each call for assertions and answers with success or
 * scripted errors.
 */
export class SimulatedGraph extends SimulatedHttpServer {
  readonly calls: GraphCall[] = [];
  private readonly queries = new WeakMap<GraphCall, Record<string, string>>();
  private readonly grants = new Map<string, Grant>();
  /** Readable fields of the nodes tests created, by id. */
  private readonly nodes = new Map<string, Record<string, unknown>>();
  private readonly wabaNumbers = new Map<string, string[]>();
  private counter = 0;
  /** Ids the next Send API calls answer with, in order (a replay needs the id a sample refers to). */
  readonly nextSendIds: string[] = [];

  /**
   * From now on `id` accepts this token only (the token it had before stops working for it): a
   * rotation, or the platform revoking access. A token new to the server names `id` on `/me`.
   */
  account(id: string, token: string): this {
    for (const [other, grant] of this.grants) {
      if (other === token) continue;
      grant.ids.delete(id);
      if (grant.ids.size === 0) this.grants.delete(other);
    }
    const grant = this.grant(token);
    grant.ids.add(id);
    grant.me ??= { id };
    return this;
  }

  /** A Facebook Page and one of its Page access tokens (a Page may have several, one per admin). */
  page(pageId: string, token: string, opts: { name?: string; instagramAccountId?: string } = {}): this {
    const name = opts.name ?? `Page ${pageId}`;
    this.nodes.set(pageId, { id: pageId, name });
    const grant = this.grant(token);
    grant.me = { id: pageId, name, ...(opts.instagramAccountId ? { instagram_business_account: { id: opts.instagramAccountId } } : {}) };
    grant.ids.add(pageId);
    if (opts.instagramAccountId) grant.ids.add(opts.instagramAccountId);
    return this;
  }

  /**
   * An Instagram professional account linked to a Facebook Page, reached with that Page's access
   * token (Instagram messaging through Facebook Login). Returns the linked Page's id.
   */
  instagram(igAccountId: string, token: string, opts: { pageId?: string; username?: string } = {}): string {
    const pageId = opts.pageId ?? fakeId();
    this.nodes.set(igAccountId, { id: igAccountId, username: opts.username ?? `shop_${igAccountId.slice(-6)}` });
    this.page(pageId, token, { instagramAccountId: igAccountId });
    return pageId;
  }

  /** A WhatsApp Cloud API number of a WhatsApp Business Account, and a token that manages that account. */
  whatsapp(phoneNumberId: string, wabaId: string, token: string, opts: { displayPhoneNumber?: string; verifiedName?: string } = {}): this {
    this.nodes.set(phoneNumberId, {
      id: phoneNumberId,
      display_phone_number: opts.displayPhoneNumber ?? '+1 555-000-1234',
      verified_name: opts.verifiedName ?? 'Test Business',
    });
    this.nodes.set(wabaId, { id: wabaId, name: `WABA ${wabaId}` });
    const numbers = this.wabaNumbers.get(wabaId) ?? [];
    if (!numbers.includes(phoneNumberId)) numbers.push(phoneNumberId);
    this.wabaNumbers.set(wabaId, numbers);
    const grant = this.grant(token);
    grant.me ??= { id: fakeId(), name: 'System User' };
    grant.ids.add(phoneNumberId).add(wabaId);
    return this;
  }

  /** End Users' profiles by PSID/IGSID, readable only with a token of the account they wrote to. */
  private readonly profiles = new Map<string, { accountId: string; fields: Record<string, unknown> }>();

  /**
   * The profile of an End User who wrote to a Page (`first_name`, `last_name`) or an Instagram
   * account (`name`, `username`): `GET /{PSID|IGSID}?fields=…` with that account's token.
   */
  profile(accountId: string, userId: string, fields: Record<string, unknown>): this {
    this.profiles.set(userId, { accountId, fields: { id: userId, ...fields } });
    return this;
  }

  /** The app: its access token is `{id}|{secret}`, sent with `appsecret_proof` (the app requires it). */
  private app?: { token: string; secret: string };
  /** A person's Page-scoped ids by app-scoped id, in the order Graph lists them. */
  private readonly pageScoped = new Map<string, Array<{ pageId: string; id: string }>>();

  registerApp(appId: string, secret: string): this {
    this.app = { token: `${appId}|${secret}`, secret };
    return this;
  }

  /** The person the app knows as `asid` wrote to `pageId` as `psid` (what `ids_for_pages` lists). */
  pageScopedId(asid: string, pageId: string, psid: string): this {
    this.pageScoped.set(asid, [...(this.pageScoped.get(asid) ?? []), { pageId, id: psid }]);
    return this;
  }

  private readonly media = new Map<
    string,
    { token: string; bytes: Buffer; mimeType: string; fileName?: string; phoneNumberId?: string; failFirst?: number[] }
  >();
  /** Files on the simulated CDN, by path: Meta's attachment links carry a signature (`oh`) and need no token. */
  private readonly cdn = new Map<string, { bytes: Buffer; mimeType: string; signature: string; failFirst: number[]; gone: boolean }>();

  /** What was uploaded to a number's media endpoint, by media id. */
  uploadedMedia(id: string): { bytes: Buffer; mimeType: string; fileName?: string } | undefined {
    const m = this.media.get(id);
    return m?.phoneNumberId ? m : undefined;
  }

  /**
   * A WhatsApp media object: GET /{id} gives a short-lived URL, which serves the bytes.
   * `failFirst`: the first downloads answer these HTTP statuses instead (a flaky media host).
   */
  addMedia(id: string, token: string, bytes: Buffer, mimeType: string, opts: { failFirst?: number[] } = {}): this {
    this.media.set(id, { token, bytes, mimeType, failFirst: [...(opts.failFirst ?? [])] });
    return this;
  }

  /**
   * A file on Meta's CDN as a Messenger or Instagram attachment links to it (`payload.url`): the
   * link is signed (`oh`), a request without that signature is refused (403), and an expired
   * link answers 404. `failFirst`: the first requests answer these statuses instead.
   */
  cdnFile(bytes: Buffer, mimeType: string, opts: { failFirst?: number[] } = {}): string {
    const path = `/cdn/v/t${++this.counter}/${randomBytes(6).toString('hex')}`;
    const signature = randomBytes(12).toString('hex');
    this.cdn.set(path, { bytes, mimeType, signature, failFirst: [...(opts.failFirst ?? [])], gone: false });
    return `${this.url}${path}?oh=${signature}&oe=${Math.floor(Date.now() / 1000) + 3600}`;
  }

  /** The CDN link expired: it answers 404 from now on. */
  expireCdnFile(url: string): this {
    const file = this.cdn.get(new URL(url).pathname);
    if (file) file.gone = true;
    return this;
  }

  /** Requests the CDN served (or refused), by path. */
  cdnRequests(url: string): GraphCall[] {
    return this.callsTo(new URL(url).pathname);
  }

  /** The next call to `path` answers with this instead of success. */
  failNext(path: string, status: number, error: Record<string, unknown>, headers?: Record<string, string>): this {
    return this.script(path, { status, body: { error }, headers });
  }

  callsTo(path: string): GraphCall[] {
    return this.calls.filter((c) => c.path === path);
  }

  /** The query string parameters of a recorded call (never a token: those are refused in URLs). */
  queryOf(call: GraphCall): Record<string, string> {
    return this.queries.get(call) ?? {};
  }

  private grant(token: string): Grant {
    let grant = this.grants.get(token);
    if (!grant) this.grants.set(token, (grant = { ids: new Set() }));
    return grant;
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse, bytes: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://graph.invalid');
    const path = url.pathname;
    const multipart = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    const form = multipart ? parseMultipart(req.headers['content-type'], bytes) : undefined;
    const call: GraphCall = {
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      body: raw && !multipart ? JSON.parse(raw) : form?.fields.recipient ? sendApiFields(form) : undefined,
      ...(form ? { form } : {}),
    };
    this.calls.push(call);
    this.queries.set(call, Object.fromEntries(url.searchParams));
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => this.json(res, status, body, headers);

    const hosted = this.cdn.get(path);
    if (hosted && req.method === 'GET') {
      if (url.searchParams.get('oh') !== hosted.signature) return reply(403, { error: 'URL signature mismatch' });
      if (hosted.gone) return reply(404, { error: 'URL signature expired' });
      const status = hosted.failFirst.shift();
      if (status) return reply(status, { error: 'CDN unavailable' });
      res.writeHead(200, { 'content-type': hosted.mimeType, 'content-length': String(hosted.bytes.length) });
      return void res.end(hosted.bytes);
    }
    if (url.searchParams.has('access_token')) return reply(400, { error: { code: 100, message: 'tokens belong in the Authorization header' } });
    const [, first, second] = path.split('/');
    const media = this.media.get(first === 'media-download' ? second : first);
    if (media && req.method === 'GET') {
      if (call.authorization !== `Bearer ${media.token}`) return reply(401, { error: { code: 190, message: 'Invalid OAuth access token.' } });
      if (first === 'media-download') {
        const status = media.failFirst?.shift();
        if (status) return reply(status, { error: { code: 2, message: 'Service temporarily unavailable' } });
      }
      if (first !== 'media-download') {
        return reply(200, { url: `${this.url}/media-download/${first}`, mime_type: media.mimeType, sha256: 'abc', file_size: media.bytes.length, id: first });
      }
      res.writeHead(200, { 'content-type': media.mimeType, 'content-length': String(media.bytes.length) });
      return void res.end(media.bytes);
    }
    const [, nodeId, edge] = path.split('/');
    const token = call.authorization?.startsWith('Bearer ') ? call.authorization.slice(7) : undefined;
    const grant = token ? this.grants.get(token) : undefined;
    if (edge === 'ids_for_pages' && req.method === 'GET') return this.idsForPages(call, nodeId, token, grant, url.searchParams, reply);
    if (!grant) return reply(400, { error: INVALID_TOKEN });
    const script = this.nextScripted(path);
    if (script) return reply(script.status, script.body, script.headers);

    if (nodeId === 'me' && !edge && req.method === 'GET') return reply(200, this.pick(grant.me ?? {}, url.searchParams.get('fields')));
    const profile = this.profiles.get(nodeId);
    if (profile && !edge && req.method === 'GET') {
      if (!grant.ids.has(profile.accountId)) return reply(400, { error: NOT_VISIBLE(nodeId) });
      return reply(200, this.pick(profile.fields, url.searchParams.get('fields')));
    }
    if (!grant.ids.has(nodeId)) {
      // Graph tells a Send API call with another account's token apart only by its code.
      return req.method === 'POST' && edge === 'messages' ? reply(400, { error: INVALID_TOKEN }) : reply(400, { error: NOT_VISIBLE(nodeId) });
    }

    if (req.method === 'POST' && edge === 'media' && this.nodes.has(nodeId)) {
      // WhatsApp media upload: multipart with messaging_product, the type, and the file of that type.
      if (!form) return reply(400, { error: { code: 100, message: 'Expected multipart/form-data with a file' } });
      const file = form.files.file;
      if (form.fields.messaging_product !== 'whatsapp') return reply(400, { error: { code: 100, message: 'messaging_product must be whatsapp' } });
      if (!file || file.bytes.length === 0) return reply(400, { error: { code: 100, message: 'The parameter file is required' } });
      if (form.fields.type !== file.contentType) return reply(400, { error: { code: 131053, message: 'Media upload error: type does not match the file' } });
      if (file.bytes.length > WHATSAPP_LIMIT(file.contentType)) return reply(400, { error: { code: 131053, message: 'Media upload error: file too large' } });
      const id = `${Date.now()}${++this.counter}`;
      this.media.set(id, { token: token!, bytes: file.bytes, mimeType: file.contentType, fileName: file.fileName, phoneNumberId: nodeId });
      return reply(200, { id });
    }
    if (req.method === 'POST' && edge === 'messages') {
      const n = ++this.counter;
      const type = call.body?.type;
      // Quoted replies: WhatsApp `context.message_id` (a wamid), the Send API's `reply_to.mid`.
      if (call.body?.context !== undefined && (call.body.messaging_product !== 'whatsapp' || !/^wamid\.\S+$/.test(String(call.body.context?.message_id ?? ''))))
        return reply(400, { error: { code: 100, message: '(#100) Invalid parameter: context.message_id must be the id of a WhatsApp message' } });
      if (
        call.body?.reply_to !== undefined &&
        (call.body.messaging_product === 'whatsapp' || typeof call.body.reply_to?.mid !== 'string' || !call.body.reply_to.mid)
      )
        return reply(400, { error: { code: 100, message: '(#100) Invalid parameter: reply_to.mid is required' } });
      if (call.body?.messaging_product === 'whatsapp' && ['image', 'video', 'audio', 'document', 'sticker'].includes(type)) {
        const ref = call.body[type];
        const uploaded = typeof ref?.id === 'string' ? this.media.get(ref.id) : undefined;
        if (typeof ref?.link !== 'string' && uploaded?.phoneNumberId !== nodeId) {
          return reply(400, { error: { code: 131053, message: `Media upload error: unknown media id for ${type}` } });
        }
        if (type === 'audio' && ref.caption !== undefined) return reply(400, { error: { code: 100, message: 'audio takes no caption' } });
      }
      if (call.body?.messaging_product === 'whatsapp' && type === 'interactive') {
        const refusal = interactiveRefusal(call.body.interactive);
        if (refusal) return reply(400, { error: { code: 100, message: `(#100) Invalid parameter: ${refusal}` } });
      }
      const scriptedId = this.nextSendIds.shift();
      if (call.body?.messaging_product === 'whatsapp') {
        return reply(200, {
          messaging_product: 'whatsapp',
          contacts: [{ input: call.body.to, wa_id: String(call.body.to).replace('+', '') }],
          messages: [{ id: scriptedId ?? `wamid.fake${n}` }],
        });
      }
      if (form) {
        // A Send API attachment upload: the file in `filedata`, its type declared in the message, no URL.
        const attachment = call.body?.message?.attachment;
        const file = form.files.filedata;
        if (!file || file.bytes.length === 0) return reply(400, { error: { code: 100, message: '(#100) Upload attachment failure: filedata is required' } });
        if (!['image', 'video', 'audio', 'file'].includes(attachment?.type) || attachment.payload?.url !== undefined)
          return reply(400, { error: { code: 100, message: '(#100) Invalid attachment for an upload' } });
        if (file.bytes.length > 25 * MB) return reply(400, { error: { code: 100, message: '(#100) Attachment size exceeds allowable limit' } });
      }
      return reply(200, { recipient_id: call.body?.recipient?.id, message_id: scriptedId ?? `m_fake${n}` });
    }
    if (req.method === 'POST' && edge === 'subscribed_apps') return reply(200, { success: true });
    if (req.method === 'GET' && edge === 'phone_numbers' && this.wabaNumbers.has(nodeId)) return reply(200, this.phoneNumbers(nodeId, url.searchParams));
    if (req.method === 'GET' && !edge && this.nodes.has(nodeId)) return reply(200, this.pick(this.nodes.get(nodeId)!, url.searchParams.get('fields')));
    return reply(404, { error: { code: 803, message: `no route ${req.method} ${path}` } });
  }

  /**
   * `GET /{app-scoped-user-id}/ids_for_pages`: with the app token (and its `appsecret_proof`) every
   * Page's id of the person, with a Page token that Page's only; `page` narrows to one Page. Paged
   * like Graph (`limit`, `after`, `paging.next` repeating the query).
   */
  private idsForPages(
    call: GraphCall,
    asid: string,
    token: string | undefined,
    grant: Grant | undefined,
    params: URLSearchParams,
    reply: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const isApp = this.app !== undefined && token === this.app.token;
    if (!isApp && !grant) return reply(400, { error: INVALID_TOKEN });
    if (isApp && params.get('appsecret_proof') !== createHmac('sha256', this.app!.secret).update(token!).digest('hex')) {
      return reply(400, { error: { message: 'Invalid appsecret_proof provided in the API argument', type: 'GraphMethodException', code: 100 } });
    }
    const script = this.nextScripted(call.path);
    if (script) return reply(script.status, script.body, script.headers);
    const all = (this.pageScoped.get(asid) ?? []).filter(
      (m) => (isApp || grant!.ids.has(m.pageId)) && (!params.get('page') || params.get('page') === m.pageId),
    );
    const limit = Math.min(Number(params.get('limit') ?? 25) || 25, 100);
    const start = params.get('after') ? Number(Buffer.from(params.get('after')!, 'base64url').toString()) : 0;
    const page = all.slice(start, start + limit);
    const cursor = (i: number) => Buffer.from(String(i)).toString('base64url');
    const next = new URLSearchParams(params);
    next.set('after', cursor(start + page.length));
    return reply(200, {
      data: page.map((m) => ({ id: m.id, page: { id: m.pageId, name: `Page ${m.pageId}` } })),
      paging: {
        cursors: { before: cursor(start), after: cursor(start + page.length) },
        ...(start + limit < all.length ? { next: `${this.url}${call.path}?${next}` } : {}),
      },
    });
  }

  /** A WABA's numbers, paged like Graph: `limit` (default 25) and an opaque `after` cursor. */
  private phoneNumbers(wabaId: string, params: URLSearchParams) {
    const all = this.wabaNumbers.get(wabaId)!;
    const limit = Math.min(Number(params.get('limit') ?? 25) || 25, 100);
    const start = params.get('after') ? Number(Buffer.from(params.get('after')!, 'base64url').toString()) : 0;
    const page = all.slice(start, start + limit);
    const cursor = (i: number) => Buffer.from(String(i)).toString('base64url');
    const more = start + limit < all.length;
    return {
      data: page.map((id) => this.pick(this.nodes.get(id)!, params.get('fields'))),
      paging: {
        cursors: { before: cursor(start), after: cursor(start + page.length) },
        ...(more ? { next: `${this.url}/${wabaId}/phone_numbers?after=${cursor(start + page.length)}` } : {}),
      },
    };
  }

  /** Graph returns `id` and the fields asked for (all known ones when none are named). */
  private pick(node: Record<string, unknown>, fields: string | null): Record<string, unknown> {
    if (!fields) return { ...node };
    const wanted = new Set(['id', ...fields.split(',').map((f) => f.trim())]);
    return Object.fromEntries(Object.entries(node).filter(([k]) => wanted.has(k)));
  }
}

const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && [...v].length <= max;

/**
 * Why WhatsApp would refuse an interactive message (list or reply buttons), or null: the Cloud
 * API's limits ("Interactive list messages", "Interactive reply buttons messages"): body text up
 * to 1024 characters; a list's button label up to 20, up to 10 sections (titled, up to 24, when
 * more than one) and 10 rows in all, each row with a unique id (200) and a title (24), an optional
 * description (72); up to 3 reply buttons, each with a unique id (256) and title (20).
 */
function interactiveRefusal(i: any): string | null {
  if (!i || typeof i !== 'object') return 'interactive is required';
  if (!text(i.body?.text, 1024)) return 'interactive.body.text is required, at most 1024 characters';
  if (i.type === 'list') {
    const a = i.action ?? {};
    if (!text(a.button, 20)) return 'interactive.action.button is required, at most 20 characters';
    const sections = Array.isArray(a.sections) ? a.sections : [];
    if (sections.length < 1 || sections.length > 10) return 'interactive.action.sections: 1 to 10';
    if (sections.length > 1 && !sections.every((s: any) => text(s?.title, 24)))
      return 'a section title is required with several sections, at most 24 characters';
    const rows = sections.flatMap((s: any) => (Array.isArray(s?.rows) ? s.rows : []));
    if (rows.length < 1 || rows.length > 10) return 'interactive.action.sections.rows: 1 to 10 in all';
    if (!rows.every((r: any) => text(r?.id, 200) && text(r?.title, 24) && (r.description === undefined || text(r.description, 72))))
      return 'a row needs an id (at most 200 characters) and a title (24); a description has at most 72';
    if (new Set(rows.map((r: any) => r.id)).size !== rows.length) return 'row ids must be unique';
    return null;
  }
  if (i.type === 'button') {
    const buttons = Array.isArray(i.action?.buttons) ? i.action.buttons : [];
    if (buttons.length < 1 || buttons.length > 3) return 'interactive.action.buttons: 1 to 3';
    if (!buttons.every((b: any) => b?.type === 'reply' && text(b.reply?.id, 256) && text(b.reply?.title, 20)))
      return 'a button is {type: reply, reply: {id (at most 256 characters), title (20)}}';
    if (new Set(buttons.map((b: any) => b.reply.id)).size !== buttons.length) return 'button ids must be unique';
    return null;
  }
  return `interactive.type ${String(i.type)} is not supported here`;
}
