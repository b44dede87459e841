import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { rows } from '../../database/sql';
import { AssignedWork } from '../../tenancy/assigned-work';

/** Hands a leaving user's conversations to a colleague, or unassigns them (see AssignedWork). */
@Injectable()
export class ConversationAssignedWork extends AssignedWork {
  async handOver(tx: EntityManager, tenantId: string, from: string, to: string | null): Promise<number> {
    const moved = await rows(tx, `update conversations set assignee_id = $3, updated_at = now() where tenant_id = $1 and assignee_id = $2 returning id`, [
      tenantId,
      from,
      to,
    ]);
    return moved.length;
  }
}
