import { Injectable } from '@nestjs/common';
import { Page, PageRequest, TenantRef, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { JobQueue } from '../queue/job-queue.service';
import { WorkSignal } from '../queue/work-signal.service';
import { InboundEventState, InboundEventStore, InboundEventView } from './inbound-event.store';

/** What an admin does with stored webhook events: look at them, and send a parked one round again. */
@Injectable()
export class InboundEventsService {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly events: InboundEventStore,
    private readonly queue: JobQueue,
    private readonly signal: WorkSignal,
  ) {}

  list(tenant: TenantRef, state: InboundEventState | undefined, page: PageRequest): Promise<Page<InboundEventView>> {
    return this.events.list(tenant, state, page);
  }

  /** Pending again, with a fresh job: the processor takes it up at once. */
  async replay(tenant: TenantRef, id: string): Promise<void> {
    await this.dbs.forTenant(tenant, async (tx) => {
      if (!(await this.events.resetForReplay(tx, tenant.tenantId, id))) throw notFound('INBOUND_EVENT_NOT_FOUND', 'Inbound event not found');
      await this.queue.enqueue(tx, 'inbound', tenant.tenantId, id);
    });
    this.signal.notify('inbound');
  }
}
