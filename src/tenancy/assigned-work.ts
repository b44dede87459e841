import type { EntityManager } from 'typeorm';

/**
 * What a user leaving (deactivated or removed) hands over: the conversations assigned to them go
 * to `to`, or back to the unassigned queue. Implemented by the inbox (it owns conversations);
 * runs in the caller's transaction, so the user's change and the handover commit together.
 */
export abstract class AssignedWork {
  abstract handOver(tx: EntityManager, tenantId: string, from: string, to: string | null): Promise<number>;
}
