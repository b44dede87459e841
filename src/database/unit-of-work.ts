import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';

interface UnitOfWork {
  tenant: TenantRef;
  tx: EntityManager;
  beforeCommit: Array<(tx: EntityManager) => Promise<void>>;
  afterCommit: Array<() => void>;
}

const current = new AsyncLocalStorage<UnitOfWork>();

/**
 * Runs `work` as one unit of work over the tenant transaction `transact` opens: tenant
 * transactions opened inside it (RegionDatabases.forTenant) join that one instead of committing
 * on their own; what must be written with the work but only once it is complete (the events it
 * published, see `beforeCommit`) is written last, in the same transaction; and what may only
 * happen once the data is committed (`afterCommit`) runs after `transact` resolves, i.e. after
 * COMMIT. A unit of work started inside another one of the same tenant is part of it.
 */
export async function runUnitOfWork<T>(
  tenant: TenantRef,
  transact: (inTx: (tx: EntityManager) => Promise<T>) => Promise<T>,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  const outer = joinUnitOfWork(tenant);
  if (outer) return work(outer);
  const afterCommitted: Array<() => void> = [];
  const result = await transact((tx) => {
    const unit: UnitOfWork = { tenant, tx, beforeCommit: [], afterCommit: afterCommitted };
    return current.run(unit, async () => {
      const r = await work(tx);
      // A step may add another (a hook that publishes): run until none is left.
      for (let i = 0; i < unit.beforeCommit.length; i++) await unit.beforeCommit[i](tx);
      return r;
    });
  });
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

/** The tenant of the unit of work in progress, if any. */
export function unitOfWorkTenant(): TenantRef | undefined {
  return current.getStore()?.tenant;
}

/**
 * Runs `fn` in the unit of work's transaction after its work, just before COMMIT; answers false
 * (and runs nothing) outside a unit of work.
 */
export function beforeCommit(fn: (tx: EntityManager) => Promise<void>): boolean {
  const unit = current.getStore();
  if (!unit) return false;
  unit.beforeCommit.push(fn);
  return true;
}

/** Runs `fn` once the unit of work in progress commits (never, if it rolls back); at once outside one. */
export function afterCommit(fn: () => void): void {
  const unit = current.getStore();
  if (unit) unit.afterCommit.push(fn);
  else fn();
}

/** Runs `fn` as if no unit of work were in progress (work of its own, for any tenant). */
export function outsideUnitOfWork<T>(fn: () => T): T {
  return current.exit(fn);
}
