import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { SimulatedHttpServer } from '../../src/sandbox/platforms/simulated-http-server';

export interface FakeAmoContact {
  id: number;
  name: string;
  updated_at: number;
  custom_fields_values: Array<{ field_code: string; values: Array<{ value: string; enum_code: string }> }>;
  request_id?: string;
}

export interface FakeAmoLead {
  id: number;
  name: string;
  price: number;
  status_id: number;
  pipeline_id: number;
  updated_at: number;
  _embedded: { contacts: Array<{ id: number; is_main: boolean }> };
}

const PAGE_MAX = 250;

/**
 * An amoCRM/Kommo account: OAuth2 on /oauth2/access_token (authorization codes, and refresh tokens
 * that are single-use: every refresh issues a new pair and kills the old refresh token and access
 * token), API v4 behind `Authorization: Bearer` (401 for any other token), HAL pages of at most
 * 250 with `_links.next`, 204 for an empty list, `filter[updated_at][from]`, `query` search,
 * contact creation from a JSON array. Its limit is 7 requests a second (a token bucket; 429 over
 * it, counted in `rateLimited`); `storm` scripts 429/5xx answers.
 */
export class FakeAmo extends SimulatedHttpServer {
  readonly clientId = 'a1b2c3d4-0000-4000-8000-amoclient001';
  readonly clientSecret = 'amo-client-secret-0123456789';
  ratePerSecond = 7;
  burst = 7;
  readonly contacts = new Map<number, FakeAmoContact>();
  readonly leads = new Map<number, FakeAmoLead>();
  readonly log: Array<{ method: string; path: string; query: Record<string, string>; token: string | null }> = [];
  rateLimited = 0;
  stormed = 0;
  /** Refresh grants answered, and refused (a dead or unknown refresh token). */
  refreshes = 0;
  refusedRefreshes = 0;
  private readonly codes = new Set<string>();
  private accessTokens = new Set<string>();
  private refreshTokens = new Set<string>();
  private storms: Array<{ status: number; retryAfter?: string }> = [];
  private tokens = 7;
  private lastRefill = Date.now();
  private nextId = 100_000;
  private changeClock = Math.floor(Date.now() / 1000) - 30 * 86400;

  seed(contacts: number, leads: number): this {
    for (let i = 0; i < contacts; i++)
      this.addContact(`Контакт Амо ${i}`, `+7903${String(3000000 + i).padStart(7, '0')}`, i % 5 === 0 ? `amo-${i}@example.test` : undefined);
    const ids = [...this.contacts.keys()];
    for (let i = 0; i < leads; i++) this.addLead(ids[i % ids.length], `Сделка ${i}`, 5000 + i);
    return this;
  }

  /** A code the authorization page would hand the redirect. */
  issueCode(): string {
    const code = `def50200${randomBytes(16).toString('hex')}`;
    this.codes.add(code);
    return code;
  }

  /** Every access token stops working now (expired), the refresh tokens stay valid. */
  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  isLiveRefreshToken(token: string): boolean {
    return this.refreshTokens.has(token);
  }

  addContact(name: string, phone?: string, email?: string): FakeAmoContact {
    const c: FakeAmoContact = {
      id: this.nextId++,
      name,
      updated_at: this.tick(),
      custom_fields_values: [
        ...(phone ? [{ field_code: 'PHONE', values: [{ value: phone, enum_code: 'WORK' }] }] : []),
        ...(email ? [{ field_code: 'EMAIL', values: [{ value: email, enum_code: 'WORK' }] }] : []),
      ],
    };
    this.contacts.set(c.id, c);
    return c;
  }

  addLead(contactId: number, name: string, price: number): FakeAmoLead {
    const l: FakeAmoLead = {
      id: this.nextId++,
      name,
      price,
      status_id: 20000001,
      pipeline_id: 5000,
      updated_at: this.tick(),
      _embedded: { contacts: [{ id: contactId, is_main: true }] },
    };
    this.leads.set(l.id, l);
    return l;
  }

  updateContact(id: number, patch: Partial<FakeAmoContact>): void {
    Object.assign(this.contacts.get(id)!, patch, { updated_at: this.now() });
  }

  updateLead(id: number, patch: Partial<FakeAmoLead>): void {
    Object.assign(this.leads.get(id)!, patch, { updated_at: this.now() });
  }

  storm(answers: Array<{ status: number; retryAfter?: string }>): this {
    this.storms.push(...answers);
    return this;
  }

  private tick(): number {
    this.changeClock += 60;
    return this.changeClock;
  }

  private now(): number {
    this.changeClock = Math.max(this.changeClock + 1, Math.floor(Date.now() / 1000));
    return this.changeClock;
  }

  private issuePair() {
    const access = `amo-access-${randomBytes(12).toString('hex')}`;
    const refresh = `amo-refresh-${randomBytes(12).toString('hex')}`;
    this.accessTokens.add(access);
    this.refreshTokens.add(refresh);
    return { token_type: 'Bearer', expires_in: 86400, access_token: access, refresh_token: refresh };
  }

  private takeToken(): boolean {
    const t = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.lastRefill) / 1000) * this.ratePerSecond);
    this.lastRefill = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private problem(res: ServerResponse, status: number, title: string, detail: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/problem+json', ...headers });
    res.end(JSON.stringify({ type: 'https://httpstatus.es/' + status, title, status, detail }));
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    this.log.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), token });
    const storm = this.storms.shift();
    if (storm) {
      this.stormed++;
      return this.problem(
        res,
        storm.status,
        storm.status === 429 ? 'Too Many Requests' : 'Service Unavailable',
        'storm',
        storm.retryAfter ? { 'retry-after': storm.retryAfter } : {},
      );
    }
    if (!this.takeToken()) {
      this.rateLimited++;
      return this.problem(res, 429, 'Too Many Requests', 'Rate limit exceeded');
    }
    let body: any;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      return this.problem(res, 400, 'Bad Request', 'Invalid JSON');
    }

    if (req.method === 'POST' && url.pathname === '/oauth2/access_token') {
      if (body?.client_id !== this.clientId || body?.client_secret !== this.clientSecret)
        return this.problem(res, 401, 'Unauthorized', 'Client authentication failed');
      if (body.grant_type === 'authorization_code') {
        if (!this.codes.delete(body.code)) return this.json(res, 400, { hint: 'Authorization code has been revoked', title: 'Bad Request', status: 400 });
        return this.json(res, 200, this.issuePair());
      }
      if (body.grant_type === 'refresh_token') {
        if (!this.refreshTokens.delete(body.refresh_token)) {
          this.refusedRefreshes++;
          return this.json(res, 400, { hint: 'Token has been revoked', title: 'Bad Request', status: 400 });
        }
        this.refreshes++;
        // Rotation: the old access tokens die with the refresh token that made them.
        this.accessTokens.clear();
        return this.json(res, 200, this.issuePair());
      }
      return this.json(res, 400, { hint: 'Unsupported grant type', title: 'Bad Request', status: 400 });
    }

    if (!token || !this.accessTokens.has(token)) return this.problem(res, 401, 'Unauthorized', 'Unauthorized');

    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && (m = url.pathname.match(/^\/api\/v4\/(contacts|leads)$/))) {
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const page = Number(url.searchParams.get('page') ?? 1);
      if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX || !Number.isInteger(page) || page < 1)
        return this.problem(res, 400, 'Bad Request', 'limit must be 1..250');
      const store: Map<number, FakeAmoContact | FakeAmoLead> = m[1] === 'contacts' ? this.contacts : this.leads;
      let items = [...store.values()];
      const from = url.searchParams.get('filter[updated_at][from]');
      if (from !== null) items = items.filter((i) => i.updated_at >= Number(from));
      const query = url.searchParams.get('query');
      if (query) items = items.filter((i) => JSON.stringify(i).includes(query));
      const dir = url.searchParams.get('order[updated_at]') === 'desc' ? -1 : 1;
      items.sort((a, b) => dir * (a.updated_at - b.updated_at) || a.id - b.id);
      const slice = items.slice((page - 1) * limit, page * limit);
      if (slice.length === 0) {
        res.writeHead(204);
        res.end();
        return;
      }
      const self = `${this.url}${url.pathname}?page=${page}&limit=${limit}`;
      const links: Record<string, { href: string }> = { self: { href: self } };
      if (page * limit < items.length) links.next = { href: `${this.url}${url.pathname}?page=${page + 1}&limit=${limit}` };
      return this.json(res, 200, { _page: page, _links: links, _embedded: { [m[1]]: slice } }, { 'content-type': 'application/hal+json' });
    }
    if (req.method === 'GET' && (m = url.pathname.match(/^\/api\/v4\/(contacts|leads)\/(\d+)$/))) {
      const item = (m[1] === 'contacts' ? this.contacts : this.leads).get(Number(m[2]));
      return item ? this.json(res, 200, item) : this.problem(res, 404, 'Not Found', 'No such entity');
    }
    if (req.method === 'POST' && url.pathname === '/api/v4/contacts') {
      if (!Array.isArray(body) || body.length === 0) return this.problem(res, 400, 'Bad Request', 'an array of contacts is expected');
      const created = body.map((c: any) => {
        const contact = this.addContact(String(c.name ?? ''));
        contact.custom_fields_values = Array.isArray(c.custom_fields_values) ? c.custom_fields_values : [];
        contact.updated_at = this.now();
        return { id: contact.id, request_id: c.request_id };
      });
      return this.json(res, 200, { _links: {}, _embedded: { contacts: created } });
    }
    this.problem(res, 404, 'Not Found', `${req.method} ${url.pathname}`);
  }
}
