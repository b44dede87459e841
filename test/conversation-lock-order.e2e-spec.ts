import { Logger } from '@nestjs/common';
import type { Client } from 'pg';
import { SnoozeWakeJob } from '../src/conversations/snooze-wake.job';
import { RetentionPurgeJob } from '../src/privacy/retention-purge.job';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DAY = 24 * 3600_000;
/** The advisory lock the gate waits on while the test holds it. */
const GATE_KEY = 7_274_173_999;

/**
 * Writers that touch several conversations in one transaction (an inbound batch, a retention
 * purge, a bulk triage change, the snooze wake-up) lock those conversation rows, partly through the triggers that keep
 * the conversations' summaries and counters on every message written. Two of them taking the same
 * rows in opposite orders deadlock, and PostgreSQL aborts one: a purge run that fails, a batch
 * that falls back to one by one, an agent's bulk change answered with an error.
 *
 * Each case makes the worst interleaving happen instead of hoping for it: a gate (a trigger) stops
 * the first writer right after it has locked its first conversation row, until the second writer
 * waits too; then both go on. Writers that lock in one order just queue up; the others deadlock
 * (PostgreSQL notices after deadlock_timeout, 1 s).
 */
describe('writers of several conversations lock them in one order', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let db: Client;
  let gate: Client;
  const warnings: string[] = [];

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    db = await ownerClient('eu');
    gate = await ownerClient('eu');
    // What the processor says when a batch fails (and goes one by one).
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(function (this: Logger, message: unknown) {
      if ((this as unknown as { context?: string }).context === 'InboundProcessor') warnings.push(String(message));
    });
    // The first time a transaction of the tenant fires it, it waits while the test holds the gate.
    // As a BEFORE UPDATE row trigger on conversations it runs once the row is locked (rows the
    // transaction locked before, by a locking read, stay locked); as an AFTER INSERT row trigger on
    // messages, after the foreign key check of that row (triggers of a row fire in name order, and
    // the check's "RI_ConstraintTrigger_…" sorts first).
    await db.query(`create function lock_order_gate() returns trigger language plpgsql as $$
      begin
        if new.tenant_id = any(tg_argv::uuid[]) and current_setting('lock_order.gated', true) is distinct from 'yes' then
          perform set_config('lock_order.gated', 'yes', true);
          perform pg_advisory_lock_shared(${GATE_KEY});
          perform pg_advisory_unlock_shared(${GATE_KEY});
        end if;
        return new;
      end $$`);
  });
  afterAll(async () => {
    await db.query(`drop function lock_order_gate() cascade`);
    await gate.end();
    await db.end();
    await t.close();
    await graph.stop();
  });
  beforeEach(() => (warnings.length = 0));

  /** Gates the tenant's transactions for the length of `run`: after their first conversation row locked, or their first message row checked. */
  async function gated<T>(tenant: TestTenant, where: 'conversations' | 'messages', run: () => Promise<T>): Promise<T> {
    const when = where === 'conversations' ? 'before update' : 'after insert';
    await db.query(`create trigger lock_order_gate ${when} on ${where} for each row execute function lock_order_gate('${tenant.tenantId}')`);
    try {
      return await run();
    } finally {
      await gate.query(`select pg_advisory_unlock_all()`);
      await db.query(`drop trigger lock_order_gate on ${where}`);
    }
  }

  /** Waits until `n` transactions of this database wait for a lock (the gate's, or a row another holds), or until `done`. */
  async function waiters(n: number, done = () => false): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (done()) return;
      const { rows } = await db.query(
        `select count(distinct l.pid)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
         where not l.granted and a.datname = current_database()`,
      );
      if (rows[0].n >= n) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${n} transactions never waited at once`);
  }

  /**
   * Runs `first` until it stops at the gate, then `second` until it waits too (or is done: it
   * needed nothing `first` holds), then opens the gate.
   */
  async function interleave<A, B>(first: () => Promise<A>, second: () => Promise<B>): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
    await gate.query(`select pg_advisory_lock(${GATE_KEY})`);
    const a = first();
    a.catch(() => undefined);
    await waiters(1);
    let secondDone = false;
    const b = second();
    b.then(
      () => (secondDone = true),
      () => (secondDone = true),
    );
    await waiters(2, () => secondDone);
    await gate.query(`select pg_advisory_unlock(${GATE_KEY})`);
    return Promise.allSettled([a, b]) as Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]>;
  }

  const reason = (r: PromiseSettledResult<unknown>) => (r.status === 'rejected' ? String((r.reason as Error)?.message ?? r.reason) : null);

  /** A Page of `owner` whose End Users `senders` each have a conversation with one message `sentAt`. */
  async function inbox(owner: TestTenant, senders: string[], sentAt: Date) {
    const page = await connectPage(t, graph, owner);
    for (const psid of senders)
      expect((await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'back then', undefined, sentAt.getTime()))).status).toBe(200);
    expect(await t.drainInbound()).toBe(senders.length);
    const conversations = (
      await db.query<{ id: string; psid: string }>(
        `select c.id, i.external_id as psid from conversations c
         join contact_identities i on i.tenant_id = c.tenant_id and i.contact_id = c.contact_id and i.channel_id = c.channel_id
         where c.tenant_id = $1 and c.channel_id = $2 order by c.id`,
        [owner.tenantId, page.channelId],
      )
    ).rows;
    expect(conversations).toHaveLength(senders.length);
    return { owner, page, conversations };
  }

  /** The summary kept on each conversation is what its messages say. */
  async function expectSummariesRight(tenantId: string): Promise<void> {
    const { rows } = await db.query(
      `select c.id, c.inbound_messages, (select count(*)::int from messages m where m.tenant_id = c.tenant_id and m.conversation_id = c.id and m.direction = 'inbound') as counted
       from conversations c where c.tenant_id = $1`,
      [tenantId],
    );
    for (const r of rows) expect(r.inbound_messages).toBe(r.counted);
  }

  it('an inbound batch and a retention purge of the same conversations both complete', async () => {
    // The batch's summary update probes its conversations in id order; the purge's visits them in
    // the order of a hash table of their ids. Unless that order happens to start with the lowest
    // id (1 in 8 here), the batch holds the lowest and wants the purge's first, and the purge wants
    // the lowest: each round is a new set of conversations (new ids).
    const owner = await t.signup();
    // The organization's history, so the planner picks the plans of a real inbox: a probe of the
    // primary key per conversation written, not a walk over all of the organization's few
    // conversations (which visits them in one order for every writer).
    const archive = await t.createChannel(owner);
    await db.query(`insert into contacts (tenant_id, id) select $1, gen_random_uuid() from generate_series(1, 5000)`, [owner.tenantId]);
    await db.query(
      `insert into conversations (tenant_id, contact_id, channel_id, status) select tenant_id, id, $2, 'resolved' from contacts where tenant_id = $1`,
      [owner.tenantId, archive],
    );
    await db.query(`analyze conversations`);
    for (let round = 0; round < 6; round++) {
      const senders = Array.from({ length: 8 }, (_, i) => `psid-lock-${round}-${i}`);
      const { page, conversations } = await inbox(owner, senders, new Date(Date.now() - 40 * DAY));
      const settings = await t.request('PUT', '/api/settings/retention', {
        token: owner.token,
        body: { defaultDays: null, channels: { [page.channelId]: 30 } },
      });
      expect(settings.status).toBe(200);
      for (const psid of senders) expect((await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'now'))).status).toBe(200);

      const [batch, purge] = await gated(owner, 'conversations', () =>
        interleave(
          () => t.drainInbound(),
          () => t.app.get(RetentionPurgeJob).run(),
        ),
      );
      expect({ round, batch: reason(batch), purge: reason(purge), warnings }).toEqual({ round, batch: null, purge: null, warnings: [] });

      // Nothing lost, nothing twice: the old messages went, the new ones stayed, in the same conversations.
      const { rows } = await db.query(`select conversation_id, text from messages where tenant_id = $1 and channel_id = $2 order by conversation_id`, [
        owner.tenantId,
        page.channelId,
      ]);
      expect(rows).toEqual(conversations.map((c) => ({ conversation_id: c.id, text: 'now' })));
      await expectSummariesRight(owner.tenantId);
    }
  });

  it('an inbound batch waking a snoozed conversation and a bulk change of the same conversations both complete', async () => {
    const owner = await t.signup();
    const senders = ['psid-bulk-a', 'psid-bulk-b'];
    const { page, conversations } = await inbox(owner, senders, new Date(Date.now() - DAY));
    // The later of the two (by id) is snoozed: the batch wakes it up (it locked it first), the bulk
    // change locks the ids in order.
    const [first, later] = conversations;
    await db.query(`update conversations set status = 'snoozed', snoozed_until = now() + interval '1 day' where tenant_id = $1 and id = $2`, [
      owner.tenantId,
      later.id,
    ]);
    for (const psid of senders) expect((await postMetaWebhook(t, messengerMessage(page.pageId, psid, 'now'))).status).toBe(200);

    const [batch, bulk] = await gated(owner, 'conversations', () =>
      interleave(
        () => t.drainInbound(),
        () => t.request('POST', '/api/conversations/bulk', { token: owner.token, body: { ids: [first.id, later.id], set: { priority: 'high' } } }),
      ),
    );
    expect({ batch: reason(batch), bulk: bulk.status === 'fulfilled' ? bulk.value.status : reason(bulk), warnings }).toEqual({
      batch: null,
      bulk: 200,
      warnings: [],
    });
    const { rows } = await db.query(`select id, status, priority, inbound_messages from conversations where tenant_id = $1 order by id`, [owner.tenantId]);
    expect(rows).toEqual([
      { id: first.id, status: 'open', priority: 'high', inbound_messages: 2 },
      { id: later.id, status: 'open', priority: 'high', inbound_messages: 2 },
    ]);
  });

  it("an inbound batch and a bulk change of the same conversations both complete, whatever the order of the batch's messages", async () => {
    const owner = await t.signup();
    const senders = ['psid-fk-a', 'psid-fk-b'];
    const { page, conversations } = await inbox(owner, senders, new Date(Date.now() - DAY));
    const [first, later] = conversations;
    // The batch (the processor's, given its messages in this order) writes the later conversation's
    // message first: inserting a message checks that its conversation exists (a key-share lock on
    // the row), message by message.
    const now = (c: { psid: string }) => ({
      channelId: page.channelId,
      channelKind: 'messenger' as const,
      externalContactId: c.psid,
      externalMessageId: `m_now_${c.psid}`,
      text: 'now',
      sentAt: new Date(),
    });

    const [batch, bulk] = await gated(owner, 'messages', () =>
      interleave(
        () => t.conversations.receiveInboundBatch(owner, [now(later), now(first)]),
        () => t.request('POST', '/api/conversations/bulk', { token: owner.token, body: { ids: [first.id, later.id], set: { priority: 'urgent' } } }),
      ),
    );
    expect({ batch: reason(batch), bulk: bulk.status === 'fulfilled' ? bulk.value.status : reason(bulk) }).toEqual({ batch: null, bulk: 200 });
    const { rows } = await db.query(`select id, priority, inbound_messages from conversations where tenant_id = $1 order by id`, [owner.tenantId]);
    expect(rows).toEqual([
      { id: first.id, priority: 'urgent', inbound_messages: 2 },
      { id: later.id, priority: 'urgent', inbound_messages: 2 },
    ]);
  });

  it('an inbound batch and the snooze wake-up of the same conversations both complete', async () => {
    const owner = await t.signup();
    const senders = ['psid-wake-a', 'psid-wake-b'];
    const { page, conversations } = await inbox(owner, senders, new Date(Date.now() - DAY));
    const [first, later] = conversations;
    // Both are due; the wake-up finds them by time (its index), the later id first.
    for (const [c, minutesAgo] of [
      [later, 2],
      [first, 1],
    ] as const)
      await db.query(`update conversations set status = 'snoozed', snoozed_until = now() - make_interval(mins => $3) where tenant_id = $1 and id = $2`, [
        owner.tenantId,
        c.id,
        minutesAgo,
      ]);
    const now = (c: { psid: string }) => ({
      channelId: page.channelId,
      channelKind: 'messenger' as const,
      externalContactId: c.psid,
      externalMessageId: `m_wake_${c.psid}`,
      text: 'now',
      sentAt: new Date(),
    });

    const [wake, batch] = await gated(owner, 'conversations', () =>
      interleave(
        () => t.app.get(SnoozeWakeJob).run(),
        () => t.conversations.receiveInboundBatch(owner, [now(first), now(later)]),
      ),
    );
    expect({ wake: reason(wake), batch: reason(batch) }).toEqual({ wake: null, batch: null });
    const { rows } = await db.query(`select id, status, snoozed_until, inbound_messages from conversations where tenant_id = $1 order by id`, [owner.tenantId]);
    expect(rows).toEqual([
      { id: first.id, status: 'open', snoozed_until: null, inbound_messages: 2 },
      { id: later.id, status: 'open', snoozed_until: null, inbound_messages: 2 },
    ]);
  });
});
