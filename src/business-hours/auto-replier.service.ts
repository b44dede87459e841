import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { Clock, DomainError } from '../../libs/domain/src';
import { closedSince } from '../../libs/policy/src';
import { AutoReplies } from '../conversations/conversation-router';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { AfterCommitWork } from '../common/after-commit-work';
import { BusinessHoursStore } from './business-hours.store';

/**
 * Answers a contact automatically: outside business hours with the out-of-office reply, once per
 * conversation and closed period; within them, with the greeting, once per conversation before
 * anyone answered. Both leave through the normal outbound path (ConversationService.send), so a
 * channel's rules apply as to an agent's reply: a closed WhatsApp window, an SMS opt-out or a
 * disconnected channel mean no reply, and the claim is rolled back with it (the next message may
 * be answered).
 */
@Injectable()
export class AutoReplier extends AutoReplies implements OnModuleDestroy {
  private readonly log = new Logger(AutoReplier.name);
  private readonly work = new AfterCommitWork(this.log, 'automatic reply');

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: BusinessHoursStore,
    private readonly conversations: ConversationService,
    private readonly clock: Clock,
  ) {
    super();
  }

  arrived(tenant: TenantRef, conversationIds: string[]): void {
    if (conversationIds.length === 0) return;
    const ref = { tenantId: tenant.tenantId, region: tenant.region };
    this.work.start(ref.tenantId, () => this.reply(ref, conversationIds));
  }

  settled(): Promise<void> {
    return this.work.settled();
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
  }

  /** Answers how many automatic replies were queued. */
  async reply(tenant: TenantRef, conversationIds: string[]): Promise<number> {
    // One lookup for the whole batch first: only conversations under a schedule take a transaction each.
    const scheduled =
      conversationIds.length > 1 ? await this.dbs.forTenant(tenant, (tx) => this.store.scheduled(tx, tenant.tenantId, conversationIds)) : undefined;
    let sent = 0;
    for (const id of conversationIds) {
      if (scheduled && !scheduled.has(id)) continue;
      try {
        sent += await this.dbs.unitOfWork(tenant, async (tx) => {
          const hours = await this.store.forConversation(tx, tenant.tenantId, id);
          if (!hours) return 0;
          const now = this.clock.now();
          const closedFrom = closedSince(hours, now);
          let text: string | null = null;
          if (closedFrom) {
            if (hours.outOfOfficeReply && (await this.store.claimOutOfOffice(tx, tenant.tenantId, id, closedFrom, now))) text = hours.outOfOfficeReply;
          } else if (hours.greeting && (await this.store.claimGreeting(tx, tenant.tenantId, id, now))) text = hours.greeting;
          if (!text) return 0;
          await this.conversations.send(tenant, id, null, { text }, { autoReply: true });
          return 1;
        });
      } catch (err) {
        // A platform rule refused it: no automatic reply this time, and nothing was claimed.
        if (!(err instanceof DomainError)) throw err;
        this.log.debug(`no automatic reply in conversation ${id}: ${err.code}`);
      }
    }
    return sent;
  }
}
