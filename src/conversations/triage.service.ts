import { Injectable } from '@nestjs/common';
import type { ConversationPatch, ConversationStatus, Page, PageRequest, TenantRef } from '../../libs/domain/src';
import { Clock, invalid, isUuid, notFound } from '../../libs/domain/src';
import { DomainEvents } from '../common/domain-events.service';
import { RegionDatabases } from '../database/region-databases';
import { UserStore } from '../tenancy/user.store';
import { AgentNotices } from './agent-notices.service';
import { ConversationService } from './conversation.service';
import { AttributeDefinitionService } from './attribute-definitions.service';
import { Label, LabelService } from './labels.service';
import { ConversationCounts, ConversationView, MAX_LABEL_FILTERS, PRIORITIES, Priority, TriageFilter, TriageSort, TriageStore } from './triage.store';

/** The list's query as it arrives (strings), before it is understood. */
export interface TriageQuery {
  status?: ConversationStatus;
  channelId?: string;
  teamId?: string;
  assigneeId?: string;
  assignee?: string;
  labels?: string;
  unread?: 'true' | 'false';
  priority?: string;
  q?: string;
  sort?: TriageSort;
  /** `key:value` filters on custom attributes, all of which must hold. */
  attribute?: string[];
}

export interface BulkSet {
  status?: ConversationStatus;
  assigneeId?: string | null;
  priority?: Priority | null;
  labelIds?: string[];
}

/** The furthest a snooze may reach. */
export const MAX_SNOOZE_MS = 366 * 24 * 3600_000;

const conversationNotFound = () => notFound('CONVERSATION_NOT_FOUND', 'Conversation not found');

/** What an agent does with many conversations at once: find them, count them, read them, change them. */
@Injectable()
export class TriageService {
  constructor(
    private readonly store: TriageStore,
    private readonly conversations: ConversationService,
    private readonly labels: LabelService,
    private readonly users: UserStore,
    private readonly dbs: RegionDatabases,
    private readonly events: DomainEvents,
    private readonly notices: AgentNotices,
    private readonly clock: Clock,
    private readonly attributes: AttributeDefinitionService,
  ) {}

  /** A page of the list, each row as the JSON text the API answers. */
  async list(tenant: TenantRef, viewerId: string, query: TriageQuery, page: PageRequest): Promise<Page<string>> {
    const filter = this.filterOf(viewerId, query);
    const attributes = await this.attributes.filter(tenant, 'conversation', query.attribute);
    if (attributes) filter.attributes = attributes;
    return this.store.list(tenant, viewerId, filter, page);
  }

  async view(tenant: TenantRef, viewerId: string, id: string): Promise<ConversationView> {
    const view = await this.store.view(tenant, viewerId, id);
    if (!view) throw conversationNotFound();
    return view;
  }

  counts(tenant: TenantRef, viewerId: string, status: ConversationStatus = 'open'): Promise<ConversationCounts> {
    return this.store.counts(tenant, viewerId, status);
  }

  async markRead(
    tenant: TenantRef,
    userId: string,
    conversationId: string,
    messageId?: string,
  ): Promise<{ conversationId: string; readUpTo: Date; unreadCount: number }> {
    await this.conversations.get(tenant, conversationId);
    const readUpTo = await this.store.markRead(tenant, userId, conversationId, messageId);
    if (!readUpTo) throw notFound('MESSAGE_NOT_FOUND', 'Message not found');
    const view = await this.view(tenant, userId, conversationId);
    return { conversationId, readUpTo, unreadCount: view.unreadCount };
  }

  /**
   * PATCH: the inbox's rules for status and assignee, a snooze deadline within a year, the new
   * assignee told; then the row as the list shows it.
   */
  async update(
    tenant: TenantRef,
    actorId: string,
    id: string,
    input: Omit<ConversationPatch, 'snoozedUntil' | 'customAttributes'> & { snoozedUntil?: string; customAttributes?: Record<string, unknown> },
  ): Promise<ConversationView> {
    const patch: ConversationPatch = { status: input.status, assigneeId: input.assigneeId, priority: input.priority, teamId: input.teamId };
    if (input.customAttributes !== undefined) patch.customAttributes = await this.attributes.changes(tenant, 'conversation', input.customAttributes);
    if (input.snoozedUntil !== undefined) {
      if (input.status !== 'snoozed') throw invalid('SNOOZE_NEEDS_STATUS', 'snoozedUntil goes with status snoozed');
      const until = new Date(input.snoozedUntil);
      const now = this.clock.now().getTime();
      if (until.getTime() <= now) throw invalid('SNOOZE_IN_PAST', 'snoozedUntil must be in the future');
      if (until.getTime() > now + MAX_SNOOZE_MS) throw invalid('SNOOZE_TOO_FAR', 'snoozedUntil must be within a year');
      patch.snoozedUntil = until;
    }
    await this.dbs.unitOfWork(tenant, async () => {
      const before = await this.conversations.get(tenant, id);
      const after = await this.conversations.update(tenant, id, patch);
      if (after.assigneeId && after.assigneeId !== before.assigneeId) await this.notices.assigned(tenant, id, after.assigneeId, actorId);
    });
    // The actor's own change may take it out of their sight (handed to another team): they still see the outcome.
    const view = await this.store.view({ tenantId: tenant.tenantId, region: tenant.region }, actorId, id);
    if (!view) throw conversationNotFound();
    return view;
  }

  async setLabels(tenant: TenantRef, conversationId: string, labelIds: string[]): Promise<Label[]> {
    await this.conversations.get(tenant, conversationId);
    return this.labels.setOnConversations(tenant, [conversationId], labelIds);
  }

  /**
   * Changes many conversations at once, all or nothing; ids of no conversation of this
   * organization (another's included) are answered in `notFound` and left alone.
   */
  async bulk(tenant: TenantRef, actorId: string, ids: string[], set: BulkSet): Promise<{ updated: string[]; notFound: string[] }> {
    if (set.status === undefined && set.assigneeId === undefined && set.priority === undefined && set.labelIds === undefined) {
      throw invalid('EMPTY_PATCH', 'Send at least one of status, assigneeId, priority, labelIds in set');
    }
    if (set.assigneeId && !(await this.users.exists(tenant, set.assigneeId)))
      throw invalid('ASSIGNEE_NOT_FOUND', 'assigneeId is not a user of this organization');
    const wanted = [...new Set(ids)];
    const updated = await this.dbs.unitOfWork(tenant, async () => {
      const changed = await this.store.bulkUpdate(tenant, wanted, { status: set.status, assigneeId: set.assigneeId, priority: set.priority });
      if (set.labelIds !== undefined && changed.length > 0)
        await this.labels.setOnConversations(
          tenant,
          changed.map((c) => c.id),
          set.labelIds,
        );
      for (const c of changed) if (c.assigneeId && c.assigneeId !== c.previousAssigneeId) await this.notices.assigned(tenant, c.id, c.assigneeId, actorId);
      this.conversations.resolvedByPerson(
        tenant,
        changed.filter((c) => c.status === 'resolved' && c.previousStatus !== 'resolved').map((c) => c.id),
      );
      for (const c of changed)
        this.events.publish({
          tenantId: tenant.tenantId,
          region: tenant.region,
          type: 'conversation.updated',
          data: { id: c.id, status: c.status, assigneeId: c.assigneeId, priority: c.priority },
        });
      return changed.map((c) => c.id);
    });
    if (updated.length > 0 && (set.status !== undefined || set.assigneeId !== undefined)) this.conversations.requeue(tenant);
    const found = new Set(updated);
    return { updated, notFound: wanted.filter((id) => !found.has(id)) };
  }

  private filterOf(viewerId: string, q: TriageQuery): TriageFilter {
    const filter: TriageFilter = { sort: q.sort ?? 'last_activity', status: q.status, channelId: q.channelId, teamId: q.teamId };
    if (q.assigneeId !== undefined && q.assignee !== undefined) throw invalid('VALIDATION_FAILED', 'send assignee or assigneeId, not both');
    if (q.assigneeId) filter.assigneeId = q.assigneeId;
    if (q.assignee === 'me') filter.assigneeId = viewerId;
    else if (q.assignee === 'unassigned') filter.assigneeId = null;
    else if (q.assignee !== undefined) {
      if (!isUuid(q.assignee)) throw invalid('VALIDATION_FAILED', "assignee must be 'me', 'unassigned' or a user id");
      filter.assigneeId = q.assignee;
    }
    if (q.labels !== undefined) {
      const wanted = [
        ...new Set(
          q.labels
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        ),
      ];
      if (wanted.length > MAX_LABEL_FILTERS) throw invalid('VALIDATION_FAILED', `labels names at most ${MAX_LABEL_FILTERS} labels`);
      if (wanted.some((s) => s.length > 50)) throw invalid('VALIDATION_FAILED', 'a label name in labels is longer than 50 characters');
      filter.labels = wanted.map((s) => (isUuid(s) ? { id: s.toLowerCase() } : { name: s }));
    }
    if (q.unread !== undefined) filter.unread = q.unread === 'true';
    if (q.priority !== undefined) {
      const wanted = [...new Set(q.priority.split(','))];
      if (!wanted.every((p) => p === 'none' || (PRIORITIES as readonly string[]).includes(p)))
        throw invalid('VALIDATION_FAILED', 'priority is a comma-separated list of low, medium, high, urgent, none');
      filter.priorities = wanted.map((p) => (p === 'none' ? null : (p as Priority)));
    }
    if (q.q !== undefined && q.q.trim() !== '') filter.q = q.q.trim();
    return filter;
  }
}
