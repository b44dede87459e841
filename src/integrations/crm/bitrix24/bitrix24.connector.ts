import { sameSecret } from '../../../../libs/crypto/src';
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
import type { CrmTransport } from '../core/crm-transport';

export interface Bitrix24Settings {
  /** The portal, e.g. https://acme.bitrix24.ru */
  baseUrl: URL;
  webhookUserId: string;
  webhookCode: string;
  /** The outgoing webhook's application_token; events without it (or with another) are ignored. */
  applicationToken: string | null;
  capabilities: CrmCapabilities;
}

/** crm.item.list answers 50 items a page, whatever is asked. */
export const BITRIX_PAGE_SIZE = 50;
/** Commands in one `batch` call at most. */
export const BITRIX_BATCH_MAX = 50;
const ENTITY_TYPE: Partial<Record<CrmEntity, number>> = { client: 3, deal: 2 };

// The vendor's JSON, read defensively field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() && Number.isFinite(Number(v)) ? Number(v) : null;
const date = (v: unknown): Date | null => {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};
const idOf = (v: unknown): string | null =>
  typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? String(v) : typeof v === 'string' && /^\d{1,19}$/.test(v) ? v : null;

/** Multi-fields as crm.item.* writes them (`fm: [{typeId, value}]`) or as the legacy methods do (`PHONE: [{VALUE}]`). */
function multiField(item: Json, type: 'PHONE' | 'EMAIL'): string[] {
  const out: string[] = [];
  for (const f of Array.isArray(item.fm) ? item.fm : []) if (f?.typeId === type && typeof f.value === 'string') out.push(f.value);
  for (const f of Array.isArray(item[type]) ? item[type] : []) if (typeof f?.VALUE === 'string') out.push(f.VALUE);
  for (const f of Array.isArray(item[type.toLowerCase()]) ? item[type.toLowerCase()] : []) if (typeof f?.value === 'string') out.push(f.value);
  return out;
}

export function toBitrixClient(item: Json): CrmClient | null {
  const id = idOf(item?.id ?? item?.ID);
  if (!id) return null;
  const name = [str(item.name ?? item.NAME), str(item.secondName ?? item.SECOND_NAME), str(item.lastName ?? item.LAST_NAME)].filter(Boolean).join(' ') || null;
  return {
    externalId: id,
    name,
    phone:
      multiField(item, 'PHONE')
        .map((p) => toE164(p))
        .find((p) => p !== null) ?? null,
    email:
      multiField(item, 'EMAIL')
        .map(emailOrNull)
        .find((e) => e !== null) ?? null,
    remoteUpdatedAt: date(item.updatedTime ?? item.DATE_MODIFY),
    deleted: false,
  };
}

export function toBitrixDeal(item: Json): CrmDeal | null {
  const id = idOf(item?.id ?? item?.ID);
  if (!id) return null;
  const semantic = str(item.stageSemanticId ?? item.STAGE_SEMANTIC_ID);
  const status: DealStatus = semantic === 'S' ? 'won' : semantic === 'F' ? 'lost' : 'open';
  return {
    externalId: id,
    clientExternalId: idOf(item.contactId ?? item.CONTACT_ID),
    title: str(item.title ?? item.TITLE) ?? '',
    amount: num(item.opportunity ?? item.OPPORTUNITY),
    currency: str(item.currencyId ?? item.CURRENCY_ID),
    stage: str(item.stageId ?? item.STAGE_ID),
    status,
    remoteUpdatedAt: date(item.updatedTime ?? item.DATE_MODIFY),
    deleted: false,
  };
}

/**
 * Bitrix24 REST through an inbound webhook (the secret is in the URL; calls run with that
 * employee's rights). Contacts and deals are listed with crm.item.list by the fast pager: ordered
 * by id, filtered `>id` the last one seen, `start: -1` (no count), until a page has fewer than 50;
 * changed ones by `>=updatedTime` as well. Reads back by id go 50 to a `batch`.
 */
export class Bitrix24Connector extends CrmConnector {
  readonly capabilities: CrmCapabilities;

  constructor(
    private readonly transport: CrmTransport,
    private readonly s: Bitrix24Settings,
  ) {
    super();
    this.capabilities = s.capabilities;
  }

  /** Bitrix24's errors: 503 QUERY_LIMIT_EXCEEDED (the leaky bucket), 429 OPERATION_TIME_LIMIT (until time.operating_reset_at). */
  static classify(res: CrmHttpResponse, now = Date.now()): CrmCallError | null {
    let body: Json = {};
    try {
      body = JSON.parse(res.text) ?? {};
    } catch {
      // not JSON: judged by the status alone
    }
    const code = typeof body.error === 'string' ? body.error : '';
    const text = `${code || `HTTP ${res.status}`}${typeof body.error_description === 'string' ? `: ${body.error_description.slice(0, 200)}` : ''}`;
    if (code === 'QUERY_LIMIT_EXCEEDED') return new CrmCallError('rate_limited', `Bitrix24 ${text}`, res.status, 1000);
    if (code === 'OPERATION_TIME_LIMIT') {
      const reset = num(body.time?.operating_reset_at);
      return new CrmCallError('rate_limited', `Bitrix24 ${text}`, res.status, reset ? Math.max(0, reset * 1000 - now) : 10_000);
    }
    if (res.status === 429) return new CrmCallError('rate_limited', `Bitrix24 ${text}`, res.status);
    if (res.status >= 500 || res.status === 0) return new CrmCallError('unavailable', `Bitrix24 ${text}`, res.status);
    if (res.status === 401 || code === 'NO_AUTH_FOUND' || code === 'expired_token' || code === 'INVALID_CREDENTIALS')
      return new CrmCallError('unauthorized', `Bitrix24 refused the webhook: ${text}`, res.status);
    if (res.status === 403 || code === 'insufficient_scope' || code === 'ACCESS_DENIED')
      return new CrmCallError('unauthorized', `Bitrix24 denied access: ${text}`, res.status);
    if (res.status >= 400 || code) return new CrmCallError('refused', `Bitrix24 refused the request: ${text}`, res.status);
    return null;
  }

  private async call(method: string, params: Json): Promise<Json> {
    const base = this.s.baseUrl.toString().replace(/\/$/, '');
    const url = new URL(`${base}/rest/${encodeURIComponent(this.s.webhookUserId)}/${encodeURIComponent(this.s.webhookCode)}/${method}.json`);
    const res = await this.transport.call({ method: 'POST', url, body: params, headers: { accept: 'application/json' } });
    try {
      return JSON.parse(res.text) as Json;
    } catch {
      throw new CrmCallError('unavailable', `Bitrix24 ${method} answered something that is not JSON`, res.status);
    }
  }

  async list(req: CrmListRequest): Promise<CrmPage> {
    const entityTypeId = ENTITY_TYPE[req.entity];
    if (!entityTypeId) return { records: [], nextPageToken: null };
    const after = req.pageToken && /^\d{1,19}$/.test(req.pageToken) ? Number(req.pageToken) : 0;
    const filter: Json = { '>id': after };
    if (req.since) filter['>=updatedTime'] = req.since.toISOString();
    const body = await this.call('crm.item.list', { entityTypeId, order: { id: 'ASC' }, filter, select: ['*', 'fm'], start: -1 });
    const items: Json[] = Array.isArray(body.result?.items) ? body.result.items : [];
    const records = items.flatMap((i) => this.wrap(req.entity, i));
    const lastId = items.reduce((max, i) => Math.max(max, Number(idOf(i?.id) ?? 0)), after);
    return { records, nextPageToken: items.length >= BITRIX_PAGE_SIZE && lastId > after ? String(lastId) : null };
  }

  private wrap(entity: CrmEntity, item: Json): CrmRecord[] {
    if (entity === 'client') {
      const c = toBitrixClient(item);
      return c ? [{ entity: 'client', record: c }] : [];
    }
    if (entity === 'deal') {
      const d = toBitrixDeal(item);
      return d ? [{ entity: 'deal', record: d }] : [];
    }
    return [];
  }

  async get(entity: CrmEntity, externalId: string): Promise<CrmRecord | null> {
    const [found] = await this.getMany(entity, [externalId]);
    return found ?? null;
  }

  /** Up to 50 records a `batch` call; the ones the CRM no longer has are left out. */
  async getMany(entity: CrmEntity, ids: string[]): Promise<CrmRecord[]> {
    const entityTypeId = ENTITY_TYPE[entity];
    const valid = ids.filter((id) => /^\d{1,19}$/.test(id));
    if (!entityTypeId || valid.length === 0) return [];
    const out: CrmRecord[] = [];
    for (let i = 0; i < valid.length; i += BITRIX_BATCH_MAX) {
      const chunk = valid.slice(i, i + BITRIX_BATCH_MAX);
      const cmd = Object.fromEntries(chunk.map((id) => [`g${id}`, `crm.item.get?entityTypeId=${entityTypeId}&id=${id}`]));
      const body = await this.call('batch', { halt: 0, cmd });
      const results: Json = body.result?.result ?? {};
      for (const id of chunk) {
        const item = results[`g${id}`]?.item;
        if (item) out.push(...this.wrap(entity, item));
      }
    }
    return out;
  }

  async findClients(by: { phone?: string; email?: string }): Promise<CrmClient[]> {
    const value = by.phone ?? by.email;
    if (!value) return [];
    const body = await this.call('crm.duplicate.findbycomm', { entity_type: 'CONTACT', type: by.phone ? 'PHONE' : 'EMAIL', values: [value] });
    const ids: string[] = (Array.isArray(body.result?.CONTACT) ? body.result.CONTACT : [])
      .map((v: unknown) => idOf(v))
      .filter((v: string | null): v is string => v !== null);
    const found = (await this.getMany('client', ids.slice(0, BITRIX_BATCH_MAX))).flatMap((r) => (r.entity === 'client' ? [r.record] : []));
    return found.filter((c) => (by.phone ? c.phone === by.phone : c.email === by.email?.toLowerCase()));
  }

  async upsertClient(draft: CrmClientDraft, _idempotencyKey: string): Promise<CrmClient> {
    // Bitrix24 takes no idempotency key: a retried push finds the contact it made by phone or e-mail.
    for (const by of [draft.phone ? { phone: draft.phone } : null, draft.email ? { email: draft.email } : null]) {
      if (!by) continue;
      const [existing] = await this.findClients(by);
      if (existing) return existing;
    }
    const fm = [
      ...(draft.phone ? [{ typeId: 'PHONE', valueType: 'WORK', value: draft.phone }] : []),
      ...(draft.email ? [{ typeId: 'EMAIL', valueType: 'WORK', value: draft.email }] : []),
    ];
    const body = await this.call('crm.item.add', { entityTypeId: 3, fields: { name: draft.name ?? draft.email ?? draft.phone ?? 'Client', fm } });
    const created = toBitrixClient(body.result?.item ?? {});
    if (!created) throw new CrmCallError('refused', 'Bitrix24 did not return the created contact');
    return created;
  }

  /**
   * `event=ONCRMCONTACTUPDATE&data[FIELDS][ID]=89&auth[application_token]=…` (form-encoded): taken
   * only when the application token matches (constant time); only the id is used.
   */
  parseWebhook(body: unknown): CrmChangeHint[] {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
    const form = body as Record<string, unknown>;
    const token = form['auth[application_token]'];
    if (!sameSecret(this.s.applicationToken, token)) return [];
    const m = typeof form.event === 'string' ? /^ONCRM(CONTACT|DEAL)(ADD|UPDATE|DELETE)$/i.exec(form.event) : null;
    const id = idOf(form['data[FIELDS][ID]']);
    if (!m || !id) return [];
    return [{ entity: m[1].toUpperCase() === 'CONTACT' ? 'client' : 'deal', externalId: id, deleted: m[2].toUpperCase() === 'DELETE' }];
  }
}
