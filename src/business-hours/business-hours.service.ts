import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { conflict, invalid, notFound } from '../../libs/domain/src';
import { scheduleProblem } from '../../libs/policy/src';
import { RegionDatabases } from '../database/region-databases';
import { BusinessHours, BusinessHoursFields, BusinessHoursStore } from './business-hours.store';

const hoursNotFound = () => notFound('BUSINESS_HOURS_NOT_FOUND', 'No such business hours in this organization');

/** The organization's schedules: one per channel or team at most. */
@Injectable()
export class BusinessHoursService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: BusinessHoursStore,
  ) {}

  list(tenant: TenantRef): Promise<BusinessHours[]> {
    return this.dbs.forTenant(tenant, (tx) => this.store.list(tx, tenant.tenantId));
  }

  async get(tenant: TenantRef, id: string): Promise<BusinessHours> {
    const found = await this.dbs.forTenant(tenant, (tx) => this.store.find(tx, tenant.tenantId, id));
    if (!found) throw hoursNotFound();
    return found;
  }

  create(tenant: TenantRef, owner: { channelId?: string; teamId?: string }, fields: BusinessHoursFields): Promise<BusinessHours> {
    if ((owner.channelId === undefined) === (owner.teamId === undefined)) throw invalid('VALIDATION_FAILED', 'send either channelId or teamId');
    this.check(fields);
    return this.dbs.forTenant(tenant, async (tx) => {
      if (owner.channelId && !(await this.store.channelExists(tx, tenant.tenantId, owner.channelId)))
        throw invalid('CHANNEL_NOT_FOUND', 'channelId is not a channel of this organization');
      if (owner.teamId && !(await this.store.teamExists(tx, tenant.tenantId, owner.teamId)))
        throw notFound('TEAM_NOT_FOUND', 'No such team in this organization');
      const id = await this.store.insert(tx, tenant.tenantId, owner, fields);
      if (!id) throw conflict('BUSINESS_HOURS_EXIST', 'This channel or team has business hours already; change those');
      return (await this.store.find(tx, tenant.tenantId, id))!;
    });
  }

  update(tenant: TenantRef, id: string, patch: Partial<BusinessHoursFields>): Promise<BusinessHours> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const current = await this.store.find(tx, tenant.tenantId, id);
      if (!current) throw hoursNotFound();
      const next: BusinessHoursFields = {
        timeZone: patch.timeZone ?? current.timeZone,
        weekly: patch.weekly ?? current.weekly,
        holidays: patch.holidays ?? current.holidays,
        outOfOfficeReply: patch.outOfOfficeReply !== undefined ? patch.outOfOfficeReply : current.outOfOfficeReply,
        greeting: patch.greeting !== undefined ? patch.greeting : current.greeting,
      };
      this.check(next);
      await this.store.update(tx, tenant.tenantId, id, next);
      return (await this.store.find(tx, tenant.tenantId, id))!;
    });
  }

  async remove(tenant: TenantRef, id: string): Promise<void> {
    if (!(await this.dbs.forTenant(tenant, (tx) => this.store.delete(tx, tenant.tenantId, id)))) throw hoursNotFound();
  }

  private check(fields: BusinessHoursFields): void {
    const problem = scheduleProblem(fields);
    if (problem) throw invalid('VALIDATION_FAILED', problem);
  }
}
