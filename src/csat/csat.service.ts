import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { InboundMessage, InboundResult, TenantRef } from '../../libs/domain/src';
import { Clock, DomainError, conflict, invalid, notFound } from '../../libs/domain/src';
import { CSAT_CHANNEL_KINDS, CsatLanguage, csatAskText, csatChoices } from '../../libs/policy/src';
import { Satisfaction, SatisfactionView } from '../conversations/conversation-router';
import { ConversationService } from '../conversations/conversation.service';
import { RegionDatabases } from '../database/region-databases';
import { AfterCommitWork } from '../common/after-commit-work';
import { DomainEvents } from '../common/domain-events.service';
import { CsatLinks } from './csat-links';
import { ANSWER_BY_REPLY_DAYS, AnsweredVia, CsatSettings, CsatStore, ResolvedConversation, Survey } from './csat.store';

type Tx = Parameters<CsatStore['answer']>[0];

const surveyNotFound = () => notFound('CSAT_SURVEY_NOT_FOUND', 'No such satisfaction survey');
const alreadyAnswered = () => conflict('CSAT_ALREADY_ANSWERED', 'This survey has its rating already');
const asks = (kind: string) => (CSAT_CHANNEL_KINDS as readonly string[]).includes(kind);

/**
 * Customer satisfaction: once a person resolved a conversation, its contact is asked for a 1-5
 * rating, once per resolution, where the channel's settings say so. The question leaves through
 * the normal outbound path as an automatic reply (ConversationService.send), so a channel's rules
 * apply as to an agent's reply: outside the WhatsApp window nothing is sent and nothing counts as
 * asked. Not asked either when nobody answered the contact (spam, noise closed unanswered) or when
 * the contact's last message was a machine's (a vacation responder). The rating comes back as a
 * bare number in the conversation, from the web chat widget, or from an e-mail's signed link.
 */
@Injectable()
export class CsatService extends Satisfaction implements OnModuleDestroy {
  private readonly log = new Logger(CsatService.name);
  private readonly work = new AfterCommitWork(this.log, 'satisfaction survey');

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly store: CsatStore,
    private readonly conversations: ConversationService,
    private readonly links: CsatLinks,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {
    super();
  }

  listSettings(tenant: TenantRef) {
    return this.dbs.forTenant(tenant, (tx) => this.store.listSettings(tx, tenant.tenantId));
  }

  saveSettings(tenant: TenantRef, channelId: string, s: { enabled: boolean; language?: CsatLanguage; question?: string | null }): Promise<CsatSettings> {
    return this.dbs.forTenant(tenant, async (tx) => {
      const kind = await this.store.channelKind(tx, tenant.tenantId, channelId);
      if (!kind) throw notFound('CHANNEL_NOT_FOUND', 'No such channel in this organization');
      if (!asks(kind)) throw invalid('CSAT_NOT_SUPPORTED', `Satisfaction surveys are not asked on ${kind} channels`);
      return this.store.saveSettings(tx, tenant.tenantId, {
        channelId,
        enabled: s.enabled,
        language: s.language ?? 'en',
        question: s.question?.trim() || null,
      });
    });
  }

  resolved(tenant: TenantRef, conversationIds: string[]): void {
    const ref = { tenantId: tenant.tenantId, region: tenant.region };
    this.work.start(ref.tenantId, () => this.askAll(ref, conversationIds));
  }

  settled(): Promise<void> {
    return this.work.settled();
  }

  async onModuleDestroy(): Promise<void> {
    await this.settled();
  }

  /** Answers how many surveys were asked. */
  async askAll(tenant: TenantRef, conversationIds: string[]): Promise<number> {
    let asked = 0;
    for (const id of conversationIds) {
      try {
        if (await this.ask(tenant, id)) asked++;
      } catch (err) {
        // A platform rule refused it (the WhatsApp window closed, say): not asked, nothing recorded.
        if (!(err instanceof DomainError)) throw err;
        this.log.debug(`no satisfaction survey in conversation ${id}: ${err.code}`);
      }
    }
    return asked;
  }

  private ask(tenant: TenantRef, conversationId: string): Promise<boolean> {
    return this.dbs.unitOfWork(tenant, async (tx) => {
      const c = await this.store.resolvedConversation(tx, tenant.tenantId, conversationId);
      if (!c || !this.shouldAsk(c)) return false;
      const surveyId = await this.store.insertSurvey(tx, tenant.tenantId, conversationId, c, this.clock.now());
      if (!surveyId) return false;
      const settings = c.settings!;
      const linkFor = c.channelKind === 'email' ? (rating: number) => this.links.url(tenant, surveyId, rating) : undefined;
      const asked = await this.conversations.send(
        tenant,
        conversationId,
        null,
        // WhatsApp offers the ratings as a list to pick from (the text still says how to answer by writing).
        {
          text: csatAskText(settings.language, settings.question, linkFor),
          ...(c.channelKind === 'whatsapp' ? { choices: csatChoices(settings.language) } : {}),
        },
        { autoReply: true },
      );
      await this.store.setMessage(tx, tenant.tenantId, surveyId, asked.id);
      await this.publishSatisfaction(tx, tenant, conversationId);
      return true;
    });
  }

  private shouldAsk(c: ResolvedConversation): boolean {
    return (
      c.status === 'resolved' &&
      c.resolvedAt !== null &&
      !!c.settings?.enabled &&
      asks(c.channelKind) &&
      c.answeredByPerson &&
      // The contact wrote, and a person (not their vacation responder) wrote last.
      c.lastInboundAuto === false
    );
  }

  answerByReply(
    tenant: TenantRef,
    inbound: InboundMessage,
    rating: number,
    record: (conversationId: string) => Promise<InboundResult>,
  ): Promise<InboundResult | null> {
    return this.dbs.unitOfWork(tenant, async (tx) => {
      const since = new Date(this.clock.now().getTime() - ANSWER_BY_REPLY_DAYS * 86_400_000);
      const survey = await this.store.latestSurveyOf(tx, tenant.tenantId, inbound.channelId, inbound.externalContactId, since, true);
      if (!survey || survey.rating !== null) return null;
      const result = await record(survey.conversationId);
      if (result.created) {
        await this.store.answer(tx, tenant.tenantId, survey.id, rating, 'reply', this.clock.now());
        await this.publishSatisfaction(tx, tenant, survey.conversationId);
      }
      return result;
    });
  }

  ofConversation(tenant: TenantRef, conversationId: string): Promise<SatisfactionView | null> {
    return this.dbs.forTenant(tenant, (tx) => this.store.latestOfConversation(tx, tenant.tenantId, conversationId));
  }

  /** Of these messages, the ones that asked a survey, and whether it still waits for its rating (web chat shows rating buttons under those). */
  async surveyStates(tenant: TenantRef, messageIds: string[]): Promise<Map<string, 'waiting' | 'rated'>> {
    if (messageIds.length === 0) return new Map();
    const since = new Date(this.clock.now().getTime() - ANSWER_BY_REPLY_DAYS * 86_400_000);
    return this.dbs.forTenant(tenant, (tx) => this.store.surveyStates(tx, tenant.tenantId, messageIds, since));
  }

  /** The web chat visitor's rating of their latest survey on the channel. */
  answerFromWidget(tenant: TenantRef, channelId: string, visitorId: string, rating: number): Promise<void> {
    return this.dbs.unitOfWork(tenant, async (tx) => {
      const since = new Date(this.clock.now().getTime() - ANSWER_BY_REPLY_DAYS * 86_400_000);
      const survey = await this.store.latestSurveyOf(tx, tenant.tenantId, channelId, visitorId, since);
      if (!survey) throw surveyNotFound();
      await this.answer(tx, tenant, survey, rating, 'widget');
    });
  }

  /** A rating from an e-mail's link (checked by the caller): the survey must still wait for one. */
  answerFromLink(tenant: TenantRef, surveyId: string, rating: number, dryRun = false): Promise<void> {
    return this.dbs.unitOfWork(tenant, async (tx) => {
      const survey = await this.store.findSurvey(tx, tenant.tenantId, surveyId);
      if (!survey) throw surveyNotFound();
      if (survey.rating !== null) throw alreadyAnswered();
      if (!dryRun) await this.answer(tx, tenant, survey, rating, 'link');
    });
  }

  private async answer(tx: Tx, tenant: TenantRef, survey: Survey, rating: number, via: AnsweredVia): Promise<void> {
    if (!(await this.store.answer(tx, tenant.tenantId, survey.id, rating, via, this.clock.now()))) throw alreadyAnswered();
    await this.publishSatisfaction(tx, tenant, survey.conversationId);
  }

  /**
   * The conversation's satisfaction changed (asked, or rated): its page shows the latest survey's,
   * so that goes out as a conversation.updated in the transaction of the change (inside a unit of
   * work: the event commits with it, or not at all).
   */
  private async publishSatisfaction(tx: Tx, tenant: TenantRef, conversationId: string): Promise<void> {
    const s = await this.store.latestOfConversation(tx, tenant.tenantId, conversationId);
    if (!s) return;
    const satisfaction = { askedAt: s.askedAt.toISOString(), rating: s.rating, answeredAt: s.answeredAt?.toISOString() ?? null, answeredVia: s.answeredVia };
    this.events.publish({ tenantId: tenant.tenantId, region: tenant.region, type: 'conversation.updated', data: { id: conversationId, satisfaction } });
  }
}
