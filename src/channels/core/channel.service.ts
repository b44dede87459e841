import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ChannelKind, MessageOutbox, TenantRef, conflict, notFound } from '../../../libs/domain/src';
import { SecretBox } from '../../../libs/crypto/src';
import { purgeAfterDisconnect } from '../../../libs/policy/src';
import { DomainEvents } from '../../common/domain-events.service';
import { RegionDatabases } from '../../database/region-databases';
import { firstRow } from '../../database/sql';
import { NotificationService } from '../../notifications/notification.service';
import { ChannelRoutes } from './channel-routes';
import { ChannelAdapter, ValidatedChannel } from './channel-adapter';
import { ChannelAdapters } from './channel-adapters';

export type ChannelStatus = 'active' | 'revoked' | 'disconnected';

export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  status: ChannelStatus;
  config: Record<string, unknown>;
  revokedAt: Date | null;
  revokedReason: string | null;
  disconnectedAt: Date | null;
  purgeAfter: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A channel with its decrypted credentials: only for the sender, never for a response. */
export interface ChannelWithCredentials extends Channel {
  credentials: Record<string, string>;
}

const COLUMNS = `id, kind, name, status, config, credentials, routing_key, revoked_at, revoked_reason,
  disconnected_at, purge_after, connected_at, created_at, updated_at`;

interface ChannelRow {
  id: string;
  kind: ChannelKind;
  name: string;
  status: ChannelStatus;
  config: Record<string, unknown>;
  credentials: string | null;
  routing_key: string | null;
  revoked_at: Date | null;
  revoked_reason: string | null;
  disconnected_at: Date | null;
  purge_after: Date | null;
  connected_at: Date;
  created_at: Date;
  updated_at: Date;
}

const toChannel = (r: ChannelRow): Channel => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  status: r.status,
  config: r.config,
  revokedAt: r.revoked_at,
  revokedReason: r.revoked_reason,
  disconnectedAt: r.disconnected_at,
  purgeAfter: r.purge_after,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The AAD of a channel's credentials: a ciphertext only opens in its own row. */
export const channelSecretContext = (tenantId: string, channelId: string) => ({ tenantId, channelId, purpose: 'channel-credentials' });

@Injectable()
export class ChannelService {
  private readonly log = new Logger(ChannelService.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly routes: ChannelRoutes,
    private readonly secrets: SecretBox,
    private readonly notifications: NotificationService,
    private readonly events: DomainEvents,
    private readonly adapters: ChannelAdapters,
    private readonly outbox: MessageOutbox,
  ) {}

  /**
   * Connects a platform account. The platform handshake (if the kind has one) runs first; then
   * the directory claim makes the account unique across tenants. Connecting an account this
   * tenant already has replaces its credentials and clears a revocation. A kind that can name the
   * account without changing anything on the platform (`identify`: Telegram, Meta) proves the
   * credentials control it first (a reconnect too), is claimed next and handshaken last: its
   * handshake would take the account over (Telegram has one webhook per bot) or subscribe the app
   * to it (Meta), which only the account's new owner may do.
   */
  async connect(
    tenant: TenantRef,
    input: { kind: ChannelKind; name: string; config: Record<string, unknown>; credentials: Record<string, unknown> },
  ): Promise<{ channel: Channel; created: boolean; revealOnce?: Record<string, string> }> {
    const adapter = this.adapters.for(input.kind);
    const valid = adapter.validate(input.config, input.credentials);
    let id: string = randomUUID();
    const identified = adapter.identify
      ? { ...valid, routingKey: await adapter.identify({ tenantId: tenant.tenantId, channelId: id, config: valid.config, credentials: valid.credentials }) }
      : null;
    let connected: ValidatedChannel & { revealOnce?: Record<string, string> } = identified ?? (await this.handshake(adapter, tenant, id, valid));
    if (connected.routingKey) {
      const claim = await this.routes.claim(
        input.kind,
        connected.routingKey,
        { tenantId: tenant.tenantId, region: tenant.region, channelId: id },
        adapter.accountGroup?.(valid.config) ?? null,
      );
      if (!claim.claimed) {
        // Another tenant's account and a missing one look the same from here: nothing is revealed.
        if (claim.owner.tenantId !== tenant.tenantId) {
          if (!identified) await this.undoHandshake(adapter, tenant, id, connected);
          throw conflict('CHANNEL_ALREADY_CONNECTED', 'This account is already connected to MonkeyMachine');
        }
        id = claim.owner.channelId;
        if (adapter.connect) connected = await this.handshake(adapter, tenant, id, valid);
        return { channel: await this.reconnect(tenant, id, input.name, connected), created: false };
      }
    }
    let handshaken = !identified;
    try {
      if (identified) {
        connected = { ...(await this.handshake(adapter, tenant, id, valid)), routingKey: identified.routingKey };
        handshaken = true;
      }
      const channel = await this.dbs.forTenant(tenant, async (tx) => {
        const [row] = await tx.query(
          `insert into channels (tenant_id, id, kind, name, status, config, credentials, routing_key)
           values ($1, $2, $3, $4, 'active', $5, $6, $7) returning ${COLUMNS}`,
          [
            tenant.tenantId,
            id,
            input.kind,
            input.name,
            JSON.stringify(connected.config),
            this.seal(tenant.tenantId, id, connected.credentials),
            connected.routingKey,
          ],
        );
        return toChannel(row);
      });
      return { channel, created: true, revealOnce: connected.revealOnce };
    } catch (err) {
      if (connected.routingKey) await this.routes.release(input.kind, connected.routingKey, id);
      if (handshaken) await this.undoHandshake(adapter, tenant, id, connected);
      throw err;
    }
  }

  private async handshake(
    adapter: ChannelAdapter,
    tenant: TenantRef,
    channelId: string,
    valid: ValidatedChannel,
  ): Promise<ValidatedChannel & { revealOnce?: Record<string, string> }> {
    if (!adapter.connect) return valid;
    const result = await adapter.connect({ tenantId: tenant.tenantId, channelId, config: valid.config, credentials: valid.credentials });
    return {
      config: { ...valid.config, ...result.config },
      credentials: { ...valid.credentials, ...result.credentials },
      routingKey: result.routingKey ?? valid.routingKey,
      revealOnce: result.revealOnce,
    };
  }

  private async undoHandshake(adapter: ChannelAdapter, tenant: TenantRef, channelId: string, c: ValidatedChannel): Promise<void> {
    await adapter.disconnect?.({ tenantId: tenant.tenantId, channelId, config: c.config, credentials: c.credentials }).catch((err) => {
      this.log.warn(`could not undo the ${adapter.kind} handshake of channel ${channelId}: ${(err as Error).message}`);
    });
  }

  list(tenant: TenantRef): Promise<Channel[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      ((await tx.query(`select ${COLUMNS} from channels where tenant_id = $1 order by created_at, id`, [tenant.tenantId])) as ChannelRow[]).map(toChannel),
    );
  }

  async get(tenant: TenantRef, id: string): Promise<Channel> {
    return toChannel(await this.dbs.forTenant(tenant, (tx) => this.row(tx, tenant, id)));
  }

  /** Credentials are wiped at once; the conversations stay until the purge deadline. */
  async disconnect(tenant: TenantRef, id: string): Promise<Channel> {
    return (await this.disconnectUnless(tenant, id, () => false)).channel;
  }

  /**
   * The platform says access to the account was removed at `issuedAt` (Meta's deauthorize
   * callback): disconnects the channel unless it was connected (or reconnected) after that, so an
   * old or replayed callback never disconnects an account its owner connected again. Returns
   * whether this call disconnected it.
   */
  async disconnectRevokedAt(tenant: TenantRef, id: string, issuedAt: Date): Promise<boolean> {
    // issued_at has whole seconds: a connection within that same second does not count as later.
    const connectedLater = (row: ChannelRow) => row.connected_at.getTime() >= Math.floor(issuedAt.getTime() / 1000) * 1000 + 1000;
    const { changed, channel } = await this.disconnectUnless(tenant, id, connectedLater);
    if (!changed && channel.status !== 'disconnected') this.log.log(`channel ${id}: kept, the deauthorization was issued before it was last connected`);
    return changed;
  }

  private async disconnectUnless(tenant: TenantRef, id: string, keep: (row: ChannelRow) => boolean): Promise<{ channel: Channel; changed: boolean }> {
    let handshake: { adapter: ChannelAdapter; ctx: ValidatedChannel } | undefined;
    let changed = false;
    let kept = false;
    // One unit of work: the queued messages fail (in their own store) with the disconnection, or neither happens.
    const change = async (tx: EntityManager): Promise<ChannelRow> => {
      const row = await this.row(tx, tenant, id, true);
      if (row.status === 'disconnected') return row;
      if ((kept = keep(row))) return row;
      changed = true;
      const adapter = this.adapters.for(row.kind);
      if (adapter.disconnect && row.credentials) {
        handshake = { adapter, ctx: { config: row.config, credentials: this.open(tenant.tenantId, row), routingKey: row.routing_key } };
      }
      const now = new Date();
      const updated = await firstRow<ChannelRow>(
        tx,
        `update channels set status = 'disconnected', credentials = null, disconnected_at = $3, purge_after = $4, updated_at = now()
         where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
        [tenant.tenantId, id, now, purgeAfterDisconnect(now, adapter.purgeDaysAfterDisconnect)],
      );
      await this.outbox.failQueuedOfChannel(tenant, id, 'CHANNEL_DISCONNECTED', 'The channel was disconnected before delivery');
      return updated!;
    };
    const row = await this.dbs.unitOfWork(tenant, async (tx) => {
      const changedRow = await change(tx);
      if (!kept)
        this.events.publish({
          tenantId: tenant.tenantId,
          region: tenant.region,
          type: 'channel.updated',
          data: { id: changedRow.id, status: changedRow.status },
        });
      return changedRow;
    });
    const channel = toChannel(row);
    if (kept) return { channel, changed };
    if (row.routing_key) await this.routes.release(row.kind, row.routing_key, row.id);
    // The platform is told last and best-effort: our side is already disconnected either way.
    if (handshake) await this.undoHandshake(handshake.adapter, tenant, id, handshake.ctx);
    return { channel, changed };
  }

  /**
   * The platform took access back (token expired or revoked, permission removed): stop sending
   * and tell the Customer at once. Idempotent: a second failure does not notify twice.
   */
  async markRevoked(tenant: TenantRef, channelId: string, reason: string): Promise<void> {
    const notification = await this.dbs.unitOfWork(tenant, async (tx) => {
      const row = await firstRow(
        tx,
        `update channels set status = 'revoked', revoked_at = now(), revoked_reason = $3, updated_at = now()
         where tenant_id = $1 and id = $2 and status = 'active' returning kind, name`,
        [tenant.tenantId, channelId, reason],
      );
      if (!row) return null;
      const recorded = await this.notifications.record(tx, tenant, {
        kind: 'channel.revoked',
        channelId,
        message: `${row.name} (${row.kind}) lost access: ${reason}. Reconnect it with new credentials to resume sending.`,
      });
      this.notifications.announce(tenant, recorded);
      this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type: 'channel.updated', data: { id: channelId, status: 'revoked' } });
      return recorded;
    });
    if (!notification) return;
    this.log.warn(`channel ${channelId} of tenant ${tenant.tenantId} revoked: ${reason}`);
  }

  /**
   * The platform told the business about the account itself (a restriction, a ban, an error not
   * tied to a message): the Customer's admins are notified, as for a revoked channel.
   */
  async notifyAccountNotice(tenant: TenantRef, channelId: string, kind: string, message: string): Promise<void> {
    const notification = await this.dbs.unitOfWork(tenant, async (tx) => {
      const row = await firstRow(tx, `select kind, name from channels where tenant_id = $1 and id = $2`, [tenant.tenantId, channelId]);
      if (!row) return null;
      const recorded = await this.notifications.record(tx, tenant, { kind, channelId, message: `${row.name} (${row.kind}): ${message}` });
      this.notifications.announce(tenant, recorded);
      return recorded;
    });
    if (!notification) return;
    this.log.warn(`channel ${channelId} of tenant ${tenant.tenantId}: ${kind}: ${message}`);
  }

  /** For the sender only, inside its transaction. */
  async withCredentials(tx: EntityManager, tenant: TenantRef, channelId: string): Promise<ChannelWithCredentials> {
    const row = await this.row(tx, tenant, channelId);
    return { ...toChannel(row), credentials: row.credentials ? this.open(tenant.tenantId, row) : {} };
  }

  private open(tenantId: string, row: ChannelRow): Record<string, string> {
    return JSON.parse(this.secrets.decryptString(row.credentials!, channelSecretContext(tenantId, row.id)));
  }

  /** The settings given now replace the old ones with the credentials (an e-mail channel's new SMTP host goes with its new password). */
  private async reconnect(tenant: TenantRef, id: string, name: string, connected: ValidatedChannel): Promise<Channel> {
    const channel = await this.dbs.unitOfWork(tenant, async (tx) => {
      const row = await firstRow<ChannelRow>(
        tx,
        `update channels set name = $3, credentials = $4, config = $5, status = 'active', revoked_at = null, revoked_reason = null, connected_at = now(), updated_at = now()
         where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
        [tenant.tenantId, id, name, this.seal(tenant.tenantId, id, connected.credentials), JSON.stringify(connected.config)],
      );
      if (!row) throw notFound('CHANNEL_NOT_FOUND', 'Channel not found');
      this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type: 'channel.updated', data: { id, status: 'active' } });
      return toChannel(row);
    });
    return channel;
  }

  private seal(tenantId: string, channelId: string, credentials: Record<string, string>): string {
    return this.secrets.encrypt(JSON.stringify(credentials), channelSecretContext(tenantId, channelId));
  }

  private async row(tx: EntityManager, tenant: TenantRef, id: string, lock = false): Promise<ChannelRow> {
    const [row] = await tx.query(`select ${COLUMNS} from channels where tenant_id = $1 and id = $2 ${lock ? 'for update' : ''}`, [tenant.tenantId, id]);
    if (!row) throw notFound('CHANNEL_NOT_FOUND', 'Channel not found');
    return row;
  }
}
