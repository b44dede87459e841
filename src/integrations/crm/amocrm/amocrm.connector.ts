import {
  CrmCallError,
  CrmCapabilities,
  CrmChangeHint,
  CrmClient,
  CrmClientDraft,
  CrmConnector,
  CrmDeal,
  CrmEntity,
  CrmListRequest,
  CrmPage,
  CrmRecord,
  DealStatus,
} from '../../../../libs/domain/src';
import { emailOrNull, toE164 } from '../core/crm-contact-fields';
import type { CrmHttpResponse } from '../core/crm-http';
import { retryAfterMs } from '../core/crm-http';
import type { CrmTokenSource } from '../core/crm-oauth';
import type { CrmTransport } from '../core/crm-transport';

export interface AmoSettings {
  /** The account's own domain, e.g. https://acme.amocrm.ru */
  baseUrl: URL;
  tokens: CrmTokenSource;
  capabilities: CrmCapabilities;
}

/** Records a page at most (API v4). */
export const AMO_PAGE_SIZE = 250;
/** amoCRM's closed statuses, the same in every pipeline: 142 won, 143 lost. */
const WON = 142;
const LOST = 143;

// The vendor's JSON, read defensively field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const unix = (v: unknown): Date | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? new Date(v * 1000) : null);
const idOf = (v: unknown): string | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : typeof v === 'string' && /^\d{1,19}$/.test(v) ? v : null;

function fieldValues(c: Json, code: 'PHONE' | 'EMAIL'): string[] {
  const out: string[] = [];
  for (const f of Array.isArray(c.custom_fields_values) ? c.custom_fields_values : []) {
    if (f?.field_code !== code) continue;
    for (const v of Array.isArray(f.values) ? f.values : []) if (typeof v?.value === 'string') out.push(v.value);
  }
  return out;
}

export function toAmoClient(c: Json): CrmClient | null {
  const id = idOf(c?.id);
  if (!id) return null;
  return {
    externalId: id,
    name: str(c.name) ?? ([str(c.first_name), str(c.last_name)].filter(Boolean).join(' ') || null),
    phone:
      fieldValues(c, 'PHONE')
        .map((p) => toE164(p))
        .find((p) => p !== null) ?? null,
    email:
      fieldValues(c, 'EMAIL')
        .map(emailOrNull)
        .find((e) => e !== null) ?? null,
    remoteUpdatedAt: unix(c.updated_at),
    deleted: c.is_deleted === true,
  };
}

export function toAmoDeal(l: Json): CrmDeal | null {
  const id = idOf(l?.id);
  if (!id) return null;
  const contacts: Json[] = Array.isArray(l._embedded?.contacts) ? l._embedded.contacts : [];
  const main = contacts.find((c) => c?.is_main) ?? contacts[0];
  const statusId = num(l.status_id);
  const status: DealStatus = statusId === WON ? 'won' : statusId === LOST ? 'lost' : 'open';
  return {
    externalId: id,
    clientExternalId: idOf(main?.id),
    title: str(l.name) ?? '',
    amount: num(l.price),
    currency: null,
    stage: statusId === null ? null : String(statusId),
    status,
    remoteUpdatedAt: unix(l.updated_at),
    deleted: l.is_deleted === true,
  };
}

const PATHS: Partial<Record<CrmEntity, { path: string; key: string; with?: string }>> = {
  client: { path: '/api/v4/contacts', key: 'contacts' },
  deal: { path: '/api/v4/leads', key: 'leads', with: 'contacts' },
};

/**
 * amoCRM and Kommo API v4 on the account's own domain, with a bearer token (OAuth2, refreshed
 * when refused; or a long-lived one). Contacts and leads by `updated_at`: ascending with
 * `filter[updated_at][from]`, 250 a page, following HAL `_links.next` (a 204 is an empty page).
 */
export class AmoConnector extends CrmConnector {
  readonly capabilities: CrmCapabilities;

  constructor(
    private readonly transport: CrmTransport,
    private readonly s: AmoSettings,
  ) {
    super();
    this.capabilities = s.capabilities;
  }

  static classify(res: CrmHttpResponse): CrmCallError | null {
    let detail = `HTTP ${res.status}`;
    try {
      const p = JSON.parse(res.text);
      if (typeof p?.title === 'string') detail = `${p.title}${typeof p.detail === 'string' ? `: ${p.detail.slice(0, 200)}` : ''}`;
    } catch {
      // problem+json or nothing
    }
    if (res.status === 429) return new CrmCallError('rate_limited', `amoCRM rate limit: ${detail}`, 429, retryAfterMs(res.headers['retry-after']));
    if (res.status >= 500 || res.status === 0)
      return new CrmCallError('unavailable', `amoCRM answered ${detail}`, res.status, retryAfterMs(res.headers['retry-after']));
    if (res.status === 401) return null; // the connector refreshes the token and asks again
    if (res.status === 403) return new CrmCallError('unauthorized', `amoCRM denied access: ${detail}`, 403);
    if (res.status === 404 || res.status === 204) return null;
    if (res.status >= 400) return new CrmCallError('refused', `amoCRM refused the request: ${detail}`, res.status);
    return null;
  }

  private async call(method: 'GET' | 'POST', url: URL, body?: unknown): Promise<{ status: number; json: Json | null }> {
    let token = this.s.tokens.stale() ? await this.s.tokens.refresh(this.s.tokens.current()) : this.s.tokens.current();
    for (let attempt = 1; ; attempt++) {
      const res = await this.transport.call({
        method,
        url,
        body,
        headers: { authorization: `Bearer ${token}`, accept: 'application/hal+json, application/json' },
      });
      if (res.status === 401) {
        if (attempt > 1) throw new CrmCallError('unauthorized', 'amoCRM refused a freshly refreshed token', 401);
        token = await this.s.tokens.refresh(token);
        continue;
      }
      if (res.status === 204 || res.status === 404 || !res.text.trim()) return { status: res.status, json: null };
      try {
        return { status: res.status, json: JSON.parse(res.text) as Json };
      } catch {
        throw new CrmCallError('unavailable', 'amoCRM answered something that is not JSON', res.status);
      }
    }
  }

  private url(path: string, query: Record<string, string | number> = {}): URL {
    const url = new URL(this.s.baseUrl.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, String(v));
    return url;
  }

  async list(req: CrmListRequest): Promise<CrmPage> {
    const spec = PATHS[req.entity];
    if (!spec) return { records: [], nextPageToken: null };
    const page = req.pageToken && /^\d{1,6}$/.test(req.pageToken) ? Number(req.pageToken) : 1;
    const query: Record<string, string | number> = { page, limit: AMO_PAGE_SIZE, 'order[updated_at]': 'asc', 'order[id]': 'asc' };
    if (spec.with) query.with = spec.with;
    if (req.since) query['filter[updated_at][from]'] = Math.floor(req.since.getTime() / 1000);
    const { status, json } = await this.call('GET', this.url(spec.path, query));
    if (status === 404) throw new CrmCallError('refused', `amoCRM has no ${spec.path} (404): check the account's address`, 404);
    const items: Json[] = Array.isArray(json?._embedded?.[spec.key]) ? json!._embedded[spec.key] : [];
    const records = items.flatMap((i) => this.wrap(req.entity, i));
    const next = json?._links?.next?.href ? String(page + 1) : null;
    return { records, nextPageToken: items.length ? next : null };
  }

  private wrap(entity: CrmEntity, item: Json): CrmRecord[] {
    if (entity === 'client') {
      const c = toAmoClient(item);
      return c ? [{ entity: 'client', record: c }] : [];
    }
    if (entity === 'deal') {
      const d = toAmoDeal(item);
      return d ? [{ entity: 'deal', record: d }] : [];
    }
    return [];
  }

  async get(entity: CrmEntity, externalId: string): Promise<CrmRecord | null> {
    const spec = PATHS[entity];
    if (!spec || !/^\d{1,19}$/.test(externalId)) return null;
    const { json } = await this.call('GET', this.url(`${spec.path}/${externalId}`, spec.with ? { with: spec.with } : {}));
    return json ? (this.wrap(entity, json)[0] ?? null) : null;
  }

  async findClients(by: { phone?: string; email?: string }): Promise<CrmClient[]> {
    const value = by.phone ?? by.email;
    if (!value) return [];
    const { json } = await this.call('GET', this.url('/api/v4/contacts', { query: value, limit: 50 }));
    const found = (Array.isArray(json?._embedded?.contacts) ? json!._embedded.contacts : []).flatMap((c: Json) => (toAmoClient(c) ? [toAmoClient(c)!] : []));
    return found.filter((c: CrmClient) => (by.phone ? c.phone === by.phone : c.email === by.email?.toLowerCase()));
  }

  async upsertClient(draft: CrmClientDraft, idempotencyKey: string): Promise<CrmClient> {
    for (const by of [draft.phone ? { phone: draft.phone } : null, draft.email ? { email: draft.email } : null]) {
      if (!by) continue;
      const [existing] = await this.findClients(by);
      if (existing) return existing;
    }
    const fields = [
      ...(draft.phone ? [{ field_code: 'PHONE', values: [{ value: draft.phone, enum_code: 'WORK' }] }] : []),
      ...(draft.email ? [{ field_code: 'EMAIL', values: [{ value: draft.email, enum_code: 'WORK' }] }] : []),
    ];
    const { json } = await this.call('POST', this.url('/api/v4/contacts'), [
      { name: draft.name ?? draft.email ?? draft.phone ?? 'Client', custom_fields_values: fields, request_id: idempotencyKey.slice(0, 64) },
    ]);
    const id = idOf(json?._embedded?.contacts?.[0]?.id);
    const created = id ? await this.get('client', id) : null;
    if (!created || created.entity !== 'client') throw new CrmCallError('refused', 'amoCRM did not return the created contact');
    return created.record;
  }

  /** Form-encoded, PHP-style keys: `contacts[update][0][id]`, `leads[status][0][id]`… Only the ids are used. */
  parseWebhook(body: unknown): CrmChangeHint[] {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
    const hints: CrmChangeHint[] = [];
    const sub = (body as Record<string, unknown>)['account[subdomain]'];
    if (
      typeof sub === 'string' &&
      !this.s.baseUrl.hostname.startsWith(`${sub.toLowerCase()}.`) &&
      !['127.0.0.1', 'localhost'].includes(this.s.baseUrl.hostname)
    )
      return [];
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const m = /^(contacts|leads)\[(add|update|delete|status|restore|responsible)\]\[\d{1,4}\]\[id\]$/.exec(key);
      const id = m ? idOf(value) : null;
      if (m && id) hints.push({ entity: m[1] === 'contacts' ? 'client' : 'deal', externalId: id, deleted: m[2] === 'delete' });
    }
    return hints;
  }
}
