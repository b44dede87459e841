import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AttributeDefinition, AttributeEntity, AttributeType, CustomAttributes, TenantRef } from '../../libs/domain/src';
import { MAX_ATTRIBUTE_DEFINITIONS, attributeChanges, attributeFilter, checkOptions, conflict, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

interface DefinitionRow {
  id: string;
  entity: AttributeEntity;
  key: string;
  label: string;
  type: AttributeType;
  options: string[];
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, entity, key, label, type, options, created_at, updated_at';
const toDefinition = (r: DefinitionRow): AttributeDefinition => ({
  id: r.id,
  entity: r.entity,
  key: r.key,
  label: r.label,
  type: r.type,
  options: r.options,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
const TABLE_OF: Record<AttributeEntity, string> = { contact: 'contacts', conversation: 'conversations' };

const keyTaken = () => conflict('ATTRIBUTE_KEY_TAKEN', 'This organization already defines an attribute with that key for that entity');
const definitionNotFound = () => notFound('ATTRIBUTE_NOT_FOUND', 'Attribute definition not found');

/** A write of custom attributes, checked: keys to set and keys to remove. */
export interface AttributeChanges {
  set: CustomAttributes;
  remove: string[];
}

/**
 * The organization's custom attribute definitions (owner of attribute_definitions), and the
 * checks every write and filter of custom attribute values goes through.
 */
@Injectable()
export class AttributeDefinitionService {
  constructor(private readonly dbs: RegionDatabases) {}

  list(tenant: TenantRef, entity?: AttributeEntity): Promise<AttributeDefinition[]> {
    return this.dbs.forTenant(tenant, (tx) => this.read(tx, tenant.tenantId, entity));
  }

  async get(tenant: TenantRef, id: string): Promise<AttributeDefinition> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<DefinitionRow>(tx, `select ${COLUMNS} from attribute_definitions where tenant_id = $1 and id = $2`, [tenant.tenantId, id]),
    );
    if (!row) throw definitionNotFound();
    return toDefinition(row);
  }

  create(
    tenant: TenantRef,
    input: { entity: AttributeEntity; key: string; label: string; type: AttributeType; options?: string[] },
  ): Promise<AttributeDefinition> {
    const options = checkOptions(input.type, input.options);
    return this.dbs.forTenant(tenant, async (tx) => {
      // Counted under the tenant row's lock, so concurrent creations cannot pass the limit together.
      await tx.query(`select 1 from tenants where tenant_id = $1 for update`, [tenant.tenantId]);
      const [{ n }] = await rows<{ n: number }>(tx, `select count(*)::int as n from attribute_definitions where tenant_id = $1 and entity = $2`, [
        tenant.tenantId,
        input.entity,
      ]);
      if (n >= MAX_ATTRIBUTE_DEFINITIONS)
        throw conflict('TOO_MANY_ATTRIBUTES', `An organization can define at most ${MAX_ATTRIBUTE_DEFINITIONS} attributes per entity`);
      const row = await firstRow<DefinitionRow>(
        tx,
        `insert into attribute_definitions (tenant_id, entity, key, label, type, options) values ($1, $2, $3, $4, $5, $6)
         on conflict (tenant_id, entity, key) do nothing returning ${COLUMNS}`,
        [tenant.tenantId, input.entity, input.key, input.label, input.type, options],
      );
      if (!row) throw keyTaken();
      return toDefinition(row);
    });
  }

  /** The label, and a list's options (values already stored keep their option until changed). Key and type stay. */
  async update(tenant: TenantRef, id: string, patch: { label?: string; options?: string[] }): Promise<AttributeDefinition> {
    const current = await this.get(tenant, id);
    const options = patch.options === undefined ? null : checkOptions(current.type, patch.options);
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<DefinitionRow>(
        tx,
        `update attribute_definitions set label = coalesce($3, label), options = coalesce($4, options), updated_at = now()
         where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
        [tenant.tenantId, id, patch.label ?? null, options],
      ),
    );
    if (!row) throw definitionNotFound();
    return toDefinition(row);
  }

  /** The definition goes, and its values with it, from every contact or conversation, in one transaction. */
  async remove(tenant: TenantRef, id: string): Promise<void> {
    const removed = await this.dbs.forTenant(tenant, async (tx) => {
      const row = await firstRow<DefinitionRow>(tx, `delete from attribute_definitions where tenant_id = $1 and id = $2 returning ${COLUMNS}`, [
        tenant.tenantId,
        id,
      ]);
      if (row)
        await tx.query(`update ${TABLE_OF[row.entity]} set custom_attributes = custom_attributes - $2::text where tenant_id = $1 and custom_attributes ? $2`, [
          tenant.tenantId,
          row.key,
        ]);
      return row;
    });
    if (!removed) throw definitionNotFound();
  }

  /** Checks a write of values (null removes a key) against the entity's definitions. */
  async changes(tenant: TenantRef, entity: AttributeEntity, values: Record<string, unknown>): Promise<AttributeChanges> {
    return attributeChanges(await this.list(tenant, entity), values);
  }

  /** `key:value` filters as the object a row's attributes must contain; null for none. */
  async filter(tenant: TenantRef, entity: AttributeEntity, filters: readonly string[] | undefined): Promise<CustomAttributes | null> {
    if (!filters?.length) return null;
    return attributeFilter(await this.list(tenant, entity), filters);
  }

  private async read(tx: EntityManager, tenantId: string, entity?: AttributeEntity): Promise<AttributeDefinition[]> {
    const found = await rows<DefinitionRow>(
      tx,
      `select ${COLUMNS} from attribute_definitions where tenant_id = $1 and ($2::text is null or entity = $2) order by entity, key`,
      [tenantId, entity ?? null],
    );
    return found.map(toDefinition);
  }
}

/** `custom_attributes` after a checked write, as SQL over the column: removals first, then the values set. */
export const applyAttributeChanges = (column: string, set: string, remove: string) => `(${column} - ${remove}::text[]) || ${set}::jsonb`;
