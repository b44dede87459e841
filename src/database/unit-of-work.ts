import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';

interface UnitOfWork {
  tenant: TenantRef;
  tx: EntityManager;
  afterCommit: Array<() => void>;
}

const current = new AsyncLocalStorage<UnitOfWork>();

/**
 * Runs `work` as one unit of work over the tenant transaction `transact` opens: tenant
 * transactions opened inside it (RegionDatabases.forTenant) join that one instead of committing
 * on their own, and what may only happen once the data is committed (publishing events, see
 * `afterCommit`) runs after `transact` resolves, i.e. after COMMIT.
 */
export async function runUnitOfWork<T>(
  tenant: TenantRef,
  transact: (inTx: (tx: EntityManager) => Promise<T>) => Promise<T>,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  const afterCommitted: Array<() => void> = [];
  const result = await transact((tx) => current.run({ tenant, tx, afterCommit: afterCommitted }, () => work(tx)));
  for (const fn of afterCommitted) fn();
  return result;
}

/** The transaction of the unit of work in progress, if it is the tenant's; throws for another tenant. */
export function joinUnitOfWork(tenant: TenantRef): EntityManager | undefined {
  const unit = current.getStore();
  if (!unit) return undefined;
  if (unit.tenant.tenantId !== tenant.tenantId || unit.tenant.region !== tenant.region) {
    throw new Error('a unit of work belongs to one tenant: work for another tenant cannot join it');
  }
  return unit.tx;
}

/** Runs `fn` once the unit of work in progress commits (never, if it rolls back); at once outside one. */
export function afterCommit(fn: () => void): void {
  const unit = current.getStore();
  if (unit) unit.afterCommit.push(fn);
  else fn();
}
