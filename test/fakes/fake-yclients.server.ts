import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatedHttpServer } from '../../src/sandbox/platforms/simulated-http-server';

export interface FakeYclientsClient {
  id: number;
  name: string;
  phone: string;
  email: string;
  last_change_date: string;
  deleted?: boolean;
}

export interface FakeYclientsRecord {
  id: number;
  company_id: number;
  staff_id: number;
  staff: { id: number; name: string };
  services: Array<{ id: number; title: string; cost: number }>;
  client: { id: number; name: string; phone: string; email: string } | null;
  datetime: string;
  create_date: string;
  last_change_date: string;
  seance_length: number;
  attendance: number;
  confirmed: number;
  deleted: boolean;
}

const ACCEPTED = ['application/vnd.yclients.v2+json', 'application/vnd.api.v2+json'];
const MAX_PAGE = 200;

/** ISO 8601 with the +03:00 offset YCLIENTS writes (Moscow time). */
export function moscowIso(ms: number): string {
  const d = new Date(ms + 3 * 3600_000);
  return d.toISOString().replace(/\.\d{3}Z$/, '+03:00');
}

/**
 * A YCLIENTS/Altegio API that checks what the real one checks, and a little more: the
 * `Authorization: Bearer <partner>, User <user>` header on every call, an Accept of the v2 type,
 * `page`/`count` (count <= 200) on records, `page_size` <= 200 on client search; answers in the
 * `{success, data, meta}` envelope. Its rate limit is a token bucket (`ratePerSecond`, `burst`):
 * a request over it gets 429 with Retry-After and is counted in `rateLimited`. `storm` answers the
 * next requests with scripted 429/503s. Every change moves the record's last_change_date on.
 */
export class FakeYclients extends SimulatedHttpServer {
  readonly companyId = 307626;
  readonly partnerToken = 'yc-partner-token-0001';
  userToken = 'yc-user-token-0001';
  ratePerSecond = 5;
  burst = 5;
  readonly clients = new Map<number, FakeYclientsClient>();
  readonly records = new Map<number, FakeYclientsRecord>();
  readonly services = [
    { id: 11, title: 'Стрижка', price_min: 1500, price_max: 1500 },
    { id: 12, title: 'Окрашивание', price_min: 4000, price_max: 6000 },
  ];
  readonly staff = [
    { id: 2835418, name: 'Анна', specialization: 'стилист', position: { id: 1, title: 'Стилист' }, fired: 0, hidden: 0 },
    { id: 2835419, name: 'Мария', specialization: 'колорист', position: { id: 2, title: 'Колорист' }, fired: 0, hidden: 0 },
  ];
  /** Every request: method, path and query, in order. */
  readonly log: Array<{ method: string; path: string; query: Record<string, string> }> = [];
  readonly refused = { auth: 0, accept: 0, paging: 0 };
  rateLimited = 0;
  /** Requests answered with a storm status. */
  stormed = 0;
  private storms: Array<{ status: number; retryAfter?: string }> = [];
  private tokens = 5;
  private lastRefill = Date.now();
  private nextId = 1_000_000;
  /** The fake's clock for change times: starts in the past, moves forward with every change. */
  private changeClock = Date.now() - 30 * 86400_000;

  /** Clients and records, changed over the last month. */
  seed(clients: number, records: number): this {
    for (let i = 0; i < clients; i++)
      this.addClient({ name: `Клиент ${i}`, phone: `7916${String(1000000 + i).padStart(7, '0')}`, email: i % 3 === 0 ? `client${i}@example.test` : '' });
    const ids = [...this.clients.keys()];
    for (let i = 0; i < records; i++) this.addRecord(ids[i % ids.length], { start: Date.now() + (i - records / 2) * 3600_000 });
    return this;
  }

  addClient(c: { name: string; phone: string; email?: string }): FakeYclientsClient {
    const client = { id: this.nextId++, name: c.name, phone: c.phone, email: c.email ?? '', last_change_date: this.tick() };
    this.clients.set(client.id, client);
    return client;
  }

  addRecord(clientId: number, opts: { start?: number; attendance?: number } = {}): FakeYclientsRecord {
    const c = this.clients.get(clientId)!;
    const at = this.tick();
    const r: FakeYclientsRecord = {
      id: this.nextId++,
      company_id: this.companyId,
      staff_id: this.staff[0].id,
      staff: { id: this.staff[0].id, name: this.staff[0].name },
      services: [{ id: 11, title: 'Стрижка', cost: 1500 }],
      client: { id: c.id, name: c.name, phone: c.phone, email: c.email },
      datetime: moscowIso(opts.start ?? Date.now() + 86400_000),
      create_date: at,
      last_change_date: at,
      seance_length: 3600,
      attendance: opts.attendance ?? 0,
      confirmed: 1,
      deleted: false,
    };
    this.records.set(r.id, r);
    return r;
  }

  /** Changes a record as a salon admin would; its last_change_date moves to now. */
  updateRecord(id: number, patch: Partial<FakeYclientsRecord>): FakeYclientsRecord {
    const r = this.records.get(id)!;
    Object.assign(r, patch, { last_change_date: this.now() });
    return r;
  }

  deleteRecord(id: number): void {
    this.updateRecord(id, { deleted: true });
  }

  updateClient(id: number, patch: Partial<FakeYclientsClient>): FakeYclientsClient {
    const c = this.clients.get(id)!;
    Object.assign(c, patch, { last_change_date: this.now() });
    return c;
  }

  /** The next `n` requests are answered with these statuses in turn (429s carry Retry-After when given). */
  storm(statuses: Array<{ status: number; retryAfter?: string }>): this {
    this.storms.push(...statuses);
    return this;
  }

  requestsTo(pathPrefix: string): number {
    return this.log.filter((l) => l.path.startsWith(pathPrefix)).length;
  }

  /** Seeded changes are a minute apart, a month ago. */
  private tick(): string {
    this.changeClock += 60_000;
    return moscowIso(this.changeClock);
  }

  private now(): string {
    this.changeClock = Math.max(this.changeClock + 1000, Date.now());
    return moscowIso(this.changeClock);
  }

  private takeToken(): boolean {
    const t = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.lastRefill) / 1000) * this.ratePerSecond);
    this.lastRefill = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private ok(res: ServerResponse, data: unknown, meta: unknown = {}): void {
    this.json(res, 200, { success: true, data, meta });
  }

  private fail(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.json(res, status, { success: false, data: null, meta: { message } }, headers);
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/v1/, '');
    this.log.push({ method: req.method ?? '', path, query: Object.fromEntries(url.searchParams) });

    const storm = this.storms.shift();
    if (storm) {
      this.stormed++;
      return this.fail(
        res,
        storm.status,
        storm.status === 429 ? 'Too many requests' : 'Service unavailable',
        storm.retryAfter ? { 'retry-after': storm.retryAfter } : {},
      );
    }
    if (!this.takeToken()) {
      this.rateLimited++;
      return this.fail(res, 429, 'Too many requests', { 'retry-after': '1' });
    }
    if (!ACCEPTED.includes(String(req.headers.accept))) {
      this.refused.accept++;
      return this.fail(res, 415, 'Accept must be a v2 API type');
    }
    if (req.headers.authorization !== `Bearer ${this.partnerToken}, User ${this.userToken}`) {
      this.refused.auth++;
      return this.fail(res, 401, 'Unauthorized');
    }
    let body: Record<string, any> = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.fail(res, 400, 'Invalid JSON');
      }
    }
    const company = String(this.companyId);
    let m: RegExpMatchArray | null;

    if (req.method === 'GET' && path === `/company/${company}/services`) return this.ok(res, this.services);
    if (req.method === 'GET' && path === `/staff/${company}`) return this.ok(res, this.staff);

    if (req.method === 'POST' && path === `/company/${company}/clients/search`) {
      const page = Number(body.page ?? 1);
      const size = Number(body.page_size ?? 25);
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
        this.refused.paging++;
        return this.fail(res, 400, 'page_size must be 1..200');
      }
      let list = [...this.clients.values()].filter((c) => !c.deleted).sort((a, b) => a.id - b.id);
      const quick = (body.filters ?? []).find((f: any) => f?.type === 'quick_search')?.state?.value;
      if (typeof quick === 'string') list = list.filter((c) => c.phone.includes(quick) || c.email === quick || c.name.includes(quick));
      return this.ok(res, list.slice((page - 1) * size, page * size), { total_count: list.length });
    }
    if (req.method === 'POST' && path === `/clients/${company}`) {
      if (typeof body.name !== 'string' || !body.name) return this.fail(res, 422, 'name is required');
      const c = this.addClient({ name: body.name, phone: String(body.phone ?? ''), email: String(body.email ?? '') });
      c.last_change_date = this.now();
      return this.ok(res, c);
    }
    if (req.method === 'GET' && (m = path.match(new RegExp(`^/client/${company}/(\\d+)$`)))) {
      const c = this.clients.get(Number(m[1]));
      return c && !c.deleted ? this.ok(res, c) : this.fail(res, 404, 'Client not found');
    }
    if (req.method === 'GET' && path === `/records/${company}`) {
      const page = Number(url.searchParams.get('page') ?? 1);
      const count = Number(url.searchParams.get('count') ?? 25);
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(count) || count < 1 || count > MAX_PAGE) {
        this.refused.paging++;
        return this.fail(res, 400, 'count must be 1..200');
      }
      const after = url.searchParams.get('changed_after');
      const since = after ? Date.parse(after) : null;
      if (after && Number.isNaN(since)) return this.fail(res, 400, 'changed_after must be a date');
      const withDeleted = url.searchParams.get('with_deleted') === '1';
      const list = [...this.records.values()]
        .filter((r) => (withDeleted || !r.deleted) && (since === null || Date.parse(r.last_change_date) >= since!))
        .sort((a, b) => a.id - b.id);
      return this.ok(res, list.slice((page - 1) * count, page * count), { count: list.length });
    }
    if (req.method === 'GET' && (m = path.match(new RegExp(`^/record/${company}/(\\d+)$`)))) {
      const r = this.records.get(Number(m[1]));
      return r && !r.deleted ? this.ok(res, r) : this.fail(res, 404, 'Record not found');
    }
    this.fail(res, 404, `No route ${req.method} ${path}`);
  }
}
