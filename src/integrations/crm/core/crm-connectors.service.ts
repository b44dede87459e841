import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CrmCallError, CrmConnector, TenantRef } from '../../../../libs/domain/src';
import { AppConfig } from '../../../config/app-config';
import { RegionDatabases } from '../../../database/region-databases';
import { IntegrationSecrets } from '../../core/integration-secrets.service';
import { CrmConnectionStore, CrmConnectionWithSecrets } from './crm-connection.store';
import { CrmConnectionSettings, CrmConnectorKind, CrmConnectorKinds } from './crm-connector-kinds';
import { CrmHttp } from './crm-http';
import type { CrmTokenSet, CrmTokenSource } from './crm-oauth';
import { CrmTransport } from './crm-transport';
import { TokenBucket } from './token-bucket';

export interface OpenedConnector {
  connector: CrmConnector;
  transport: CrmTransport;
  kind: CrmConnectorKind;
}

/** A token this close to its expiry is refreshed before it is used. */
const REFRESH_AHEAD_MS = 60_000;

/**
 * Opens connections' connectors: credentials opened in memory for the call, one HTTP client for
 * the app, and one token bucket per connection at the vendor's documented rate, shared by the
 * sync, webhook read-backs and pushes of this instance (runs of one connection hold its advisory
 * lock, so one instance at a time pulls from a CRM).
 *
 * OAuth2 tokens: a refresh runs with the connection's row locked (one refresh per connection at a
 * time, across instances; on this instance callers share the one under way), re-reads the stored
 * pair first (another caller may have refreshed already), and stores the new pair in that same
 * transaction before anyone uses it: refresh tokens are single-use, and a pair not stored is lost.
 */
@Injectable()
export class CrmConnectors implements OnApplicationShutdown {
  private readonly http: CrmHttp;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly refreshing = new Map<string, Promise<string>>();
  /** Benchmarks against fakes with scaled-up limits only: multiplies every vendor rate. */
  rateScale = 1;

  constructor(
    private readonly kinds: CrmConnectorKinds,
    private readonly connections: CrmConnectionStore,
    private readonly secrets: IntegrationSecrets,
    private readonly dbs: RegionDatabases,
    private readonly config: AppConfig,
  ) {
    this.http = new CrmHttp(config.webhooksAllowLocalTargets);
  }

  onApplicationShutdown(): void {
    this.http.close();
  }

  private get redirectUri(): string {
    return `${this.config.publicBaseUrl}/integrations/oauth/callback`;
  }

  private credentialsOf(tenant: TenantRef, c: CrmConnectionWithSecrets): Record<string, string> {
    return JSON.parse(this.secrets.open(this.connections.secrets, tenant.tenantId, c.id, c.sealedCredentials!)) as Record<string, string>;
  }

  private settingsOf(c: CrmConnectionWithSecrets, kind: CrmConnectorKind, credentials: Record<string, string>): CrmConnectionSettings {
    return { connectionId: c.id, baseUrl: new URL(String(c.config.baseUrl ?? kind.defaultBaseUrl)), config: c.config, credentials };
  }

  private transportFor(c: { id: string }, kind: CrmConnectorKind): CrmTransport {
    return new CrmTransport(this.http, this.bucketFor(c.id, kind), (res) => kind.classify(res));
  }

  /** Null when the connection has no credentials (disconnected) or its kind is not in this build. */
  open(tenant: TenantRef, c: CrmConnectionWithSecrets): OpenedConnector | null {
    const kind = this.kinds.find(c.kind);
    if (!kind || !c.sealedCredentials) return null;
    const credentials = this.credentialsOf(tenant, c);
    const transport = this.transportFor(c, kind);
    const settings = this.settingsOf(c, kind, credentials);
    if (credentials.accessToken) settings.tokens = this.tokenSource(tenant, c.id, kind, credentials);
    return { connector: kind.open(settings, transport), transport, kind };
  }

  private tokenSource(tenant: TenantRef, connectionId: string, kind: CrmConnectorKind, credentials: Record<string, string>): CrmTokenSource {
    let current = credentials.accessToken;
    const expiresAt = Number(credentials.expiresAt ?? 0);
    let stale = Boolean(credentials.refreshToken) && expiresAt > 0 && expiresAt - Date.now() < REFRESH_AHEAD_MS;
    return {
      current: () => current,
      refresh: async (rejected) => {
        current = await this.refresh(tenant, connectionId, kind, rejected);
        stale = false;
        return current;
      },
      stale: () => stale,
    };
  }

  /** The authorization code for the first token pair (OAuth2 callback). */
  async exchange(tenant: TenantRef, c: CrmConnectionWithSecrets, code: string, redirectUri: string): Promise<CrmTokenSet> {
    const kind = this.kinds.find(c.kind);
    if (!kind?.oauth) throw new CrmCallError('refused', 'this CRM has no OAuth');
    return kind.oauth.exchange(this.transportFor(c, kind), this.settingsOf(c, kind, this.credentialsOf(tenant, c)), code, redirectUri);
  }

  /** A new access token after `rejected` was refused: shared by this instance's callers, serialized across instances. */
  refresh(tenant: TenantRef, connectionId: string, kind: CrmConnectorKind, rejected: string): Promise<string> {
    const under = this.refreshing.get(connectionId);
    if (under) return under;
    const p = this.refreshLocked(tenant, connectionId, kind, rejected).finally(() => this.refreshing.delete(connectionId));
    this.refreshing.set(connectionId, p);
    return p;
  }

  private refreshLocked(tenant: TenantRef, connectionId: string, kind: CrmConnectorKind, rejected: string): Promise<string> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const c = await this.connections.withSecrets(tx, tenant.tenantId, connectionId, true);
      if (!c || !c.sealedCredentials || c.status === 'disconnected') throw new CrmCallError('unauthorized', 'the integration is disconnected');
      const creds = this.credentialsOf(tenant, c);
      // Refreshed meanwhile by another caller (here or on another instance): use theirs.
      if (creds.accessToken && creds.accessToken !== rejected && Number(creds.expiresAt ?? Infinity) - Date.now() > REFRESH_AHEAD_MS) return creds.accessToken;
      if (!creds.refreshToken || !kind.oauth)
        throw new CrmCallError('unauthorized', 'the CRM refused the access token and there is none to refresh it with: reconnect the integration');
      const next = await kind.oauth.refresh(this.transportFor(c, kind), this.settingsOf(c, kind, creds), creds.refreshToken, this.redirectUri);
      await this.storeRefreshed(tx, tenant, connectionId, {
        ...creds,
        accessToken: next.accessToken,
        refreshToken: next.refreshToken,
        expiresAt: String(next.expiresAt),
      });
      return next.accessToken;
    });
  }

  /** Stores a refreshed pair, in the transaction that holds the connection's lock (commits before the token is used). */
  async storeRefreshed(tx: EntityManager, tenant: TenantRef, connectionId: string, credentials: Record<string, string>): Promise<void> {
    await this.connections.replaceCredentials(
      tx,
      tenant.tenantId,
      connectionId,
      this.secrets.seal(this.connections.secrets, tenant.tenantId, connectionId, JSON.stringify(credentials)),
    );
  }

  private bucketFor(connectionId: string, kind: CrmConnectorKind): TokenBucket {
    const { requests, perSeconds, burst } = kind.capabilities.rate;
    const rate = (requests / perSeconds) * this.rateScale;
    let bucket = this.buckets.get(connectionId);
    if (!bucket || bucket.ratePerSecond !== rate) {
      bucket = new TokenBucket(rate, burst);
      this.buckets.set(connectionId, bucket);
    }
    return bucket;
  }
}
