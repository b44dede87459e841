import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatedHttpServer } from '../../src/sandbox/platforms/simulated-http-server';

export interface FakeBitrixItem {
  id: number;
  updatedTime: string;
  [field: string]: unknown;
}

const PAGE = 50;

/** ISO 8601 with the portal's +03:00 offset, as Bitrix24 writes times. */
const portalIso = (ms: number) => new Date(ms + 3 * 3600_000).toISOString().replace(/\.\d{3}Z$/, '+03:00');

/**
 * A Bitrix24 portal's REST API behind an inbound webhook, checking what the real one enforces:
 * the URL must carry the webhook's user id and code (else 401 NO_AUTH_FOUND); the leaky bucket
 * (drains `drainPerSecond`, holds `capacity`; over it: 503 QUERY_LIMIT_EXCEEDED, counted in
 * `rateLimited`); crm.item.list pages of 50 by `start` (0, 50, …, or -1 for no count) with the
 * documented filter prefixes; `batch` of at most 50 commands. `storm` scripts 503/429 answers,
 * `operationLimit` an OPERATION_TIME_LIMIT with its reset time.
 */
export class FakeBitrix24 extends SimulatedHttpServer {
  readonly userId = '17';
  readonly code = 'b1x9webhookcode0042';
  readonly applicationToken = 'app-token-5f3c1a';
  drainPerSecond = 2;
  capacity = 50;
  readonly contacts = new Map<number, FakeBitrixItem>();
  readonly deals = new Map<number, FakeBitrixItem>();
  readonly log: Array<{ method: string; body: Record<string, unknown> }> = [];
  readonly refused = { auth: 0, paging: 0, batch: 0 };
  rateLimited = 0;
  stormed = 0;
  private storms: Array<{ status: number; error: string; resetInSeconds?: number }> = [];
  private level = 0;
  private lastLeak = Date.now();
  private nextId = 1;
  private changeClock = Date.now() - 30 * 86400_000;

  seed(contacts: number, deals: number): this {
    for (let i = 0; i < contacts; i++)
      this.addContact({
        name: `Контакт`,
        lastName: `Номер${i}`,
        phone: `+7926${String(2000000 + i).padStart(7, '0')}`,
        email: i % 4 === 0 ? `b24-${i}@example.test` : undefined,
      });
    const ids = [...this.contacts.keys()];
    for (let i = 0; i < deals; i++) this.addDeal(ids[i % ids.length], { title: `Заказ ${i}`, opportunity: 1000 + i });
    return this;
  }

  addContact(c: { name: string; lastName?: string; phone?: string; email?: string }): FakeBitrixItem {
    const item: FakeBitrixItem = {
      id: this.nextId++,
      name: c.name,
      lastName: c.lastName ?? '',
      fm: [
        ...(c.phone ? [{ typeId: 'PHONE', valueType: 'WORK', value: c.phone }] : []),
        ...(c.email ? [{ typeId: 'EMAIL', valueType: 'WORK', value: c.email }] : []),
      ],
      updatedTime: this.tick(),
    };
    this.contacts.set(item.id, item);
    return item;
  }

  addDeal(contactId: number, d: { title: string; opportunity: number; stageSemanticId?: string }): FakeBitrixItem {
    const item: FakeBitrixItem = {
      id: this.nextId++,
      title: d.title,
      opportunity: d.opportunity,
      currencyId: 'RUB',
      stageId: 'NEW',
      stageSemanticId: d.stageSemanticId ?? 'P',
      contactId,
      updatedTime: this.tick(),
    };
    this.deals.set(item.id, item);
    return item;
  }

  update(kind: 'contact' | 'deal', id: number, patch: Record<string, unknown>): FakeBitrixItem {
    const item = (kind === 'contact' ? this.contacts : this.deals).get(id)!;
    Object.assign(item, patch, { updatedTime: this.now() });
    return item;
  }

  remove(kind: 'contact' | 'deal', id: number): void {
    (kind === 'contact' ? this.contacts : this.deals).delete(id);
  }

  storm(answers: Array<{ status: number; error: string; resetInSeconds?: number }>): this {
    this.storms.push(...answers);
    return this;
  }

  calls(method: string): number {
    return this.log.filter((l) => l.method === method).length;
  }

  private tick(): string {
    this.changeClock += 60_000;
    return portalIso(this.changeClock);
  }

  private now(): string {
    this.changeClock = Math.max(this.changeClock + 1000, Date.now());
    return portalIso(this.changeClock);
  }

  /** The leaky bucket: one drop per request, draining at `drainPerSecond`. */
  private admit(): boolean {
    const t = Date.now();
    this.level = Math.max(0, this.level - ((t - this.lastLeak) / 1000) * this.drainPerSecond);
    this.lastLeak = t;
    if (this.level + 1 > this.capacity) return false;
    this.level += 1;
    return true;
  }

  private time() {
    return {
      start: Date.now() / 1000,
      finish: Date.now() / 1000,
      duration: 0.01,
      processing: 0.005,
      operating: 0.05,
      operating_reset_at: Math.floor(Date.now() / 1000) + 600,
    };
  }

  private ok(res: ServerResponse, result: unknown, extra: Record<string, unknown> = {}): void {
    this.json(res, 200, { result, ...extra, time: this.time() });
  }

  private error(res: ServerResponse, status: number, error: string, description: string, extra: Record<string, unknown> = {}): void {
    this.json(res, status, { error, error_description: description, ...extra });
  }

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/rest\/([^/]+)\/([^/]+)\/([a-z.]+)\.json$/.exec(url.pathname);
    let body: Record<string, any>;
    try {
      body = raw ? JSON.parse(raw) : {};
    } catch {
      return this.error(res, 400, 'INVALID_REQUEST', 'Invalid JSON');
    }
    this.log.push({ method: m?.[3] ?? url.pathname, body });
    const storm = this.storms.shift();
    if (storm) {
      this.stormed++;
      return this.error(
        res,
        storm.status,
        storm.error,
        storm.error,
        storm.resetInSeconds !== undefined ? { time: { ...this.time(), operating_reset_at: Math.floor(Date.now() / 1000) + storm.resetInSeconds } } : {},
      );
    }
    if (!this.admit()) {
      this.rateLimited++;
      return this.error(res, 503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
    }
    if (!m || m[1] !== this.userId || m[2] !== this.code) {
      this.refused.auth++;
      return this.error(res, 401, 'NO_AUTH_FOUND', 'Wrong authorization data');
    }
    const answer = this.method(m[3], body);
    if ('error' in answer) return this.error(res, answer.status, answer.error, answer.error);
    return this.ok(res, answer.result, answer.extra);
  }

  private store(entityTypeId: unknown): Map<number, FakeBitrixItem> | null {
    return Number(entityTypeId) === 3 ? this.contacts : Number(entityTypeId) === 2 ? this.deals : null;
  }

  private method(method: string, p: Record<string, any>): { result: unknown; extra?: Record<string, unknown> } | { error: string; status: number } {
    switch (method) {
      case 'crm.item.list': {
        const store = this.store(p.entityTypeId);
        if (!store) return { error: 'NOT_FOUND', status: 400 };
        const start = Number(p.start ?? 0);
        if (!Number.isInteger(start) || (start !== -1 && (start < 0 || start % PAGE !== 0))) {
          this.refused.paging++;
          return { error: 'INVALID_ARG_VALUE', status: 400 };
        }
        let items = [...store.values()];
        for (const [key, value] of Object.entries(p.filter ?? {})) {
          const fm = /^(>=|>|<=|<|=)?(id|updatedTime)$/.exec(key);
          if (!fm) return { error: 'INVALID_ARG_VALUE', status: 400 };
          const [, op = '=', field] = fm;
          const v = field === 'id' ? Number(value) : Date.parse(String(value));
          const get = (i: FakeBitrixItem) => (field === 'id' ? i.id : Date.parse(i.updatedTime));
          items = items.filter((i) =>
            op === '>' ? get(i) > v : op === '>=' ? get(i) >= v : op === '<' ? get(i) < v : op === '<=' ? get(i) <= v : get(i) === v,
          );
        }
        const desc = String(p.order?.id ?? 'ASC').toUpperCase() === 'DESC';
        items.sort((a, b) => (desc ? b.id - a.id : a.id - b.id));
        const from = start === -1 ? 0 : start;
        const page = items.slice(from, from + PAGE);
        const extra = start === -1 ? {} : { total: items.length, ...(from + PAGE < items.length ? { next: from + PAGE } : {}) };
        return { result: { items: page }, extra };
      }
      case 'crm.item.get': {
        const item = this.store(p.entityTypeId)?.get(Number(p.id));
        return item ? { result: { item } } : { error: 'NOT_FOUND', status: 400 };
      }
      case 'crm.item.add': {
        if (Number(p.entityTypeId) !== 3) return { error: 'NOT_FOUND', status: 400 };
        const f = p.fields ?? {};
        const item = this.addContact({
          name: String(f.name ?? ''),
          phone: f.fm?.find((x: any) => x.typeId === 'PHONE')?.value,
          email: f.fm?.find((x: any) => x.typeId === 'EMAIL')?.value,
        });
        item.updatedTime = this.now();
        return { result: { item } };
      }
      case 'crm.duplicate.findbycomm': {
        const values: string[] = Array.isArray(p.values) ? p.values : [];
        const type = String(p.type);
        const ids = [...this.contacts.values()]
          .filter((c) => (c.fm as Array<{ typeId: string; value: string }>).some((f) => f.typeId === type && values.includes(f.value)))
          .map((c) => c.id);
        return { result: ids.length ? { CONTACT: ids } : [] };
      }
      case 'batch': {
        const cmd = p.cmd ?? {};
        const keys = Object.keys(cmd);
        if (keys.length > 50) {
          this.refused.batch++;
          return { error: 'INVALID_ARG_VALUE', status: 400 };
        }
        const result: Record<string, unknown> = {};
        const errors: Record<string, unknown> = {};
        for (const k of keys) {
          const [name, query] = String(cmd[k]).split('?');
          const params = Object.fromEntries(new URLSearchParams(query ?? ''));
          if (name === 'batch') return { error: 'INVALID_ARG_VALUE', status: 400 };
          const r = this.method(name, params);
          if ('error' in r) errors[k] = { error: r.error };
          else result[k] = r.result;
        }
        return { result: { result, result_error: errors } };
      }
      default:
        return { error: 'ERROR_METHOD_NOT_FOUND', status: 404 };
    }
  }
}
