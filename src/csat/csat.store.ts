import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CsatLanguage } from '../../libs/policy/src';
import type { SatisfactionView } from '../conversations/conversation-router';
import { firstRow, rows } from '../database/sql';

export interface CsatSettings {
  channelId: string;
  enabled: boolean;
  language: CsatLanguage;
  /** Null: the default question in `language`. */
  question: string | null;
  updatedAt: Date | null;
}

/** What deciding whether to ask needs to know about a resolved conversation. */
export interface ResolvedConversation {
  status: string;
  resolvedAt: Date | null;
  channelId: string;
  channelKind: string;
  teamId: string | null;
  assigneeId: string | null;
  answeredByPerson: boolean;
  /** Null when the contact never wrote; true when their last message was a machine's (a vacation responder). */
  lastInboundAuto: boolean | null;
  settings: CsatSettings | null;
}

export interface Survey {
  id: string;
  conversationId: string;
  rating: number | null;
}

export type AnsweredVia = 'reply' | 'widget' | 'link';

/** How long a survey waits for a rating given by reply; later, a bare number is an ordinary message again. */
export const ANSWER_BY_REPLY_DAYS = 7;

interface SettingsRow {
  channel_id: string;
  enabled: boolean;
  language: CsatLanguage;
  question: string | null;
  updated_at: Date | null;
}
const toSettings = (r: SettingsRow): CsatSettings => ({
  channelId: r.channel_id,
  enabled: r.enabled,
  language: r.language,
  question: r.question,
  updatedAt: r.updated_at,
});

/** csat_settings and csat_surveys; every method runs in the caller's tenant transaction. */
@Injectable()
export class CsatStore {
  /** Every channel of the organization with its settings (the defaults where none were saved). */
  async listSettings(tx: EntityManager, tenantId: string): Promise<Array<CsatSettings & { channelKind: string }>> {
    const found = await rows<SettingsRow & { kind: string }>(
      tx,
      `select c.id as channel_id, c.kind, coalesce(s.enabled, false) as enabled, coalesce(s.language, 'en') as language, s.question, s.updated_at
       from channels c left join csat_settings s on s.tenant_id = c.tenant_id and s.channel_id = c.id
       where c.tenant_id = $1 order by c.created_at, c.id`,
      [tenantId],
    );
    return found.map((r) => ({ ...toSettings(r), channelKind: r.kind }));
  }

  async channelKind(tx: EntityManager, tenantId: string, channelId: string): Promise<string | null> {
    return (await firstRow<{ kind: string }>(tx, `select kind from channels where tenant_id = $1 and id = $2`, [tenantId, channelId]))?.kind ?? null;
  }

  async saveSettings(tx: EntityManager, tenantId: string, s: Omit<CsatSettings, 'updatedAt'>): Promise<CsatSettings> {
    const r = await firstRow<SettingsRow>(
      tx,
      `insert into csat_settings (tenant_id, channel_id, enabled, language, question) values ($1, $2, $3, $4, $5)
       on conflict (tenant_id, channel_id) do update set enabled = excluded.enabled, language = excluded.language, question = excluded.question, updated_at = now()
       returning channel_id, enabled, language, question, updated_at`,
      [tenantId, s.channelId, s.enabled, s.language, s.question],
    );
    return toSettings(r!);
  }

  async resolvedConversation(tx: EntityManager, tenantId: string, conversationId: string): Promise<ResolvedConversation | null> {
    const r = await firstRow<{
      status: string;
      resolved_at: Date | null;
      channel_id: string;
      kind: string;
      team_id: string | null;
      assignee_id: string | null;
      answered: boolean;
      last_inbound_auto: boolean | null;
      s_channel_id: string | null;
      enabled: boolean | null;
      language: CsatLanguage | null;
      question: string | null;
      updated_at: Date | null;
    }>(
      tx,
      `select c.status, c.resolved_at, c.channel_id, ch.kind, c.team_id, c.assignee_id, c.first_response_at is not null as answered,
              (select m.auto_reply from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'inbound'
               order by m.sent_at desc, m.id desc limit 1) as last_inbound_auto,
              s.channel_id as s_channel_id, s.enabled, s.language, s.question, s.updated_at
       from conversations c join channels ch on ch.tenant_id = c.tenant_id and ch.id = c.channel_id
       left join csat_settings s on s.tenant_id = c.tenant_id and s.channel_id = c.channel_id
       where c.tenant_id = $1 and c.id = $2`,
      [tenantId, conversationId],
    );
    if (!r) return null;
    return {
      status: r.status,
      resolvedAt: r.resolved_at,
      channelId: r.channel_id,
      channelKind: r.kind,
      teamId: r.team_id,
      assigneeId: r.assignee_id,
      answeredByPerson: r.answered,
      lastInboundAuto: r.last_inbound_auto,
      settings: r.s_channel_id
        ? toSettings({ channel_id: r.s_channel_id, enabled: !!r.enabled, language: r.language ?? 'en', question: r.question, updated_at: r.updated_at })
        : null,
    };
  }

  /** The survey of this resolution; null when one was asked for it already (once per resolution, whatever the instances). */
  async insertSurvey(tx: EntityManager, tenantId: string, conversationId: string, c: ResolvedConversation, askedAt: Date): Promise<string | null> {
    const r = await firstRow<{ id: string }>(
      tx,
      `insert into csat_surveys (tenant_id, conversation_id, channel_id, team_id, agent_id, resolved_at, asked_at)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning id`,
      [tenantId, conversationId, c.channelId, c.teamId, c.assigneeId, c.resolvedAt, askedAt],
    );
    return r?.id ?? null;
  }

  async setMessage(tx: EntityManager, tenantId: string, surveyId: string, messageId: string): Promise<void> {
    await tx.query(`update csat_surveys set message_id = $3 where tenant_id = $1 and id = $2`, [tenantId, surveyId, messageId]);
  }

  /** Of these messages, the ones that asked a survey: whether it waits for its rating (asked since `since`) or has it. */
  async surveyStates(tx: EntityManager, tenantId: string, messageIds: string[], since: Date): Promise<Map<string, 'waiting' | 'rated'>> {
    const found = await rows<{ message_id: string; rated: boolean; asked_at: Date }>(
      tx,
      `select message_id, rating is not null as rated, asked_at from csat_surveys where tenant_id = $1 and message_id = any($2::uuid[])`,
      [tenantId, messageIds],
    );
    return new Map(found.filter((r) => r.rated || r.asked_at >= since).map((r) => [r.message_id, r.rated ? 'rated' : 'waiting']));
  }

  /**
   * The contact's latest survey on this channel asked since `since`, locked: the one a rating by
   * reply or from the widget answers, if it is still waiting. `lastWord`: only while the surveyed
   * conversation is still resolved and the contact started none since (a number they write in a
   * new exchange answers that, not the survey).
   */
  async latestSurveyOf(
    tx: EntityManager,
    tenantId: string,
    channelId: string,
    externalContactId: string,
    since: Date,
    lastWord = false,
  ): Promise<Survey | null> {
    const r = await firstRow<{ id: string; conversation_id: string; rating: number | null }>(
      tx,
      `select s.id, s.conversation_id, s.rating from contact_identities i
       join conversations c on c.tenant_id = i.tenant_id and c.contact_id = i.contact_id and c.channel_id = i.channel_id
       join csat_surveys s on s.tenant_id = c.tenant_id and s.conversation_id = c.id
       where i.tenant_id = $1 and i.channel_id = $2 and i.external_id = $3 and s.asked_at >= $4
         and (not $5 or (c.status = 'resolved' and not exists (
           select 1 from conversations n where n.tenant_id = c.tenant_id and n.contact_id = c.contact_id and n.channel_id = c.channel_id
             and n.id <> c.id and n.created_at > c.created_at)))
       order by s.asked_at desc limit 1 for update of s`,
      [tenantId, channelId, externalContactId, since, lastWord],
    );
    return r ? { id: r.id, conversationId: r.conversation_id, rating: r.rating } : null;
  }

  /** The conversation's latest survey (a conversation resolved again is asked again). */
  async latestOfConversation(tx: EntityManager, tenantId: string, conversationId: string): Promise<SatisfactionView | null> {
    const r = await firstRow<{ asked_at: Date; rating: number | null; answered_at: Date | null; answered_via: AnsweredVia | null }>(
      tx,
      `select asked_at, rating, answered_at, answered_via from csat_surveys where tenant_id = $1 and conversation_id = $2
       order by asked_at desc, id desc limit 1`,
      [tenantId, conversationId],
    );
    return r ? { askedAt: r.asked_at, rating: r.rating, answeredAt: r.answered_at, answeredVia: r.answered_via } : null;
  }

  async findSurvey(tx: EntityManager, tenantId: string, id: string): Promise<Survey | null> {
    const r = await firstRow<{ id: string; conversation_id: string; rating: number | null }>(
      tx,
      `select id, conversation_id, rating from csat_surveys where tenant_id = $1 and id = $2 for update`,
      [tenantId, id],
    );
    return r ? { id: r.id, conversationId: r.conversation_id, rating: r.rating } : null;
  }

  /** False when the survey has its rating already: a resolution is rated once. */
  async answer(tx: EntityManager, tenantId: string, id: string, rating: number, via: AnsweredVia, at: Date): Promise<boolean> {
    return (
      (
        await rows(
          tx,
          `update csat_surveys set rating = $3, answered_via = $4, answered_at = $5 where tenant_id = $1 and id = $2 and rating is null returning id`,
          [tenantId, id, rating, via, at],
        )
      ).length > 0
    );
  }
}
