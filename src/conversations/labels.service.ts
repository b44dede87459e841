import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { conflict, notFound } from '../../libs/domain/src';
import { DomainEvents } from '../common/domain-events.service';
import { sqlState } from '../database/database-errors';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

export interface Label {
  id: string;
  name: string;
  colour: string;
  createdAt: Date;
  updatedAt: Date;
}

interface LabelRow {
  id: string;
  name: string;
  colour: string;
  created_at: Date;
  updated_at: Date;
}

const toLabel = (r: LabelRow): Label => ({ id: r.id, name: r.name, colour: r.colour, createdAt: r.created_at, updatedAt: r.updated_at });
const COLUMNS = 'id, name, colour, created_at, updated_at';
/** More would be a taxonomy, not labels: a list that large is no longer scanned by an agent. */
export const MAX_LABELS = 500;
export const MAX_LABELS_PER_CONVERSATION = 20;

const nameTaken = () => conflict('LABEL_NAME_TAKEN', 'This organization already has a label with that name');
const labelNotFound = () => notFound('LABEL_NOT_FOUND', 'Label not found');

/** The organization's labels and which conversations carry them (owner of labels and conversation_labels). */
@Injectable()
export class LabelService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly events: DomainEvents,
  ) {}

  list(tenant: TenantRef): Promise<Label[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      (await rows<LabelRow>(tx, `select ${COLUMNS} from labels where tenant_id = $1 order by lower(name), id`, [tenant.tenantId])).map(toLabel),
    );
  }

  async get(tenant: TenantRef, id: string): Promise<Label> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<LabelRow>(tx, `select ${COLUMNS} from labels where tenant_id = $1 and id = $2`, [tenant.tenantId, id]),
    );
    if (!row) throw labelNotFound();
    return toLabel(row);
  }

  async create(tenant: TenantRef, input: { name: string; colour: string }): Promise<Label> {
    return this.dbs.forTenant(tenant, async (tx) => {
      // Counted under the tenant row's lock, so concurrent creations cannot pass the limit together.
      await tx.query(`select 1 from tenants where tenant_id = $1 for update`, [tenant.tenantId]);
      const [{ n }] = await rows<{ n: number }>(tx, `select count(*)::int as n from labels where tenant_id = $1`, [tenant.tenantId]);
      if (n >= MAX_LABELS) throw conflict('TOO_MANY_LABELS', `An organization can have at most ${MAX_LABELS} labels`);
      const row = await firstRow<LabelRow>(
        tx,
        `insert into labels (tenant_id, name, colour) values ($1, $2, $3) on conflict (tenant_id, lower(name)) do nothing returning ${COLUMNS}`,
        [tenant.tenantId, input.name, input.colour.toLowerCase()],
      );
      if (!row) throw nameTaken();
      return toLabel(row);
    });
  }

  async update(tenant: TenantRef, id: string, patch: { name?: string; colour?: string }): Promise<Label> {
    try {
      const row = await this.dbs.forTenant(tenant, (tx) =>
        firstRow<LabelRow>(
          tx,
          `update labels set name = coalesce($3, name), colour = coalesce($4, colour), updated_at = now()
           where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
          [tenant.tenantId, id, patch.name ?? null, patch.colour?.toLowerCase() ?? null],
        ),
      );
      if (!row) throw labelNotFound();
      return toLabel(row);
    } catch (err) {
      if (sqlState(err) === '23505') throw nameTaken();
      throw err;
    }
  }

  /** Deleting a label takes it off every conversation. */
  async remove(tenant: TenantRef, id: string): Promise<void> {
    const gone = await this.dbs.forTenant(
      tenant,
      async (tx) => (await rows(tx, `delete from labels where tenant_id = $1 and id = $2 returning id`, [tenant.tenantId, id])).length,
    );
    if (!gone) throw labelNotFound();
  }

  /**
   * Replaces the labels of conversations that exist (the caller checked them) with `labelIds`;
   * every id must be one of the organization's labels (404 LABEL_NOT_FOUND otherwise).
   */
  async setOnConversations(tenant: TenantRef, conversationIds: string[], labelIds: string[]): Promise<Label[]> {
    const ids = [...new Set(labelIds)];
    const labels = await this.dbs.unitOfWork(tenant, async (tx) => {
      const found = await rows<LabelRow>(tx, `select ${COLUMNS} from labels where tenant_id = $1 and id = any($2::uuid[]) order by lower(name), id`, [
        tenant.tenantId,
        ids,
      ]);
      if (found.length !== ids.length) throw labelNotFound();
      await tx.query(`delete from conversation_labels where tenant_id = $1 and conversation_id = any($2::uuid[]) and label_id <> all($3::uuid[])`, [
        tenant.tenantId,
        conversationIds,
        ids,
      ]);
      await tx.query(
        `insert into conversation_labels (tenant_id, conversation_id, label_id)
         select $1, c, l from unnest($2::uuid[]) as c cross join unnest($3::uuid[]) as l
         on conflict do nothing`,
        [tenant.tenantId, conversationIds, ids],
      );
      for (const id of conversationIds)
        this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type: 'conversation.updated', data: { id, labels: ids } });
      return found.map(toLabel);
    });
    return labels;
  }
}
