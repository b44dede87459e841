import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { seedContacts } from './seed-contacts';

// The inbox the triage benches measure, seeded straight into the database.

export interface TriageSeedSize {
  conversations: number;
  messages: number;
  /** Agents sharing the conversations, the bench's caller among them. */
  agents: number;
}

/**
 * Set-based, as the database owner, in one transaction: AGENTS users (the bench's caller among
 * them), conversations spread over 90 days and assigned round-robin (every 11th unassigned),
 * MESSAGES messages over them (inbound and outbound, the newest inbound), and a read position for
 * every other conversation of each agent: its newest message, so about half are unread.
 */
export async function seedTriageTenant(owner: PoolClient, tenantId: string, callerId: string, o: TriageSeedSize): Promise<void> {
  const { conversations: CONVERSATIONS, messages: MESSAGES, agents: AGENTS } = o;
  const channelId = randomUUID();
  await owner.query('begin');
  await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await owner.query(`insert into channels (tenant_id, id, kind, name) values ($1, $2, 'messenger', 'Bench Messenger page')`, [tenantId, channelId]);
  await owner.query(
    `insert into users (tenant_id, id, email, password_hash, role)
     select $1, gen_random_uuid(), 'agent-' || g || '@bench.example', 'x', 'agent' from generate_series(1, ${AGENTS - 1}) g`,
    [tenantId],
  );
  const users = (await owner.query(`select id from users where tenant_id = $1 and id <> $2 order by id`, [tenantId, callerId])).rows.map((r) => r.id as string);
  const agents = [callerId, ...users].slice(0, AGENTS);
  const perConversation = Math.floor(MESSAGES / CONVERSATIONS);
  await owner.query(
    `create temp table seed on commit drop as
     select g, gen_random_uuid() as contact_id, gen_random_uuid() as conversation_id,
            (array['open','open','open','open','open','pending','pending','snoozed','resolved','resolved'])[1 + g % 10] as status,
            case when g % 11 = 0 then null else ($1::uuid[])[1 + g % ${AGENTS}] end as assignee_id,
            date_trunc('milliseconds', now() - random() * interval '90 days') as at
     from generate_series(1, ${CONVERSATIONS}) g`,
    [agents],
  );
  await seedContacts(owner, { tenantId, table: 'seed', channelId });
  await owner.query(
    `insert into conversations (tenant_id, id, contact_id, channel_id, status, assignee_id, last_message_at, last_inbound_at, created_at, updated_at)
     select $1, conversation_id, contact_id, $2, status, assignee_id, at, at, at - interval '1 day', at from seed`,
    [tenantId, channelId],
  );
  // The last message of each conversation is the contact's (k = 0), earlier ones alternate.
  await owner.query(
    `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at, created_at)
     select $1, conversation_id, $2, case when k % 2 = 0 then 'inbound' else 'outbound' end,
            'Message ' || k || ' about order #' || g, 'mid-bench-' || g || '-' || k,
            at - k * interval '1 minute', at - k * interval '1 minute'
     from seed cross join generate_series(0, ${perConversation - 1}) k`,
    [tenantId, channelId],
  );
  await owner.query(
    `insert into conversation_reads (tenant_id, user_id, conversation_id, read_up_to)
     select $1, assignee_id, conversation_id, at from seed where assignee_id is not null and (g / ${AGENTS}) % 2 = 0`,
    [tenantId],
  );
  await owner.query('commit');
  await owner.query('vacuum (analyze) contacts, contact_identities, conversations, messages, conversation_reads, users');
}

/** What the seed made for the caller: all messages, the caller's conversations, and those unread by them. */
export async function seededCounts(owner: PoolClient, tenantId: string, callerId: string): Promise<{ messages: number; mine: number; unread: number }> {
  return (
    await owner.query(
      `select (select count(*) from messages where tenant_id = $1)::int as messages,
              (select count(*) from conversations where tenant_id = $1 and assignee_id = $2)::int as mine,
              (select count(*) from conversations c where tenant_id = $1 and assignee_id = $2 and not exists (
                 select 1 from conversation_reads r where r.tenant_id = c.tenant_id and r.user_id = $2 and r.conversation_id = c.id))::int as unread`,
      [tenantId, callerId],
    )
  ).rows[0];
}
