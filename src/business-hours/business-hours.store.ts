import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OpenInterval } from '../../libs/policy/src';
import { firstRow, rows } from '../database/sql';

export interface BusinessHours {
  id: string;
  channelId: string | null;
  teamId: string | null;
  timeZone: string;
  weekly: OpenInterval[];
  holidays: string[];
  outOfOfficeReply: string | null;
  greeting: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type BusinessHoursFields = Pick<BusinessHours, 'timeZone' | 'weekly' | 'holidays' | 'outOfOfficeReply' | 'greeting'>;

interface Row {
  id: string;
  channel_id: string | null;
  team_id: string | null;
  time_zone: string;
  weekly: OpenInterval[];
  holidays: string[];
  out_of_office_text: string | null;
  greeting_text: string | null;
  created_at: Date;
  updated_at: Date;
}

const toHours = (r: Row): BusinessHours => ({
  id: r.id,
  channelId: r.channel_id,
  teamId: r.team_id,
  timeZone: r.time_zone,
  weekly: r.weekly,
  holidays: r.holidays,
  outOfOfficeReply: r.out_of_office_text,
  greeting: r.greeting_text,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const COLUMNS = 'b.id, b.channel_id, b.team_id, b.time_zone, b.weekly, b.holidays, b.out_of_office_text, b.greeting_text, b.created_at, b.updated_at';

/** The business_hours table and the conversations' automatic-reply marks; every method runs in the caller's tenant transaction. */
@Injectable()
export class BusinessHoursStore {
  async list(tx: EntityManager, tenantId: string): Promise<BusinessHours[]> {
    return (await rows<Row>(tx, `select ${COLUMNS} from business_hours b where b.tenant_id = $1 order by b.created_at, b.id`, [tenantId])).map(toHours);
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<BusinessHours | null> {
    const r = await firstRow<Row>(tx, `select ${COLUMNS} from business_hours b where b.tenant_id = $1 and b.id = $2`, [tenantId, id]);
    return r ? toHours(r) : null;
  }

  /** Null when the channel or team has a schedule already. */
  async insert(tx: EntityManager, tenantId: string, owner: { channelId?: string; teamId?: string }, f: BusinessHoursFields): Promise<string | null> {
    const r = await firstRow<{ id: string }>(
      tx,
      `insert into business_hours (tenant_id, channel_id, team_id, time_zone, weekly, holidays, out_of_office_text, greeting_text)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing returning id`,
      [
        tenantId,
        owner.channelId ?? null,
        owner.teamId ?? null,
        f.timeZone,
        JSON.stringify(f.weekly),
        JSON.stringify(f.holidays),
        f.outOfOfficeReply,
        f.greeting,
      ],
    );
    return r?.id ?? null;
  }

  async update(tx: EntityManager, tenantId: string, id: string, f: BusinessHoursFields): Promise<void> {
    await tx.query(
      `update business_hours set time_zone = $3, weekly = $4, holidays = $5, out_of_office_text = $6, greeting_text = $7, updated_at = now()
       where tenant_id = $1 and id = $2`,
      [tenantId, id, f.timeZone, JSON.stringify(f.weekly), JSON.stringify(f.holidays), f.outOfOfficeReply, f.greeting],
    );
  }

  async delete(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    return (await rows(tx, `delete from business_hours where tenant_id = $1 and id = $2 returning id`, [tenantId, id])).length > 0;
  }

  async channelExists(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    return !!(await firstRow(tx, `select 1 from channels where tenant_id = $1 and id = $2`, [tenantId, id]));
  }

  async teamExists(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    return !!(await firstRow(tx, `select 1 from teams where tenant_id = $1 and id = $2`, [tenantId, id]));
  }

  /** The schedule that governs a conversation: its channel's own, else its team's. */
  async forConversation(tx: EntityManager, tenantId: string, conversationId: string): Promise<BusinessHours | null> {
    const r = await firstRow<Row>(
      tx,
      `select ${COLUMNS} from conversations c
       join business_hours b on b.tenant_id = c.tenant_id and (b.channel_id = c.channel_id or b.team_id = c.team_id)
       where c.tenant_id = $1 and c.id = $2
       order by (b.channel_id is not null) desc limit 1`,
      [tenantId, conversationId],
    );
    return r ? toHours(r) : null;
  }

  /**
   * The conversations among `conversationIds` that a schedule governs (see forConversation), in
   * one statement: most organizations have none, and their inbound batches should cost one
   * lookup, not one transaction per conversation. One primary-key probe per id (a lateral lookup
   * with LIMIT, see inbound-batch.ts on why not a join).
   */
  async scheduled(tx: EntityManager, tenantId: string, conversationIds: readonly string[]): Promise<Set<string>> {
    if (conversationIds.length === 0) return new Set();
    const found = await rows<{ id: string }>(
      tx,
      `select c.id from unnest($2::uuid[]) as k(id)
       cross join lateral (select id, channel_id, team_id from conversations where tenant_id = $1 and id = k.id limit 1) c
       where exists (select 1 from business_hours b where b.tenant_id = $1 and (b.channel_id = c.channel_id or b.team_id = c.team_id))`,
      [tenantId, conversationIds],
    );
    return new Set(found.map((r) => r.id));
  }

  /**
   * Claims the out-of-office reply for the closed period that began at `periodStart`: true for
   * exactly one caller per conversation and period, whatever the instances. It counts as the greeting too.
   */
  async claimOutOfOffice(tx: EntityManager, tenantId: string, conversationId: string, periodStart: Date, now: Date): Promise<boolean> {
    return (
      (
        await rows(
          tx,
          `update conversations set out_of_office_at = $4, greeted_at = coalesce(greeted_at, $4)
           where tenant_id = $1 and id = $2 and (out_of_office_at is null or out_of_office_at < $3) returning id`,
          [tenantId, conversationId, periodStart, now],
        )
      ).length > 0
    );
  }

  /** Claims the greeting: once per conversation, and only before anyone answered it. */
  async claimGreeting(tx: EntityManager, tenantId: string, conversationId: string, now: Date): Promise<boolean> {
    return (
      (
        await rows(
          tx,
          `update conversations c set greeted_at = $3
           where c.tenant_id = $1 and c.id = $2 and c.greeted_at is null
             and not exists (select 1 from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'outbound')
           returning c.id`,
          [tenantId, conversationId, now],
        )
      ).length > 0
    );
  }
}
