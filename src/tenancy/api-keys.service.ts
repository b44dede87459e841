import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { forbidden, invalid, notFound } from '../../libs/domain/src';
import { AuditLog } from '../audit/audit-log.store';
import { RefreshingCache } from '../common/refreshing-cache';
import { RegionDatabases } from '../database/region-databases';
import { ApiKey, ApiKeyStore } from './api-key.store';
import { displayPrefix, hashToken, mintToken, tenantOfToken } from './opaque-token';
import type { Principal } from './principal';
import { TenantDirectory } from './tenant-directory.store';
import type { UserRole } from './tenancy.entities';

export interface ApiKeyView {
  id: string;
  name: string;
  role: 'admin' | 'agent';
  /** The key's first characters, to recognise it. */
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const toView = (k: ApiKey): ApiKeyView => ({ ...k });

/** Which roles each role may give a key: never more than its own, never owner. */
const MAY_GIVE: Record<UserRole | 'operator', readonly string[]> = { owner: ['admin', 'agent'], admin: ['agent'], agent: [], operator: [] };

/** The parts of a request an audit entry names: the method and the path, without the query (it may hold search terms). */
export interface ApiKeyUse {
  method: string;
  path: string;
}

/**
 * API keys for other systems (`Authorization: Bearer mm_…`): shown once at creation, stored as a
 * SHA-256, recognised by their prefix, revocable, optionally expiring. A key acts with its own
 * role on behalf of the organization (what it writes is attributed to the user who created it);
 * every request made with one is in the audit log, and its last use is kept.
 */
@Injectable()
export class ApiKeys {
  /** Tenant -> region of live tenants, for routing a key: the directory is asked once a minute per tenant. */
  private readonly regions = new RefreshingCache<{ region: string | null }, string>({
    max: 50_000,
    ttlMs: 60_000,
    serveStale: false,
    load: async (tenantId) => ({ region: await this.directory.regionOf(tenantId, { active: true }) }),
  });

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly directory: TenantDirectory,
    private readonly store: ApiKeyStore,
    private readonly audit: AuditLog,
  ) {}

  async create(actor: Principal, input: { name: string; role: 'admin' | 'agent'; expiresAt?: string | null }): Promise<ApiKeyView & { key: string }> {
    if (actor.apiKeyId) throw forbidden('NOT_A_PERSON', 'API keys are managed by people, not by other keys');
    if (!MAY_GIVE[actor.role].includes(input.role)) throw forbidden('ROLE_NOT_ALLOWED', `A ${actor.role} cannot create a key with role ${input.role}`);
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw invalid('EXPIRES_IN_PAST', 'expiresAt must be in the future');
    const key = mintToken('mm_', actor.tenantId);
    const id = randomUUID();
    const made = await this.dbs.forTenant(actor, async (tx) => {
      const row = await this.store.insert(tx, actor.tenantId, {
        id,
        name: input.name,
        role: input.role,
        prefix: displayPrefix(key, 'mm_'),
        secretHash: hashToken(key),
        createdBy: actor.userId,
        expiresAt,
      });
      await this.audit.record(tx, actor.tenantId, { actor: `user:${actor.userId}`, action: 'api_key.create', subject: `api_key:${id}`, decision: 'allow' });
      return row;
    });
    return { ...toView(made), key };
  }

  async list(actor: Principal): Promise<ApiKeyView[]> {
    return (await this.dbs.forTenant(actor, (tx) => this.store.list(tx, actor.tenantId))).map(toView);
  }

  async get(actor: Principal, id: string): Promise<ApiKeyView> {
    const key = await this.dbs.forTenant(actor, (tx) => this.store.find(tx, actor.tenantId, id));
    if (!key) throw notFound('API_KEY_NOT_FOUND', 'API key not found');
    return toView(key);
  }

  async revoke(actor: Principal, id: string): Promise<ApiKeyView> {
    if (actor.apiKeyId) throw forbidden('NOT_A_PERSON', 'API keys are managed by people, not by other keys');
    return this.dbs.forTenant(actor, async (tx) => {
      const key = await this.store.revoke(tx, actor.tenantId, id);
      if (!key) throw notFound('API_KEY_NOT_FOUND', 'API key not found');
      await this.audit.record(tx, actor.tenantId, { actor: `user:${actor.userId}`, action: 'api_key.revoke', subject: `api_key:${id}`, decision: 'allow' });
      return toView(key);
    });
  }

  /** The principal of a live key, its use recorded (last use, audit entry) in one transaction; null for anything else. */
  async authenticate(token: string, use: ApiKeyUse): Promise<Principal | null> {
    const tenantId = tenantOfToken('mm_', token);
    if (!tenantId) return null;
    const { region } = await this.regions.get(tenantId, tenantId);
    if (!region || !this.dbs.hasRegion(region)) return null;
    const tenant = { tenantId, region };
    return this.dbs.forTenant(tenant, async (tx) => {
      const key = await this.store.use(tx, tenantId, hashToken(token));
      if (!key || !key.createdBy) return null;
      await this.audit.record(tx, tenantId, {
        actor: `api_key:${key.id}`,
        action: 'api_key.use',
        subject: `${use.method} ${use.path}`.slice(0, 300),
        decision: 'allow',
      });
      return { ...tenant, userId: key.createdBy, role: key.role, apiKeyId: key.id };
    });
  }
}
