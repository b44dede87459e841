import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import {
  Attachment,
  Choices,
  Clock,
  Contact,
  Conversation,
  ContactRepository,
  ConversationFilter,
  ConversationPatch,
  EchoMessage,
  InboundRecorder,
  InboxRepository,
  InboundMessage,
  InboundResult,
  Message,
  MessageOutbox,
  MessageStatusChange,
  Note,
  Page,
  PageRequest,
  ReceiptStatus,
  RecordedInbound,
  TenantRef,
  conflict,
  invalid,
  notFound,
  rejected,
  QuotedMessage,
} from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { DomainEvents } from '../common/domain-events.service';
import { RegionDatabases } from '../database/region-databases';
import { WorkSignal } from '../queue/work-signal.service';
import { TeamsService } from '../teams/teams.service';
import { UserStore } from '../tenancy/user.store';
import { AgentNotices } from './agent-notices.service';
import { ConsentService } from './consent.service';
import { AutoReplies, ConversationRouter, Satisfaction } from './conversation-router';
import { surveyRatingOf } from '../../libs/policy/src';
import { UploadService } from '../media/upload.service';
import { OptOuts } from './opt-outs.service';

export interface OutgoingContent {
  text?: string;
  /** By URL (the platform fetches it) or by upload id (we send the bytes); a DTO lets only one of the two through. */
  attachments?: Array<{ type?: 'image' | 'video' | 'audio' | 'file'; url?: string; uploadId?: string }>;
  template?: { name: string; language: string; parameters?: string[] };
  /** A pick list offered with the text where the channel has them (the product's own messages: a satisfaction survey). */
  choices?: Choices;
  /** A message of the same conversation this reply quotes (a platform-native quoted reply). */
  replyToMessageId?: string;
}

/** A message as the API shows it: with the message it quotes, when it quotes one the conversation has. */
export type MessageView = Message & { replyTo: QuotedMessage | null };

/**
 * The inbox's use cases. Another tenant's object is indistinguishable from a missing one:
 * every lookup is tenant-scoped and answers NOT_FOUND.
 */
@Injectable()
export class ConversationService {
  constructor(
    private readonly inbound: InboundRecorder,
    private readonly outbox: MessageOutbox,
    private readonly inbox: InboxRepository,
    private readonly contacts: ContactRepository,
    private readonly users: UserStore,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly consents: ConsentService,
    private readonly events: DomainEvents,
    private readonly signal: WorkSignal,
    private readonly clock: Clock,
    private readonly notices: AgentNotices,
    private readonly optOuts: OptOuts,
    private readonly teams: TeamsService,
    private readonly moduleRef: ModuleRef,
    private readonly uploads: UploadService,
    private readonly dbs: RegionDatabases,
  ) {}

  /** Automatic assignment (resolved late: its module builds on this one). */
  private get router(): ConversationRouter {
    return this.moduleRef.get(ConversationRouter, { strict: false });
  }

  private get autoReplies(): AutoReplies {
    return this.moduleRef.get(AutoReplies, { strict: false });
  }

  private get satisfaction(): Satisfaction {
    return this.moduleRef.get(Satisfaction, { strict: false });
  }

  /**
   * A contact's bare rating (1-5), or the rating they picked from a survey's list, while a survey of theirs waits: the survey's answer, kept in the
   * resolved conversation it rates without reopening it, and nobody is notified. Null otherwise.
   */
  private async answerSurvey(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult | null> {
    const rating = surveyRatingOf(inbound);
    if (rating === null) return null;
    const answered = await this.satisfaction.answerByReply(tenant, inbound, rating, (conversationId) =>
      this.inbound.recordInbound(tenant, { ...inbound, thread: { conversationId }, answersSurvey: true }),
    );
    // The survey's new rating went out with the answer, as a conversation.updated with its satisfaction.
    if (answered?.created)
      this.publish(tenant, 'message.created', { conversationId: answered.conversation.id, messageId: answered.message.id, direction: 'inbound' });
    return answered;
  }

  /** Entry point for channel adapters: idempotent on the platform's message id. */
  async receiveInbound(tenant: TenantRef, inbound: InboundMessage): Promise<InboundResult> {
    if (!inbound.text && !inbound.attachments?.length) throw invalid('EMPTY_MESSAGE', 'An inbound message needs text or attachments');
    const rated = await this.answerSurvey(tenant, inbound);
    if (rated) return rated;
    // One transaction: the message, what it causes, and its events (the log and the webhook outbox).
    const result = await this.dbs.unitOfWork(tenant, async () => {
      const recorded = await this.inbound.recordInbound(tenant, inbound);
      if (recorded.created && inbound.autoReply) {
        // Nobody is to answer a vacation responder: no agent is notified, and automations see the mark.
        this.publish(tenant, 'message.created', {
          conversationId: recorded.conversation.id,
          messageId: recorded.message.id,
          direction: 'inbound',
          autoReply: true,
        });
      } else if (recorded.created) {
        await this.optOuts.recordKeywords(tenant, [inbound]);
        await this.notices.inbound(tenant, [recorded.conversation.id]);
        this.publish(tenant, 'message.created', { conversationId: recorded.conversation.id, messageId: recorded.message.id, direction: 'inbound' });
        this.publish(tenant, 'conversation.updated', { id: recorded.conversation.id, status: recorded.conversation.status });
      }
      return recorded;
    });
    if (result.created && !inbound.autoReply) {
      if (result.conversation.status === 'open' && !result.conversation.assigneeId) this.router.arrived(tenant, [result.conversation.id]);
      if (!inbound.noAutoAnswer) this.autoReplies.arrived(tenant, [result.conversation.id]);
    }
    return result;
  }

  /**
   * Many unthreaded inbound messages at once (the processor's batches), with the outcome and the
   * events of receiving them one by one; events are published once the batch is committed.
   */
  async receiveInboundBatch(tenant: TenantRef, inbounds: readonly InboundMessage[]): Promise<RecordedInbound[]> {
    if (inbounds.some((i) => !i.text && !i.attachments?.length)) throw invalid('EMPTY_MESSAGE', 'An inbound message needs text or attachments');
    // Ratings are rare and answer one survey each: they go one by one, the rest as a batch.
    const answers = new Map<InboundMessage, RecordedInbound>();
    for (const i of inbounds) {
      const rated = surveyRatingOf(i) === null ? null : await this.answerSurvey(tenant, i);
      if (rated)
        answers.set(i, {
          conversationId: rated.conversation.id,
          conversationStatus: rated.conversation.status,
          messageId: rated.message.id,
          created: rated.created,
        });
    }
    const rest = answers.size ? inbounds.filter((i) => !answers.has(i)) : inbounds;
    const recorded = rest.length ? await this.inbound.recordInboundBatch(tenant, rest) : [];
    if (answers.size === 0) return this.afterBatch(tenant, inbounds, recorded);
    let next = 0;
    const all = inbounds.map((i) => answers.get(i) ?? recorded[next++]);
    await this.afterBatch(tenant, rest, recorded);
    return all;
  }

  private async afterBatch(tenant: TenantRef, inbounds: readonly InboundMessage[], results: RecordedInbound[]): Promise<RecordedInbound[]> {
    const touched = new Map<string, RecordedInbound>();
    for (const r of results) {
      if (!r.created) continue;
      this.publish(tenant, 'message.created', { conversationId: r.conversationId, messageId: r.messageId, direction: 'inbound' });
      touched.set(r.conversationId, r);
    }
    await this.optOuts.recordKeywords(tenant, inbounds);
    await this.notices.inbound(tenant, [...touched.keys()]);
    for (const r of touched.values()) this.publish(tenant, 'conversation.updated', { id: r.conversationId, status: r.conversationStatus });
    this.router.arrived(
      tenant,
      [...touched.values()].filter((r) => r.conversationStatus === 'open').map((r) => r.conversationId),
    );
    this.autoReplies.arrived(tenant, [...touched.keys()]);
    return results;
  }

  /** The message the echo is (stored now, or before), or null when it joined none. */
  async receiveEcho(tenant: TenantRef, echo: EchoMessage): Promise<Message | null> {
    return this.dbs.unitOfWork(tenant, async () => {
      const result = await this.inbound.recordEcho(tenant, echo);
      if (result?.created)
        this.publish(tenant, 'message.created', { conversationId: result.message.conversationId, messageId: result.message.id, direction: 'outbound' });
      return result?.message ?? null;
    });
  }

  async applyReceipt(
    tenant: TenantRef,
    channelId: string,
    externalMessageId: string,
    status: ReceiptStatus,
    error?: { code: string; text: string },
  ): Promise<Message | null> {
    return this.dbs.unitOfWork(tenant, async () => {
      const message = await this.inbound.applyReceipt(tenant, channelId, externalMessageId, status, error);
      if (message) this.publishStatus(tenant, message);
      return message;
    });
  }

  /** How many messages the watermark moved forward. */
  async applyWatermark(tenant: TenantRef, channelId: string, externalContactId: string, status: 'delivered' | 'read', watermark: Date): Promise<number> {
    return this.dbs.unitOfWork(tenant, async () => {
      const moved = await this.inbound.applyWatermark(tenant, channelId, externalContactId, status, watermark);
      for (const m of moved) this.publishStatus(tenant, m);
      return moved.length;
    });
  }

  async applyReaction(tenant: TenantRef, channelId: string, externalMessageId: string, emoji: string | null): Promise<void> {
    await this.inbound.applyReaction(tenant, channelId, externalMessageId, emoji);
  }

  /** False when no such message is stored (yet). */
  async eraseMessageContent(tenant: TenantRef, channelId: string, externalMessageId: string): Promise<boolean> {
    return (await this.inbound.eraseMessageContent(tenant, channelId, externalMessageId)) !== null;
  }

  /** False when no such message is stored (yet). */
  async applyEdit(
    tenant: TenantRef,
    channelId: string,
    externalMessageId: string,
    edit: { text: string | null; attachments: Attachment[]; editedAt: Date },
  ): Promise<boolean> {
    return (await this.inbound.applyEdit(tenant, channelId, externalMessageId, edit)) !== null;
  }

  /** A consent the End User gave or withdrew on the platform itself (WhatsApp marketing preferences). */
  recordPlatformConsent(
    tenant: TenantRef,
    who: Pick<InboundMessage, 'channelId' | 'channelKind' | 'externalContactId' | 'contactName'>,
    consent: { purpose: 'whatsapp_marketing'; granted: boolean; source: string; at: Date },
  ): Promise<void> {
    return this.inbound.recordPlatformConsent(tenant, who, consent);
  }

  /** The End User blocked (or unblocked) the business's account; unknown End Users are not recorded. */
  moveIdentity(tenant: TenantRef, channelId: string, fromExternalId: string, toExternalId: string): Promise<boolean> {
    return this.inbound.moveIdentity(tenant, channelId, fromExternalId, toExternalId);
  }

  setContactBlocked(tenant: TenantRef, channelId: string, externalContactId: string, blocked: boolean, at: Date): Promise<boolean> {
    return this.inbound.setIdentityBlocked(tenant, channelId, externalContactId, blocked, at);
  }

  list(tenant: TenantRef, filter: ConversationFilter, page: PageRequest): Promise<Page<Conversation>> {
    return this.inbox.listConversations(tenant, filter, page);
  }

  async get(tenant: TenantRef, id: string): Promise<Conversation> {
    const conversation = await this.inbox.findConversation(tenant, id);
    if (!conversation) throw notFound('CONVERSATION_NOT_FOUND', 'Conversation not found');
    return conversation;
  }

  async update(tenant: TenantRef, id: string, patch: ConversationPatch): Promise<Conversation> {
    if (Object.values(patch).every((v) => v === undefined)) throw invalid('EMPTY_PATCH', 'Send status, assigneeId, teamId, priority and/or customAttributes');
    const before = await this.get(tenant, id);
    if (patch.assigneeId && !(await this.users.exists(tenant, patch.assigneeId))) {
      throw invalid('ASSIGNEE_NOT_FOUND', 'assigneeId is not a user of this organization');
    }
    if (patch.teamId) await this.teams.get(tenant, patch.teamId);
    const updated = await this.dbs.unitOfWork(tenant, async () => {
      const changed = await this.inbox.updateConversation(tenant, id, patch);
      if (!changed) throw notFound('CONVERSATION_NOT_FOUND', 'Conversation not found');
      this.publish(tenant, 'conversation.updated', {
        id,
        status: changed.status,
        assigneeId: changed.assigneeId,
        ...(patch.teamId !== undefined ? { teamId: changed.teamId } : {}),
        ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
        ...(patch.customAttributes ? { customAttributes: changed.customAttributes } : {}),
      });
      return changed;
    });
    // A resolved or handed-back conversation frees its agent; a reopened or moved one may wait in a queue.
    if (patch.status !== undefined || patch.assigneeId !== undefined || patch.teamId !== undefined) this.router.freed(tenant);
    if (updated.status === 'resolved' && before.status !== 'resolved') this.resolvedByPerson(tenant, [id]);
    return updated;
  }

  /** A person resolved these (one, or in bulk): their contacts may be asked how it went, once committed. */
  resolvedByPerson(tenant: TenantRef, conversationIds: string[]): void {
    if (conversationIds.length > 0) this.satisfaction.resolved(tenant, conversationIds);
  }

  /** Conversations changed status or assignee in bulk: agents may be free for what waits. */
  requeue(tenant: TenantRef): void {
    this.router.freed(tenant);
  }

  async listMessages(tenant: TenantRef, conversationId: string, page: PageRequest): Promise<Page<MessageView>> {
    await this.get(tenant, conversationId);
    const found = await this.inbox.listMessages(tenant, conversationId, page);
    return { ...found, items: await this.withQuotes(tenant, conversationId, found.items) };
  }

  private async withQuotes(tenant: TenantRef, conversationId: string, messages: readonly Message[]): Promise<MessageView[]> {
    const quoted = await this.inbox.quotedBy(tenant, conversationId, messages);
    return messages.map((m) => ({ ...m, replyTo: quoted.get(m.id) ?? null }));
  }

  async getMessage(tenant: TenantRef, conversationId: string, messageId: string): Promise<Message> {
    await this.get(tenant, conversationId);
    const message = await this.inbox.findMessage(tenant, conversationId, messageId);
    if (!message) throw notFound('MESSAGE_NOT_FOUND', 'Message not found');
    return message;
  }

  /**
   * Queues a reply after the platform rules allow it, as the channel kind's capabilities say: the
   * channel must be connected, the messaging window open (or an approved template sent to a
   * contact who opted in, where the kind has templates), attachments only where the kind sends
   * them, and no content its rules forbid (a full card number on WhatsApp).
   */
  async send(
    tenant: TenantRef,
    conversationId: string,
    authorId: string | null,
    content: OutgoingContent,
    opts: { autoReply?: boolean } = {},
  ): Promise<MessageView> {
    const conversation = await this.get(tenant, conversationId);
    const quoted = content.replyToMessageId ? await this.inbox.findMessage(tenant, conversationId, content.replyToMessageId) : null;
    if (content.replyToMessageId && !quoted) throw invalid('REPLY_TO_NOT_FOUND', 'replyToMessageId is not a message of this conversation');
    const channel = await this.channels.get(tenant, conversation.channelId);
    if (channel.status === 'revoked') throw conflict('CHANNEL_REVOKED', "The platform revoked this channel's access; reconnect it to send");
    if (channel.status === 'disconnected') throw conflict('CHANNEL_DISCONNECTED', 'This channel is disconnected');

    const capabilities = this.adapters.for(channel.kind).capabilities;
    const uploadIds = [...new Set((content.attachments ?? []).flatMap((a) => (a.uploadId ? [a.uploadId] : [])))];
    if (capabilities.optOutKeywords && (await this.optOuts.isOptedOut(tenant, conversation.contactId, channel.id))) {
      throw capabilities.optOutKeywords.refusal();
    }
    if (content.template) {
      if (!capabilities.templates) throw invalid('TEMPLATE_NOT_SUPPORTED', 'Templates exist only on WhatsApp');
      if (!(await this.consents.hasOptIn(tenant, conversation.contactId, capabilities.templates.consent))) throw capabilities.templates.missingConsent();
      // Parameters are substituted into the template's text: they leave through the platform too.
      for (const parameter of content.template.parameters ?? []) {
        const refusal = capabilities.contentRule?.(parameter);
        if (refusal) throw refusal;
      }
    } else {
      if (content.attachments?.some((a) => a.url) && !capabilities.attachments) {
        throw invalid('ATTACHMENTS_NOT_SUPPORTED', `Sending attachments by URL is not available on ${channel.kind} yet`);
      }
      if (uploadIds.length && !capabilities.media) throw invalid('ATTACHMENTS_NOT_SUPPORTED', `Sending files is not available on ${channel.kind} yet`);
      const length = content.text?.length ?? 0;
      if (capabilities.maxTextChars !== undefined && length > capabilities.maxTextChars) {
        throw invalid('TEXT_TOO_LONG', `Text on ${channel.kind} must be at most ${capabilities.maxTextChars} characters; this one has ${length}`);
      }
      const refusal = capabilities.contentRule?.(content.text ?? '');
      if (refusal) throw refusal;
      const mode = capabilities.replyWindow?.(conversation.lastInboundAt, this.clock.now());
      if (mode && !mode.allowed) throw rejected(mode.code, mode.reason);
    }

    const uploaded = uploadIds.length ? await this.uploads.attachments(tenant, uploadIds, capabilities.media!) : [];
    const attachments: Attachment[] | undefined = content.attachments?.map((a) =>
      a.uploadId ? uploaded.find((u) => u.uploadId === a.uploadId)! : ({ type: a.type!, url: a.url! } as Attachment),
    );
    // The reply and its event commit together (the event log and the webhook outbox).
    const message = await this.dbs.unitOfWork(tenant, async () => {
      const queued = await this.outbox.addOutboundMessage(tenant, {
        conversationId,
        authorId,
        autoReply: opts.autoReply,
        text: content.text ?? null,
        attachments,
        ...(uploadIds.length ? { uploadIds } : {}),
        template: content.template ? { name: content.template.name, language: content.template.language, parameters: content.template.parameters ?? [] } : null,
        ...(quoted ? { replyTo: { id: quoted.id, externalId: quoted.externalId } } : {}),
        ...(content.choices ? { choices: content.choices } : {}),
      });
      this.publish(tenant, 'message.created', { conversationId, messageId: queued.id, direction: 'outbound' });
      return queued;
    });
    this.signal.notify('outbound');
    return (await this.withQuotes(tenant, conversationId, [message]))[0];
  }

  async addNote(tenant: TenantRef, conversationId: string, authorId: string, text: string): Promise<Note> {
    await this.get(tenant, conversationId);
    const note = await this.inbox.addNote(tenant, conversationId, authorId, text);
    await this.notices.noteAdded(tenant, note);
    return note;
  }

  async listNotes(tenant: TenantRef, conversationId: string): Promise<Note[]> {
    await this.get(tenant, conversationId);
    return this.inbox.listNotes(tenant, conversationId);
  }

  async getContact(tenant: TenantRef, id: string): Promise<Contact> {
    const contact = await this.contacts.findContact(tenant, id);
    if (!contact) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
    return contact;
  }

  publishStatus(tenant: TenantRef, m: MessageStatusChange): void {
    this.publish(tenant, 'message.status', {
      conversationId: m.conversationId,
      messageId: m.id,
      status: m.status,
      error: m.errorCode ? { code: m.errorCode, text: m.errorText } : null,
    });
  }

  private publish(tenant: TenantRef, type: 'message.created' | 'message.status' | 'conversation.updated', data: Record<string, unknown>): void {
    this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type, data });
  }
}
