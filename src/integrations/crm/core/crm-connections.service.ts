import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { sameBytes } from '../../../../libs/crypto/src';
import { Clock, TenantRef, conflict, invalid, isUuid, notFound } from '../../../../libs/domain/src';
import { AuditLog } from '../../../audit/audit-log.store';
import { AppConfig } from '../../../config/app-config';
import { RegionDatabases } from '../../../database/region-databases';
import { JobQueue } from '../../../queue/job-queue.service';
import { TenantStore } from '../../../tenancy/tenant.store';
import { IntegrationDispatcher } from '../../core/integration-dispatcher.service';
import { IntegrationSecrets } from '../../core/integration-secrets.service';
import { validateCrmBaseUrl } from './crm-base-url';
import { CrmConnection, CrmConnectionStore } from './crm-connection.store';
import { CrmConnectorKinds } from './crm-connector-kinds';
import { CrmConnectors } from './crm-connectors.service';
import { CrmLinksStore, LinkedClientView } from './crm-links.store';
import { CrmRecordsStore, CrmSyncState } from './crm-records.store';
import { CrmRoutes } from './crm-routes.store';
import { CrmTarget } from './crm.target';

/** A tenant has at most this many live CRM connections. */
export const MAX_CRM_CONNECTIONS = 10;

export interface CrmConnectionStatusView {
  connection: CrmConnection;
  entities: CrmSyncState[];
  records: Record<string, { live: number; deleted: number }>;
}

export const webhookSecretHash = (secret: string) => createHash('sha256').update(`mm-crm-webhook\0${secret}`).digest();
export const oauthStateHash = (state: string) => createHash('sha256').update(`mm-crm-oauth-state\0${state}`).digest();

/**
 * A tenant's CRM connections: connecting (kind, config and credentials checked; credentials sealed
 * and never shown again; a webhook URL with a secret token shown once), listing, disconnecting
 * (sync stops, credentials wiped, synced data kept) and deleting the synced data.
 */
@Injectable()
export class CrmConnectionsService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly connections: CrmConnectionStore,
    private readonly records: CrmRecordsStore,
    private readonly kinds: CrmConnectorKinds,
    private readonly secrets: IntegrationSecrets,
    private readonly routes: CrmRoutes,
    private readonly tenants: TenantStore,
    private readonly audit: AuditLog,
    private readonly config: AppConfig,
    private readonly links: CrmLinksStore,
    private readonly dispatcher: IntegrationDispatcher,
    private readonly clock: Clock,
    private readonly target: CrmTarget,
    private readonly queue: JobQueue,
    private readonly connectors: CrmConnectors,
  ) {}

  async create(
    tenant: TenantRef,
    actorId: string,
    input: { kind: string; name: string; config: Record<string, unknown>; credentials: Record<string, unknown> },
  ): Promise<{ connection: CrmConnection; webhookUrl: string; authorizeUrl?: string }> {
    const kind = this.kinds.find(input.kind);
    if (!kind)
      throw invalid(
        'CRM_KIND_UNKNOWN',
        `kind must be one of: ${this.kinds
          .all()
          .map((k) => k.kind)
          .join(', ')}`,
      );
    const { baseUrl: rawBase, ...rest } = input.config;
    const chosenBase = rawBase ?? kind.baseUrlFrom(rest) ?? kind.defaultBaseUrl;
    if (chosenBase === null) throw invalid('INVALID_CRM_BASE_URL', `config.baseUrl is required for ${kind.kind}: the account's own address`);
    const baseUrl = validateCrmBaseUrl(chosenBase, this.config.webhooksAllowLocalTargets);
    if (rest.oauthBaseUrl !== undefined) validateCrmBaseUrl(rest.oauthBaseUrl, this.config.webhooksAllowLocalTargets);
    const valid = kind.validate(rest, input.credentials);
    const id = randomUUID();
    const secret = randomBytes(24).toString('base64url');
    // OAuth2 without a token yet: the Customer authorizes first (the answer's authorizeUrl), the callback completes it.
    const authorizing = kind.oauth !== undefined && !valid.credentials.accessToken;
    const state = authorizing ? `${id}.${randomBytes(24).toString('base64url')}` : null;
    await this.routes.add(id, tenant);
    try {
      const connection = await this.dbs.forTenant(tenant, async (tx) => {
        await this.tenants.lock(tx, tenant.tenantId);
        if ((await this.connections.count(tx, tenant.tenantId)) >= MAX_CRM_CONNECTIONS) {
          throw conflict('CRM_INTEGRATION_LIMIT', `An organization may have at most ${MAX_CRM_CONNECTIONS} connected CRMs`);
        }
        const created = await this.connections.insert(tx, tenant.tenantId, {
          id,
          kind: kind.kind,
          name: input.name,
          config: { ...valid.config, baseUrl: baseUrl.toString().replace(/\/$/, '') },
          sealedCredentials: this.secrets.seal(this.connections.secrets, tenant.tenantId, id, JSON.stringify(valid.credentials)),
          webhookSecretHash: webhookSecretHash(secret),
          oauthStateHash: state ? oauthStateHash(state) : null,
          status: authorizing ? 'pending_authorization' : 'active',
          createdBy: actorId,
        });
        await this.audit.record(tx, tenant.tenantId, {
          actor: `user:${actorId}`,
          action: 'crm_integration.create',
          subject: `crm_integration:${id}`,
          decision: 'allow',
          reason: `kind ${kind.kind}; host ${baseUrl.host}`,
        });
        return created;
      });
      // Pushes of new clients start with the next message, not after the dispatcher's cache expires.
      this.dispatcher.forget(tenant.tenantId);
      const authorizeUrl = state ? kind.oauth!.authorizeUrl(connection.config, state, this.redirectUri) : undefined;
      return { connection, webhookUrl: `${this.config.publicBaseUrl}/webhooks/crm/${id}/${secret}`, ...(authorizeUrl ? { authorizeUrl } : {}) };
    } catch (err) {
      await this.routes.remove(id).catch(() => undefined);
      throw err;
    }
  }

  list(tenant: TenantRef): Promise<CrmConnection[]> {
    return this.dbs.forTenant(tenant, (tx) => this.connections.list(tx, tenant.tenantId));
  }

  get(tenant: TenantRef, id: string): Promise<CrmConnection> {
    return this.dbs.forTenant(tenant, (tx) => this.existing(tx, tenant.tenantId, id));
  }

  /** The connection, which must be active (a sync of a paused or disconnected one is refused). */
  async requireActive(tenant: TenantRef, id: string): Promise<CrmConnection> {
    const c = await this.get(tenant, id);
    if (c.status !== 'active') throw conflict('CRM_INTEGRATION_NOT_ACTIVE', `The integration is ${c.status}`);
    return c;
  }

  async status(tenant: TenantRef, id: string): Promise<CrmConnectionStatusView> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const connection = await this.existing(tx, tenant.tenantId, id);
      return { connection, entities: await this.records.states(tx, tenant.tenantId, id), records: await this.records.counts(tx, tenant.tenantId, id) };
    });
  }

  /** Stops sync at once and wipes the credentials; what was synced stays until `deleteData` or termination. */
  async disconnect(tenant: TenantRef, actorId: string, id: string): Promise<CrmConnection> {
    return this.dbs.forTenant(tenant, async (tx) => {
      await this.existing(tx, tenant.tenantId, id, true);
      await this.connections.disconnect(tx, tenant.tenantId, id);
      // Pushes not sent yet are not sent: their deliveries are skipped, their jobs dropped.
      const pending = await this.target.log.pendingOf(tx, tenant.tenantId, id);
      await this.queue.discard(tx, this.target.jobKind, tenant.tenantId, pending);
      for (const d of pending)
        await this.target.log.close(tx, tenant.tenantId, d, 'skipped', 'DISCONNECTED: the integration was disconnected before this push was sent');
      await this.audit.record(tx, tenant.tenantId, {
        actor: `user:${actorId}`,
        action: 'crm_integration.disconnect',
        subject: `crm_integration:${id}`,
        decision: 'allow',
      });
      return (await this.connections.find(tx, tenant.tenantId, id))!;
    });
  }

  /**
   * Deletes everything synced from the CRM (records, links, cursors). A disconnected connection
   * goes with it; a live one syncs again from scratch.
   */
  async deleteData(tenant: TenantRef, actorId: string, id: string): Promise<{ counts: Record<string, number>; connectionDeleted: boolean }> {
    const result = await this.dbs.forTenant(tenant, async (tx) => {
      const c = await this.existing(tx, tenant.tenantId, id, true);
      const counts = await this.records.deleteData(tx, tenant.tenantId, id);
      const connectionDeleted = c.status === 'disconnected';
      if (connectionDeleted) await this.connections.delete(tx, tenant.tenantId, id);
      await this.audit.record(tx, tenant.tenantId, {
        actor: `user:${actorId}`,
        action: 'crm_integration.delete_data',
        subject: `crm_integration:${id}`,
        decision: 'allow',
        reason: JSON.stringify(counts),
      });
      return { counts, connectionDeleted };
    });
    if (result.connectionDeleted) await this.routes.remove(id);
    return result;
  }

  /** Where OAuth2 CRMs send the Customer back (GET /integrations/oauth/callback). */
  get redirectUri(): string {
    return `${this.config.publicBaseUrl}/integrations/oauth/callback`;
  }

  /**
   * The end of an OAuth2 authorization: `state` names the connection (and proves the redirect is
   * the one we started: constant-time, single use), `referer` must be the connection's own
   * account, and the code is exchanged for the token pair, stored sealed before anything uses it.
   */
  async completeAuthorization(code: string, state: string, referer: string): Promise<CrmConnection> {
    const refused = () => invalid('OAUTH_STATE_INVALID', 'This authorization is unknown, was already used, or has expired: connect the CRM again');
    const [id] = state.split('.', 1);
    if (!isUuid(id) || state.length > 200) throw refused();
    const route = await this.routes.find(id);
    if (!route || !this.dbs.hasRegion(route.region)) throw refused();
    const tenant = { tenantId: route.tenantId, region: route.region };
    const pending = await this.dbs.forTenant(tenant, async (tx) => {
      const c = await this.connections.withSecrets(tx, tenant.tenantId, id, true);
      if (!c || !c.oauthStateHash || !c.sealedCredentials || !sameBytes(c.oauthStateHash, oauthStateHash(state))) throw refused();
      // Single use: whatever happens next, this state is spent.
      await this.connections.setOauthState(tx, tenant.tenantId, id, null);
      return c;
    });
    const kind = this.kinds.find(pending.kind);
    if (!kind?.oauth) throw refused();
    const baseUrl = new URL(String(pending.config.baseUrl));
    if (!kind.oauth.accountOf(referer, { baseUrl })) {
      await this.audit.recordAlone(tenant, {
        actor: 'system:crm',
        action: 'crm_integration.authorize',
        subject: `crm_integration:${id}`,
        decision: 'deny',
        reason: 'OAUTH_REFERER_MISMATCH',
      });
      throw invalid('OAUTH_REFERER_MISMATCH', "The authorization came back from another account than the integration's: connect the CRM again");
    }
    const tokens = await this.connectors.exchange(tenant, pending, code, this.redirectUri).catch((err: Error) => {
      throw invalid('OAUTH_EXCHANGE_FAILED', `The CRM did not accept the authorization code: ${err.message.slice(0, 200)}`);
    });
    return this.dbs.forTenant(tenant, async (tx) => {
      const c = await this.connections.withSecrets(tx, tenant.tenantId, id, true);
      if (!c || c.status === 'disconnected') throw refused();
      const creds = JSON.parse(this.secrets.open(this.connections.secrets, tenant.tenantId, id, c.sealedCredentials!));
      await this.connections.replaceCredentials(
        tx,
        tenant.tenantId,
        id,
        this.secrets.seal(this.connections.secrets, tenant.tenantId, id, JSON.stringify({ ...creds, ...tokens })),
      );
      await this.connections.setStatus(tx, tenant.tenantId, id, 'active', null);
      await this.audit.record(tx, tenant.tenantId, {
        actor: 'system:crm',
        action: 'crm_integration.authorize',
        subject: `crm_integration:${id}`,
        decision: 'allow',
      });
      return (await this.connections.find(tx, tenant.tenantId, id))!;
    });
  }

  /** The connection a CRM webhook names, when its secret token matches (constant time); null otherwise. */
  async webhookTarget(integrationId: string, secret: string): Promise<{ tenant: TenantRef; connection: CrmConnection } | null> {
    const route = await this.routes.find(integrationId);
    if (!route) return null;
    const tenant = { tenantId: route.tenantId, region: route.region };
    if (!this.dbs.hasRegion(tenant.region)) return null;
    const c = await this.dbs.forTenant(tenant, (tx) => this.connections.withSecrets(tx, tenant.tenantId, integrationId));
    if (!c || !sameBytes(c.webhookSecretHash, webhookSecretHash(secret))) return null;
    return { tenant, connection: c };
  }

  /** The contact's linked CRM clients with upcoming appointments and recent deals; 404 for another tenant's contact. */
  async contactView(tenant: TenantRef, contactId: string): Promise<LinkedClientView[]> {
    return this.dbs.forTenant(tenant, async (tx) => {
      if (!(await this.links.contactExists(tx, tenant.tenantId, contactId))) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
      return this.links.view(tx, tenant.tenantId, contactId, this.clock.now());
    });
  }

  private async existing(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<CrmConnection> {
    const found = await this.connections.find(tx, tenantId, id, lock);
    if (!found) throw notFound('CRM_INTEGRATION_NOT_FOUND', 'Integration not found');
    return found;
  }
}
