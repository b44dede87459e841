import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock, CrmCallError, TenantRef } from '../../../../libs/domain/src';
import { RegionDatabases } from '../../../database/region-databases';
import { rows } from '../../../database/sql';
import { DeliveryLog } from '../../core/delivery-log.store';
import { DeliveryToRender, DeliveryVerdict, IntegrationEndpoint, IntegrationTarget, SealedSecretColumn } from '../../core/integration-target';
import { CrmConnectionStore } from './crm-connection.store';
import { CrmConnectors } from './crm-connectors.service';
import { CrmLinksStore } from './crm-links.store';
import { CrmRecordsStore } from './crm-records.store';
import { CrmRoutes } from './crm-routes.store';
import { CrmSyncEngine } from './crm-sync.engine';

/** What pushes new clients: every active connection that can create clients, for the purpose the policy judges. */
export interface CrmEndpoint extends IntegrationEndpoint {
  kind: string;
}

export interface CrmPush {
  connectionId: string;
  tenantId: string;
  contactId: string | null;
  /** Only what End Users write opens a client: an agent's reply has nothing new to push. */
  inbound: boolean;
  /** `contact:<id>`: every push of one End User is the same push (a CRM that takes keys dedupes on it). */
  idempotencyKey: string;
}

export type CrmPushOutcome =
  { result: 'pushed'; clientExternalId: string } | { result: 'nothing'; why: string } | { result: 'error'; error: CrmCallError | Error };

/**
 * Pushes to CRMs through the integrations' delivery outbox: an End User who writes in and is not
 * yet a client of a connected CRM becomes one (by E.164 phone or e-mail). The core applies the
 * purpose policy first: the endpoint's purpose is `crm_sync`, so a contact whose data came from
 * Messenger, Instagram or WhatsApp is pushed only with a recorded `crm_enrichment` consent, else
 * the delivery is withheld and the refusal audited. The pushed client is stored and linked at
 * once, so the next sync finds it unchanged, not new.
 */
@Injectable()
export class CrmTarget extends IntegrationTarget<CrmEndpoint, CrmPush, CrmPushOutcome> {
  readonly kind = 'crm';
  readonly jobKind = 'crm';
  readonly log = new DeliveryLog('crm_deliveries', 'connection_id');
  readonly audit = { actor: 'system:crm', action: 'crm.push', endpoint: 'crm_integration' };
  private readonly logger = new Logger(CrmTarget.name);
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly connections: CrmConnectionStore,
    private readonly connectors: CrmConnectors,
    private readonly records: CrmRecordsStore,
    private readonly links: CrmLinksStore,
    private readonly routes: CrmRoutes,
    private readonly clock: Clock,
    private readonly engine: CrmSyncEngine,
  ) {
    super();
  }

  override get secrets(): SealedSecretColumn {
    return this.connections.secrets;
  }

  async wantedEventTypes(tx: EntityManager, tenantId: string): Promise<string[]> {
    return (await this.pushing(tx, tenantId)).length ? ['message.created'] : [];
  }

  async endpointsFor(tx: EntityManager, tenantId: string, eventType: string): Promise<IntegrationEndpoint[]> {
    return eventType === 'message.created' ? (await this.pushing(tx, tenantId)).map((c) => ({ id: c.id, purpose: 'crm_sync' as const })) : [];
  }

  async endpoint(tx: EntityManager, tenantId: string, id: string): Promise<CrmEndpoint | null> {
    const c = await this.connections.find(tx, tenantId, id);
    return c && c.status === 'active' ? { id: c.id, kind: c.kind, purpose: 'crm_sync' } : null;
  }

  private async pushing(tx: EntityManager, tenantId: string): Promise<Array<{ id: string }>> {
    return rows<{ id: string }>(
      tx,
      `select id from crm_connections where tenant_id = $1 and status = 'active' and coalesce((config ->> 'pushNewClients')::boolean, true) order by created_at, id`,
      [tenantId],
    );
  }

  render({ tenantId, endpoint, subject }: DeliveryToRender<CrmEndpoint>): CrmPush {
    const message = (subject.data.message ?? {}) as { direction?: string };
    return {
      connectionId: endpoint.id,
      tenantId,
      contactId: subject.contactId,
      inbound: message.direction === 'inbound',
      idempotencyKey: `contact:${subject.contactId}`,
    };
  }

  /**
   * One push per contact and connection at a time on this instance (two messages of a new End
   * User arrive together); the second then finds the link the first made.
   */
  send(p: CrmPush): Promise<CrmPushOutcome> {
    const key = `${p.connectionId}:${p.contactId}`;
    const turn = (this.inFlight.get(key) ?? Promise.resolve()).then(() => this.push(p));
    const settled = turn.then(() => undefined);
    this.inFlight.set(key, settled);
    void settled.then(() => {
      if (this.inFlight.get(key) === settled) this.inFlight.delete(key);
    });
    return turn;
  }

  private async push(p: CrmPush): Promise<CrmPushOutcome> {
    try {
      if (!p.inbound || !p.contactId) return { result: 'nothing', why: 'not an End User message' };
      const route = await this.routes.find(p.connectionId);
      if (!route) return { result: 'nothing', why: 'the integration is gone' };
      const tenant: TenantRef = { tenantId: p.tenantId, region: route.region };
      const contactId = p.contactId;
      const prepared = await this.dbs.forTenant(tenant, async (tx) => {
        const c = await this.connections.withSecrets(tx, tenant.tenantId, p.connectionId);
        if (!c || c.status !== 'active') return { nothing: 'the integration is not active' } as const;
        // Already a client (synced with the same number or address, or pushed before): linked, nothing to push.
        await this.links.linkContact(tx, tenant.tenantId, contactId, p.connectionId);
        if (await this.links.isLinked(tx, tenant.tenantId, contactId, p.connectionId)) return { nothing: 'already linked to a client' } as const;
        const fields = await this.links.contactFields(tx, tenant.tenantId, contactId);
        if (!fields || (fields.phones.length === 0 && fields.emails.length === 0))
          return { nothing: 'no phone number or e-mail address to identify a client by' } as const;
        return { connection: c, fields };
      });
      if ('nothing' in prepared) return { result: 'nothing', why: prepared.nothing! };
      const opened = this.connectors.open(tenant, prepared.connection);
      if (!opened?.connector.capabilities.pushClients) return { result: 'nothing', why: 'this CRM takes no pushes' };
      const client = await opened.connector
        .upsertClient({ name: prepared.fields.name, phone: prepared.fields.phones[0] ?? null, email: prepared.fields.emails[0] ?? null }, p.idempotencyKey)
        .catch(async (err: Error) => {
          // Refused credentials pause the integration (and tell the Customer), as a sync would.
          if (err instanceof CrmCallError && err.failure === 'unauthorized')
            await this.engine.pause(tenant, p.connectionId, prepared.connection.name, err.message);
          throw err;
        });
      await this.dbs.forTenant(tenant, async (tx) => {
        await this.records.upsert(tx, tenant.tenantId, p.connectionId, [{ entity: 'client', record: client }], this.clock.now());
        await this.links.link(tx, tenant.tenantId, contactId, p.connectionId, client.externalId, 'push');
      });
      return { result: 'pushed', clientExternalId: client.externalId };
    } catch (err) {
      if (!(err instanceof CrmCallError)) this.logger.error(`CRM push to ${p.connectionId}: ${(err as Error).message}`);
      return { result: 'error', error: err as Error };
    }
  }

  classify(o: CrmPushOutcome): DeliveryVerdict {
    if (o.result !== 'error') return { verdict: 'delivered', responseCode: null };
    const e = o.error;
    if (e instanceof CrmCallError) {
      if (e.retryable) return { verdict: 'retry', responseCode: e.status, error: e.message, retryAfterMs: e.retryAfterMs };
      return { verdict: 'failed', responseCode: e.status, error: `${e.failure}: ${e.message}` };
    }
    return { verdict: 'retry', responseCode: null, error: `INTERNAL_ERROR: ${e.message}` };
  }
}
