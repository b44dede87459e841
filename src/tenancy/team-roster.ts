import type { EntityManager } from 'typeorm';

/**
 * The teams an invitation names: checked when it is sent, joined when it is accepted, in the
 * caller's transaction. Implemented by the teams module (it owns teams).
 */
export abstract class TeamRoster {
  abstract allExist(tx: EntityManager, tenantId: string, teamIds: string[]): Promise<boolean>;
  abstract join(tx: EntityManager, tenantId: string, userId: string, teamIds: string[]): Promise<void>;
}
