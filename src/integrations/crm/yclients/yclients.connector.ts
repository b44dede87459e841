import {
  APPOINTMENT_STATUSES,
  AppointmentStatus,
  CrmAppointment,
  CrmCallError,
  CrmCapabilities,
  CrmChangeHint,
  CrmClient,
  CrmClientDraft,
  CrmConnector,
  CrmEntity,
  CrmListRequest,
  CrmPage,
  CrmRecord,
  CrmService,
  CrmStaffMember,
} from '../../../../libs/domain/src';
import type { CrmHttpResponse } from '../core/crm-http';
import { retryAfterMs } from '../core/crm-http';
import { emailOrNull, phoneDigits, toE164 } from '../core/crm-contact-fields';
import type { CrmTransport } from '../core/crm-transport';

export interface YclientsSettings {
  baseUrl: URL;
  companyId: string;
  partnerToken: string;
  userToken: string;
  /** YCLIENTS: application/vnd.yclients.v2+json; Altegio: application/vnd.api.v2+json. */
  accept: string;
  capabilities: CrmCapabilities;
}

/** Records and clients per page: the API documents 200 for client search; records take `count` up to 200 in practice. */
export const YCLIENTS_PAGE_SIZE = 200;

// The vendor's JSON, read defensively field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() && Number.isFinite(Number(v)) ? Number(v) : null;
const date = (v: unknown): Date | null => {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const d = new Date(typeof v === 'number' ? v * 1000 : v.replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
};
const idOf = (v: unknown): string | null =>
  typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' && /^\d{1,19}$/.test(v) ? v : null;

/** attendance: 2 confirmed, 1 arrived (completed once it ended), 0 waiting, -1 no-show; deleted records are cancelled. */
export function appointmentStatus(r: Json, now = Date.now()): AppointmentStatus {
  if (r.deleted === true || r.deleted === 1) return 'cancelled';
  switch (Number(r.attendance)) {
    case -1:
      return 'no_show';
    case 1: {
      const start = date(r.datetime)?.getTime();
      return start !== undefined && start + (num(r.seance_length) ?? 0) * 1000 < now ? 'completed' : 'arrived';
    }
    case 2:
      return 'confirmed';
    default:
      return Number(r.confirmed) === 1 ? 'confirmed' : 'pending';
  }
}

export function toClient(c: Json, deleted = false): CrmClient | null {
  const id = idOf(c?.id);
  if (!id) return null;
  return {
    externalId: id,
    name: str(c.name) ?? ([str(c.surname), str(c.patronymic)].filter(Boolean).join(' ') || null),
    phone: toE164(str(c.phone)),
    email: emailOrNull(c.email),
    remoteUpdatedAt: date(c.last_change_date) ?? null,
    deleted: deleted || c.deleted === true,
  };
}

export function toAppointment(r: Json): CrmAppointment | null {
  const id = idOf(r?.id);
  const startsAt = date(r?.datetime);
  if (!id || !startsAt) return null;
  const services = (Array.isArray(r.services) ? r.services : [])
    .map((s: Json) => ({ externalId: idOf(s?.id) ?? '', title: str(s?.title) ?? '', cost: num(s?.cost) }))
    .filter((s: { externalId: string }) => s.externalId);
  const amount = services.reduce((sum: number | null, s: { cost: number | null }) => (s.cost === null ? sum : (sum ?? 0) + s.cost), null);
  const status = appointmentStatus(r);
  return {
    externalId: id,
    clientExternalId: idOf(r.client?.id),
    startsAt,
    durationSeconds: num(r.seance_length) ?? num(r.length),
    services,
    staffExternalId: idOf(r.staff_id) ?? idOf(r.staff?.id),
    staffName: str(r.staff?.name),
    amount,
    status: APPOINTMENT_STATUSES.includes(status) ? status : 'pending',
    remoteUpdatedAt: date(r.last_change_date) ?? date(r.create_date),
    deleted: r.deleted === true || r.deleted === 1,
  };
}

const toService = (s: Json): CrmService | null => {
  const id = idOf(s?.id);
  return id ? { externalId: id, title: str(s.title) ?? '', price: num(s.price_min) ?? num(s.cost), remoteUpdatedAt: null, deleted: false } : null;
};

const toStaff = (s: Json): CrmStaffMember | null => {
  const id = idOf(s?.id);
  return id
    ? {
        externalId: id,
        name: str(s.name) ?? '',
        position: str(s.position?.title) ?? str(s.specialization),
        active: !(s.fired === 1 || s.fired === true || s.hidden === 1 || s.hidden === true),
        remoteUpdatedAt: null,
        deleted: false,
      }
    : null;
};

/**
 * The YCLIENTS REST API (and Altegio, the same API under another host and Accept type): partner
 * and user token in one Authorization header, `{success, data, meta}` envelopes, records listed by
 * `changed_after` with deleted ones included, clients by the paged search (no updated-since
 * filter: the nightly full pass and webhooks keep them current).
 */
export class YclientsConnector extends CrmConnector {
  readonly capabilities: CrmCapabilities;

  constructor(
    private readonly transport: CrmTransport,
    private readonly s: YclientsSettings,
  ) {
    super();
    this.capabilities = s.capabilities;
  }

  /** How an answer counts (the transport retries rate limits and outages). */
  static classify(res: CrmHttpResponse): CrmCallError | null {
    const message = (): string => {
      try {
        const m = JSON.parse(res.text)?.meta?.message;
        return typeof m === 'string' ? m.slice(0, 200) : `HTTP ${res.status}`;
      } catch {
        return `HTTP ${res.status}`;
      }
    };
    if (res.status === 429) return new CrmCallError('rate_limited', `YCLIENTS rate limit: ${message()}`, 429, retryAfterMs(res.headers['retry-after']));
    if (res.status >= 500 || res.status === 0)
      return new CrmCallError('unavailable', `YCLIENTS answered ${res.status}`, res.status, retryAfterMs(res.headers['retry-after']));
    if (res.status === 401 || res.status === 403) return new CrmCallError('unauthorized', `YCLIENTS refused the tokens: ${message()}`, res.status);
    if (res.status === 404) return null; // the caller decides (a record that is gone)
    if (res.status >= 400) return new CrmCallError('refused', `YCLIENTS refused the request: ${message()}`, res.status);
    return null;
  }

  private url(path: string, query: Record<string, string | number | undefined> = {}): URL {
    const url = new URL(this.s.baseUrl.toString().replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  /** One API call; a 404 is an answer only where `missingOk` (reading a record back), else a refusal. */
  private async call(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    opts: { query?: Record<string, string | number | undefined>; body?: unknown; missingOk?: boolean } = {},
  ): Promise<{ status: number; data: Json | Json[] | null; meta: Json | null }> {
    const res = await this.transport.call({
      method,
      url: this.url(path, opts.query),
      headers: { authorization: `Bearer ${this.s.partnerToken}, User ${this.s.userToken}`, accept: this.s.accept },
      body: opts.body,
    });
    if (res.status === 404) {
      if (opts.missingOk) return { status: 404, data: null, meta: null };
      throw new CrmCallError('refused', `YCLIENTS has no ${method} ${path.replace(/\d+/g, ':id')} (404): check config.baseUrl and companyId`, 404);
    }
    let parsed: Json;
    try {
      parsed = JSON.parse(res.text);
    } catch {
      throw new CrmCallError('unavailable', 'YCLIENTS answered something that is not JSON', res.status);
    }
    if (parsed?.success === false) throw new CrmCallError('refused', `YCLIENTS: ${str(parsed.meta?.message) ?? 'request failed'}`, res.status);
    return { status: res.status, data: parsed?.data, meta: parsed?.meta };
  }

  private get company(): string {
    return encodeURIComponent(this.s.companyId);
  }

  async list(req: CrmListRequest): Promise<CrmPage> {
    const page = req.pageToken ? Math.max(1, Number(req.pageToken) || 1) : 1;
    const more = (got: number) => (got >= YCLIENTS_PAGE_SIZE ? String(page + 1) : null);
    switch (req.entity) {
      case 'client': {
        const { data, meta } = await this.call('POST', `/company/${this.company}/clients/search`, {
          body: {
            page,
            page_size: YCLIENTS_PAGE_SIZE,
            fields: ['id', 'name', 'phone', 'email', 'last_change_date'],
            order_by: 'id',
            order_by_direction: 'ASC',
            operation: 'AND',
            filters: [],
          },
        });
        const list: Json[] = Array.isArray(data) ? data : [];
        const total = num(meta?.total_count);
        const next = total !== null ? (page * YCLIENTS_PAGE_SIZE < total && list.length > 0 ? String(page + 1) : null) : more(list.length);
        return { records: list.flatMap((c) => wrap('client', toClient(c))), nextPageToken: next };
      }
      case 'appointment': {
        const { data } = await this.call('GET', `/records/${this.company}`, {
          query: { page, count: YCLIENTS_PAGE_SIZE, with_deleted: 1, changed_after: req.since ? req.since.toISOString() : undefined },
        });
        const list: Json[] = Array.isArray(data) ? data : [];
        return { records: list.flatMap((r) => wrap('appointment', toAppointment(r))), nextPageToken: more(list.length) };
      }
      case 'service': {
        const { data } = await this.call('GET', `/company/${this.company}/services`);
        const list: Json[] = Array.isArray(data) ? data : Array.isArray(data?.services) ? data.services : [];
        return { records: list.flatMap((s) => wrap('service', toService(s))), nextPageToken: null };
      }
      case 'staff': {
        const { data } = await this.call('GET', `/staff/${this.company}`);
        const list: Json[] = Array.isArray(data) ? data : [];
        return { records: list.flatMap((s) => wrap('staff', toStaff(s))), nextPageToken: null };
      }
      default:
        return { records: [], nextPageToken: null };
    }
  }

  async get(entity: CrmEntity, externalId: string): Promise<CrmRecord | null> {
    if (!/^\d{1,19}$/.test(externalId)) return null;
    if (entity === 'client') {
      const { status, data } = await this.call('GET', `/client/${this.company}/${externalId}`, { missingOk: true });
      return status === 404 || !data ? null : (wrap('client', toClient(data))[0] ?? null);
    }
    if (entity === 'appointment') {
      const { status, data } = await this.call('GET', `/record/${this.company}/${externalId}`, { missingOk: true });
      return status === 404 || !data ? null : (wrap('appointment', toAppointment(data))[0] ?? null);
    }
    return null;
  }

  async findClients(by: { phone?: string; email?: string }): Promise<CrmClient[]> {
    const value = by.phone ? phoneDigits(by.phone) : by.email;
    if (!value) return [];
    const { data } = await this.call('POST', `/company/${this.company}/clients/search`, {
      body: { page: 1, page_size: 50, fields: ['id', 'name', 'phone', 'email'], operation: 'AND', filters: [{ type: 'quick_search', state: { value } }] },
    });
    const found = (Array.isArray(data) ? data : []).flatMap((c: Json) => (toClient(c) ? [toClient(c)!] : []));
    // quick_search matches parts of names too: keep exact matches only.
    return found.filter((c: CrmClient) => (by.phone ? c.phone === by.phone : c.email === by.email?.toLowerCase()));
  }

  async upsertClient(draft: CrmClientDraft, _idempotencyKey: string): Promise<CrmClient> {
    // YCLIENTS takes no idempotency key: a retried push finds the client it made by phone or e-mail.
    for (const by of [draft.phone ? { phone: draft.phone } : null, draft.email ? { email: draft.email } : null]) {
      if (!by) continue;
      const [existing] = await this.findClients(by);
      if (existing) return existing;
    }
    const { data } = await this.call('POST', `/clients/${this.company}`, {
      body: {
        name: draft.name ?? draft.email ?? draft.phone ?? 'Client',
        phone: draft.phone ? phoneDigits(draft.phone) : undefined,
        email: draft.email ?? undefined,
      },
    });
    const created = data && !Array.isArray(data) ? toClient(data) : null;
    if (!created) throw new CrmCallError('refused', 'YCLIENTS did not return the created client', null);
    return created;
  }

  /** `{company_id, resource, resource_id, status}`: a hint only, read back by id. */
  parseWebhook(body: unknown): CrmChangeHint[] {
    const items = Array.isArray(body) ? body : [body];
    const hints: CrmChangeHint[] = [];
    for (const b of items.slice(0, 100)) {
      if (!b || typeof b !== 'object') continue;
      const h = b as Json;
      if (h.company_id !== undefined && String(h.company_id) !== this.s.companyId) continue;
      const entity: CrmEntity | null = h.resource === 'record' ? 'appointment' : h.resource === 'client' ? 'client' : null;
      const id = idOf(h.resource_id) ?? idOf(h.data?.id);
      if (entity && id) hints.push({ entity, externalId: id, deleted: h.status === 'delete' });
    }
    return hints;
  }
}

function wrap<E extends CrmRecord['entity']>(entity: E, record: Extract<CrmRecord, { entity: E }>['record'] | null): CrmRecord[] {
  return record ? [{ entity, record } as CrmRecord] : [];
}
