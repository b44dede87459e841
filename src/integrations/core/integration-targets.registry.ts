import { Injectable } from '@nestjs/common';
import type { IntegrationTarget } from './integration-target';

/**
 * The target kinds this build offers. Each kind's module registers its target here when it
 * starts (one line in its module class), so the core never lists kinds.
 */
@Injectable()
export class IntegrationTargets {
  private readonly byKind = new Map<string, IntegrationTarget>();

  register(target: IntegrationTarget): void {
    if (this.byKind.has(target.kind)) throw new Error(`integration target ${target.kind} is registered twice`);
    this.byKind.set(target.kind, target);
  }

  all(): IntegrationTarget[] {
    return [...this.byKind.values()];
  }
}
