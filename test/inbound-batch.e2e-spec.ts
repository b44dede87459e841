import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { InboundMessage, TenantRef } from '../libs/domain/src';
import { DomainEvent, DomainEvents } from '../src/common/domain-events.service';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, instagramMessage, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient, regionUrl } from './support/test-app';

/**
 * The processor records new messages in set-based batches. The inbox must end up exactly as if
 * each message had been recorded one by one, under concurrency too, and a batch that fails must
 * fall back to one by one without losing anything.
 */
describe('inbound messages recorded in batches', () => {
  let t: TestApp;
  let db: Client;
  let graph: FakeGraphServer;
  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  const at = (minute: number) => new Date(Date.UTC(2026, 10, 1, 9, minute, 0, 0));
  const msg = (channelId: string, over: Partial<InboundMessage> & Pick<InboundMessage, 'externalContactId' | 'externalMessageId'>): InboundMessage => ({
    channelId,
    channelKind: 'messenger',
    text: `text of ${over.externalMessageId}`,
    sentAt: at(30),
    ...over,
  });

  /** The tenant's inbox, keyed by platform ids only, so two tenants' inboxes can be compared. */
  async function snapshot(tenant: TenantRef) {
    const { rows } = await db.query(
      `select i.external_id as sender, ct.display_name, c.status, c.last_message_at, c.last_inbound_at,
              coalesce(json_agg(json_build_object('mid', m.external_id, 'text', m.text, 'attachments', m.attachments, 'replyTo', m.reply_to_external_id,
                'sentAt', m.sent_at, 'direction', m.direction, 'status', m.status) order by m.external_id) filter (where m.id is not null), '[]') as messages
       from contact_identities i
       join contacts ct on ct.tenant_id = i.tenant_id and ct.id = i.contact_id
       left join conversations c on c.tenant_id = i.tenant_id and c.contact_id = i.contact_id and c.channel_id = i.channel_id
       left join messages m on m.tenant_id = c.tenant_id and m.conversation_id = c.id
       where i.tenant_id = $1
       group by i.external_id, ct.display_name, c.tenant_id, c.id
       order by i.external_id, c.last_message_at, c.status`,
      [tenant.tenantId],
    );
    const counts = (
      await db.query(
        `select (select count(*) from contacts where tenant_id = $1)::int as contacts,
                (select count(*) from contact_identities where tenant_id = $1)::int as identities,
                (select count(*) from conversations where tenant_id = $1)::int as conversations,
                (select count(*) from messages where tenant_id = $1)::int as messages`,
        [tenant.tenantId],
      )
    ).rows[0];
    return { rows, counts };
  }

  /** The same history in each tenant: open, snoozed, pending and resolved conversations. */
  async function seed(tenant: TenantRef, channelId: string): Promise<void> {
    const setStatus = (conversationId: string, status: string) =>
      t.dbs.forTenant(tenant, (tx) =>
        tx.query(`update conversations set status = $3 where tenant_id = $1 and id = $2`, [tenant.tenantId, conversationId, status]),
      );
    await t.conversations.receiveInbound(
      tenant,
      msg(channelId, { externalContactId: 'open-1', externalMessageId: 'old-open', contactName: 'Olga', sentAt: at(1) }),
    );
    const snoozed = await t.conversations.receiveInbound(
      tenant,
      msg(channelId, { externalContactId: 'snoozed-1', externalMessageId: 'old-snoozed', sentAt: at(2) }),
    );
    await setStatus(snoozed.conversation.id, 'snoozed');
    const pending = await t.conversations.receiveInbound(
      tenant,
      msg(channelId, { externalContactId: 'pending-1', externalMessageId: 'old-pending', sentAt: at(3) }),
    );
    await setStatus(pending.conversation.id, 'pending');
    const resolved = await t.conversations.receiveInbound(
      tenant,
      msg(channelId, { externalContactId: 'resolved-1', externalMessageId: 'old-resolved', sentAt: at(4) }),
    );
    await setStatus(resolved.conversation.id, 'resolved');
  }

  /** New and known senders, out-of-order times, renames, a redelivery and a repeat within the batch. */
  const traffic = (channelId: string): InboundMessage[] => [
    msg(channelId, { externalContactId: 'open-1', externalMessageId: 'n1', sentAt: at(20), contactName: 'Olga K.' }),
    msg(channelId, {
      externalContactId: 'open-1',
      externalMessageId: 'n2',
      sentAt: at(10),
      attachments: [{ type: 'image', url: 'https://cdn.example.test/a.jpg' }],
      text: null,
    }),
    msg(channelId, { externalContactId: 'snoozed-1', externalMessageId: 'n3', sentAt: at(11) }),
    msg(channelId, { externalContactId: 'pending-1', externalMessageId: 'n4', sentAt: at(12), replyToExternalId: 'old-pending' }),
    msg(channelId, { externalContactId: 'resolved-1', externalMessageId: 'n5', sentAt: at(13) }),
    msg(channelId, { externalContactId: 'new-1', externalMessageId: 'n6', sentAt: at(15), contactName: 'Nina' }),
    msg(channelId, { externalContactId: 'new-1', externalMessageId: 'n7', sentAt: at(14) }),
    msg(channelId, { externalContactId: 'new-1', externalMessageId: 'n8', sentAt: at(16), contactName: 'Nina B.' }),
    msg(channelId, { externalContactId: 'new-2', externalMessageId: 'n9', sentAt: at(17) }),
    msg(channelId, { externalContactId: 'open-1', externalMessageId: 'old-open', sentAt: at(1), text: 'a redelivery must not change anything' }),
    msg(channelId, { externalContactId: 'new-2', externalMessageId: 'n9', sentAt: at(17), text: 'a repeat within the batch' }),
  ];

  it('leaves the inbox exactly as recording the messages one by one does', async () => {
    const oneByOne = await t.signup();
    const batched = await t.signup();
    const channelA = await t.createChannel(oneByOne);
    const channelB = await t.createChannel(batched);
    await seed(oneByOne, channelA);
    await seed(batched, channelB);

    const single = [];
    for (const m of traffic(channelA)) single.push(await t.conversations.receiveInbound(oneByOne, m));
    const batch = await t.conversations.receiveInboundBatch(batched, traffic(channelB));

    const [a, b] = [await snapshot(oneByOne), await snapshot(batched)];
    expect(b).toEqual(a);
    // The comparison is not vacuous: the seeds and the traffic did what each case is about.
    expect(a.counts).toEqual({ contacts: 6, identities: 6, conversations: 7, messages: 13 });
    const bySender = (s: string) => b.rows.filter((r) => r.sender === s);
    expect(bySender('open-1')).toMatchObject([{ display_name: 'Olga K.', status: 'open', last_message_at: at(20), last_inbound_at: at(20) }]);
    expect(bySender('open-1')[0].messages.map((m: { mid: string }) => m.mid)).toEqual(['n1', 'n2', 'old-open']);
    expect(bySender('snoozed-1')).toMatchObject([{ status: 'open' }]);
    expect(bySender('pending-1')).toMatchObject([{ status: 'pending' }]);
    expect(bySender('resolved-1').map((r) => r.status)).toEqual(['resolved', 'open']);
    expect(bySender('new-1')).toMatchObject([{ display_name: 'Nina B.', status: 'open', last_message_at: at(16), last_inbound_at: at(16) }]);

    // The answers match too, in input order: created once, redeliveries and repeats not.
    expect(batch.map((r) => r.created)).toEqual(single.map((r) => r.created));
    expect(batch.map((r) => r.created)).toEqual([true, true, true, true, true, true, true, true, true, false, false]);
    expect(batch[10].messageId).toBe(batch[8].messageId);
    expect(batch[5].conversationId).toBe(batch[7].conversationId);
    expect(batch[2].conversationStatus).toBe('open');
    expect(batch[3].conversationStatus).toBe('pending');
  });

  it('publishes its events once the batch is committed: one per new message, one per conversation', async () => {
    const tenant = await t.signup();
    const channelId = await t.createChannel(tenant);
    const seen: Array<{ event: DomainEvent; visible: Promise<number> }> = [];
    // Several connections, so each check is sent the moment its event is published.
    const readers = new Pool({ connectionString: await regionUrl('eu'), max: 8 });
    const subscription = t.app
      .get(DomainEvents)
      .forTenant(tenant)
      .subscribe((event) => {
        // Read from another connection: only committed rows are visible there.
        const visible =
          event.type === 'message.created'
            ? readers
                .query(`select count(*)::int as n from messages where tenant_id = $1 and id = $2`, [tenant.tenantId, event.data.messageId])
                .then((r) => r.rows[0].n)
            : Promise.resolve(1);
        seen.push({ event, visible });
      });
    try {
      await t.conversations.receiveInboundBatch(tenant, [
        msg(channelId, { externalContactId: 'a', externalMessageId: 'e1' }),
        msg(channelId, { externalContactId: 'a', externalMessageId: 'e2' }),
        msg(channelId, { externalContactId: 'b', externalMessageId: 'e3' }),
        msg(channelId, { externalContactId: 'b', externalMessageId: 'e3' }),
      ]);
      // Events reach followers from the log, a moment after the commit.
      for (let i = 0; i < 100 && seen.length < 5; i++) await new Promise((r) => setTimeout(r, 50));
      expect(seen.filter((s) => s.event.type === 'message.created')).toHaveLength(3);
      expect(seen.filter((s) => s.event.type === 'conversation.updated')).toHaveLength(2);
      expect(await Promise.all(seen.map((s) => s.visible))).toEqual(seen.map(() => 1));
    } finally {
      subscription.unsubscribe();
      await readers.end();
    }
  });

  it('refuses a batch holding a message with neither text nor attachments, and writes nothing', async () => {
    const tenant = await t.signup();
    const channelId = await t.createChannel(tenant);
    await expect(
      t.conversations.receiveInboundBatch(tenant, [
        msg(channelId, { externalContactId: 'a', externalMessageId: 'ok' }),
        msg(channelId, { externalContactId: 'a', externalMessageId: 'empty', text: null }),
      ]),
    ).rejects.toMatchObject({ code: 'EMPTY_MESSAGE' });
    expect((await snapshot(tenant)).counts).toEqual({ contacts: 0, identities: 0, conversations: 0, messages: 0 });
  });

  it('overlapping batches and single deliveries at once make one contact, one conversation and one message each', async () => {
    const tenant = await t.signup();
    const channelId = await t.createChannel(tenant);
    const senders = Array.from({ length: 12 }, (_, i) => `racer-${i}`);
    const all = senders.flatMap((s) =>
      [0, 1, 2].map((n) => msg(channelId, { externalContactId: s, externalMessageId: `${s}-m${n}`, sentAt: at(n), contactName: `Racer ${s}` })),
    );
    // Each batch takes the messages in another order; singles race them for a third of the messages.
    const rotated = [...all.slice(17), ...all.slice(0, 17)];
    const results = await Promise.all([
      t.conversations.receiveInboundBatch(tenant, all),
      t.conversations.receiveInboundBatch(tenant, rotated),
      t.conversations.receiveInboundBatch(tenant, [...all].reverse()),
      ...all.filter((_, i) => i % 3 === 0).map((m) => t.conversations.receiveInbound(tenant, m).then((r) => [{ created: r.created }])),
    ]);
    const { counts, rows } = await snapshot(tenant);
    expect(counts).toEqual({ contacts: 12, identities: 12, conversations: 12, messages: 36 });
    expect(rows.every((r) => r.messages.length === 3 && r.last_message_at.getTime() === at(2).getTime())).toBe(true);
    // Every message was reported created exactly once across all the callers.
    expect(results.flat().filter((r) => r.created)).toHaveLength(36);
  });

  describe('through the processor', () => {
    let owner: TestTenant;
    let pageId: string;
    let igAccountId: string;
    const drain = () => t.drainInbound();

    beforeAll(async () => {
      owner = await t.signup();
      pageId = platformId();
      igAccountId = platformId();
      graph.page(pageId, 'EAAB-batch-page-token');
      graph.instagram(igAccountId, 'IGQ-batch-token');
      for (const body of [
        { kind: 'messenger', name: 'Batch Page', config: { pageId }, credentials: { pageAccessToken: 'EAAB-batch-page-token' } },
        { kind: 'instagram', name: 'Batch IG', config: { igAccountId }, credentials: { accessToken: 'IGQ-batch-token' } },
      ]) {
        const res = await t.request('POST', '/api/channels', { token: owner.token, body });
        expect(res.status).toBe(201);
      }
    });

    const messagesOf = async (mids: string[]) =>
      (
        await db.query(`select external_id, text, deleted_at from messages where tenant_id = $1 and external_id = any($2) order by external_id`, [
          owner.tenantId,
          mids,
        ])
      ).rows;

    it('processes a mixed claim: new messages together, then a deletion of one of them', async () => {
      const psid = `psid-${randomUUID()}`;
      const mids = Array.from({ length: 30 }, (_, i) => `m_mixed_${String(i).padStart(2, '0')}_${randomUUID()}`);
      for (const [i, mid] of mids.entries()) expect((await postMetaWebhook(t, messengerMessage(pageId, psid, `mixed ${i}`, mid))).status).toBe(200);
      const igsid = `igsid-${randomUUID()}`;
      expect((await postMetaWebhook(t, instagramMessage(igAccountId, igsid, { mid: 'aWdf_batch_regret', text: 'oops' }))).status).toBe(200);
      expect((await postMetaWebhook(t, instagramMessage(igAccountId, igsid, { mid: 'aWdf_batch_regret', is_deleted: true }))).status).toBe(200);

      expect(await drain()).toBe(32);
      const stored = await messagesOf(mids);
      expect(stored.map((m) => m.external_id)).toEqual([...mids].sort());
      const [regret] = await messagesOf(['aWdf_batch_regret']);
      expect(regret).toMatchObject({ text: null });
      expect(regret.deleted_at).not.toBeNull();
      const events = await db.query(`select state, count(*)::int as n from inbound_events where tenant_id = $1 group by state`, [owner.tenantId]);
      expect(events.rows).toEqual([{ state: 'done', n: 32 }]);
      expect((await db.query(`select count(*)::int as n from queue.jobs where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
    });

    it('stores webhooks with a durable commit; claims and processes them without waiting for the disk', async () => {
      // Each trigger notes the commit mode of the transaction that fired it (as the owner, so the app role needs no rights).
      await db.query(`create table commit_modes (step text, mode text)`);
      await db.query(`create function note_commit_mode() returns trigger language plpgsql security definer set search_path = public as $$
        begin insert into public.commit_modes values (tg_argv[0], current_setting('synchronous_commit')); return null; end $$`);
      const triggers = [
        ['inbound_events', 'insert', 'store'],
        ['queue.jobs', 'update', 'claim'],
        ['messages', 'insert', 'record'],
      ];
      for (const [table, op, step] of triggers) {
        await db.query(`create trigger note_commit_mode_${step} after ${op} on ${table} for each statement execute function note_commit_mode('${step}')`);
      }
      try {
        expect((await postMetaWebhook(t, messengerMessage(pageId, `psid-${randomUUID()}`, 'how durable?', `m_mode_${randomUUID()}`))).status).toBe(200);
        expect(await drain()).toBe(1);
        const { rows } = await db.query(`select step, array_agg(distinct mode) as modes from commit_modes group by step order by step`);
        expect(rows).toEqual([
          { step: 'claim', modes: ['off'] },
          { step: 'record', modes: ['off'] },
          { step: 'store', modes: ['on'] },
        ]);
      } finally {
        for (const [table, , step] of triggers) await db.query(`drop trigger note_commit_mode_${step} on ${table}`);
        await db.query(`drop function note_commit_mode()`);
        await db.query(`drop table commit_modes`);
      }
    });

    it('when a batch cannot be written, records its events one by one and loses none', async () => {
      // Fault injection: refuse any statement inserting more than one message (the batch's insert).
      await db.query(`create function refuse_multi_row_messages() returns trigger language plpgsql as $$
        begin if (select count(*) from inserted) > 1 then raise exception 'injected batch failure'; end if; return null; end $$`);
      await db.query(`create trigger refuse_multi_row_messages after insert on messages referencing new table as inserted
        for each statement execute function refuse_multi_row_messages()`);
      try {
        const mids = Array.from({ length: 5 }, (_, i) => `m_fallback_${i}_${randomUUID()}`);
        for (const mid of mids) expect((await postMetaWebhook(t, messengerMessage(pageId, `psid-${randomUUID()}`, 'one by one', mid))).status).toBe(200);
        expect(await drain()).toBe(5);
        expect((await messagesOf(mids)).map((m) => m.external_id)).toEqual([...mids].sort());
        expect((await db.query(`select count(*)::int as n from inbound_events where tenant_id = $1 and state <> 'done'`, [owner.tenantId])).rows[0].n).toBe(0);
      } finally {
        await db.query(`drop trigger refuse_multi_row_messages on messages`);
        await db.query(`drop function refuse_multi_row_messages()`);
      }
    });
  });
});
