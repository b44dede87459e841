import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { conflict, notFound } from '../../libs/domain/src';
import { sqlState } from '../database/database-errors';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

export interface CannedResponse {
  id: string;
  shortCode: string;
  text: string;
  createdAt: Date;
  updatedAt: Date;
}

interface CannedRow {
  id: string;
  short_code: string;
  text: string;
  created_at: Date;
  updated_at: Date;
}

const toCanned = (r: CannedRow): CannedResponse => ({ id: r.id, shortCode: r.short_code, text: r.text, createdAt: r.created_at, updatedAt: r.updated_at });
const COLUMNS = 'id, short_code, text, created_at, updated_at';
export const MAX_CANNED_RESPONSES = 1000;

const codeTaken = () => conflict('SHORT_CODE_TAKEN', 'This organization already has a canned response with that short code');
const cannedNotFound = () => notFound('CANNED_RESPONSE_NOT_FOUND', 'Canned response not found');

/** The values a reply's variables stand for. */
export interface ReplyContext {
  contact: { name: string | null };
  agent: { name: string | null };
}

/** The variables a reply may hold, `{{ contact.name }}` with or without the spaces. */
const VARIABLES: Record<string, (c: ReplyContext) => string | null> = {
  'contact.name': (c) => c.contact.name,
  'agent.name': (c) => c.agent.name,
};

/** Replaces the known variables; an unknown one stays as written, an unknown value becomes empty. */
export function renderVariables(text: string, context: ReplyContext): string {
  return text.replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g, (whole, name: string) => {
    const value = VARIABLES[name];
    return value ? (value(context) ?? '') : whole;
  });
}

export const hasVariables = (text: string) => /\{\{\s*[a-z]+\.[a-z]+\s*\}\}/.test(text);

/** The organization's saved replies (owner of canned_responses). */
@Injectable()
export class CannedResponseService {
  constructor(private readonly dbs: RegionDatabases) {}

  /** By short code first, then by text: `q` is found in either, case-insensitively. */
  list(tenant: TenantRef, q?: string): Promise<CannedResponse[]> {
    return this.dbs.forTenant(tenant, async (tx) =>
      (
        await rows<CannedRow>(
          tx,
          `select ${COLUMNS} from canned_responses where tenant_id = $1
             and ($2::text is null or strpos(lower(short_code), lower($2)) > 0 or strpos(lower(text), lower($2)) > 0)
           order by ($2::text is not null and not starts_with(lower(short_code), lower($2))), lower(short_code), id`,
          [tenant.tenantId, q ?? null],
        )
      ).map(toCanned),
    );
  }

  async get(tenant: TenantRef, id: string): Promise<CannedResponse> {
    const row = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<CannedRow>(tx, `select ${COLUMNS} from canned_responses where tenant_id = $1 and id = $2`, [tenant.tenantId, id]),
    );
    if (!row) throw cannedNotFound();
    return toCanned(row);
  }

  create(tenant: TenantRef, input: { shortCode: string; text: string }): Promise<CannedResponse> {
    return this.dbs.forTenant(tenant, async (tx) => {
      // Counted under the tenant row's lock, so concurrent creations cannot pass the limit together.
      await tx.query(`select 1 from tenants where tenant_id = $1 for update`, [tenant.tenantId]);
      const [{ n }] = await rows<{ n: number }>(tx, `select count(*)::int as n from canned_responses where tenant_id = $1`, [tenant.tenantId]);
      if (n >= MAX_CANNED_RESPONSES) throw conflict('TOO_MANY_CANNED_RESPONSES', `An organization can have at most ${MAX_CANNED_RESPONSES} canned responses`);
      const row = await firstRow<CannedRow>(
        tx,
        `insert into canned_responses (tenant_id, short_code, text) values ($1, $2, $3) on conflict (tenant_id, lower(short_code)) do nothing returning ${COLUMNS}`,
        [tenant.tenantId, input.shortCode, input.text],
      );
      if (!row) throw codeTaken();
      return toCanned(row);
    });
  }

  async update(tenant: TenantRef, id: string, patch: { shortCode?: string; text?: string }): Promise<CannedResponse> {
    try {
      const row = await this.dbs.forTenant(tenant, (tx) =>
        firstRow<CannedRow>(
          tx,
          `update canned_responses set short_code = coalesce($3, short_code), text = coalesce($4, text), updated_at = now()
           where tenant_id = $1 and id = $2 returning ${COLUMNS}`,
          [tenant.tenantId, id, patch.shortCode ?? null, patch.text ?? null],
        ),
      );
      if (!row) throw cannedNotFound();
      return toCanned(row);
    } catch (err) {
      if (sqlState(err) === '23505') throw codeTaken();
      throw err;
    }
  }

  async remove(tenant: TenantRef, id: string): Promise<void> {
    const gone = await this.dbs.forTenant(
      tenant,
      async (tx) => (await rows(tx, `delete from canned_responses where tenant_id = $1 and id = $2 returning id`, [tenant.tenantId, id])).length,
    );
    if (!gone) throw cannedNotFound();
  }
}
