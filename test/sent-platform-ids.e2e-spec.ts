import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { SentPlatformIds1769300000000 } from '../src/database/migrations/region/1769300000000-sent-platform-ids';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

interface Msg {
  id: string;
  direction: string;
  text: string | null;
  status: string | null;
  externalId: string | null;
  authorId: string | null;
  reactions: Array<{ by: string; emoji: string | null }>;
  replyTo: { id: string } | null;
}

/**
 * The platform id of a message we sent is recorded outside messages' indexed columns (migration
 * SentPlatformIds, so the update is HOT), and everything that finds a message by platform id still
 * finds it: the echo, a reaction, an End User's quote, and the message's removal takes the id along.
 */
describe('platform ids of sent messages', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let pageId: string;
  let channelId: string;
  const token = 'EAAB-page-token-sent-ids-5e2a';

  const webhook = (psid: string, item: Record<string, unknown>, from: 'user' | 'page' = 'user') => ({
    object: 'page',
    entry: [
      {
        id: pageId,
        time: Date.now(),
        messaging: [{ sender: { id: from === 'user' ? psid : pageId }, recipient: { id: from === 'user' ? pageId : psid }, timestamp: Date.now(), ...item }],
      },
    ],
  });
  const deliver = async (body: unknown) => {
    expect((await postMetaWebhook(t, body)).status).toBe(200);
    await t.drainInbound();
  };
  const messagesOf = async (conversationId: string): Promise<Msg[]> =>
    (await t.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner.token })).body.items;
  /** A new End User writes; the conversation it opens. */
  const conversationWith = async (psid: string, mid: string): Promise<string> => {
    await deliver(messengerMessage(pageId, psid, 'Is my parcel on its way?', mid));
    const { rows } = await db.query(`select conversation_id from messages where tenant_id = $1 and external_id = $2`, [owner.tenantId, mid]);
    return rows[0].conversation_id;
  };
  const reply = async (conversationId: string, text: string, platformMid: string): Promise<string> => {
    graph.nextSendIds.push(platformMid);
    const res = await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text } });
    expect(res.status).toBe(202);
    await t.drainOutbound();
    return res.body.id;
  };

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    owner = await t.signup();
    pageId = platformId();
    graph.page(pageId, token);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'messenger', name: 'Parcels', config: { pageId }, credentials: { pageAccessToken: token } },
    });
    expect(res.status).toBe(201);
    channelId = res.body.id;
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  it('no index of messages covers a column that recording a send sets', async () => {
    const { rows } = await db.query<{ name: string; def: string }>(
      `select c.relname as name, pg_get_indexdef(i.indexrelid) as def from pg_index i join pg_class c on c.oid = i.indexrelid
       where i.indrelid = 'messages'::regclass`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const column of ['sent_external_id', 'status', 'error_code', 'error_text'])
      expect(rows.filter((r) => new RegExp(`\\b${column}\\b`).test(r.def)).map((r) => r.name)).toEqual([]);
  });

  it('keeps the sent id out of external_id, and a reaction, a quote and the echo find the message by it', async () => {
    const psid = platformId();
    const conversationId = await conversationWith(psid, 'm_sent_ids_question');
    const ours = await reply(conversationId, 'It left the depot this morning.', 'm_sent_ids_answer');

    const { rows } = await db.query(`select external_id, sent_external_id, status from messages where tenant_id = $1 and id = $2`, [owner.tenantId, ours]);
    expect(rows).toEqual([{ external_id: null, sent_external_id: 'm_sent_ids_answer', status: 'sent' }]);
    const claims = await db.query(`select channel_id, message_id from message_sent_ids where tenant_id = $1 and external_id = 'm_sent_ids_answer'`, [
      owner.tenantId,
    ]);
    expect(claims.rows).toEqual([{ channel_id: channelId, message_id: ours }]);
    expect((await messagesOf(conversationId)).find((m) => m.id === ours)).toMatchObject({ status: 'sent', externalId: 'm_sent_ids_answer' });

    await deliver(webhook(psid, { reaction: { mid: 'm_sent_ids_answer', action: 'react', reaction: 'like', emoji: '👍' } }));
    await deliver(webhook(psid, { message: { mid: 'm_sent_ids_thanks', text: 'Great, thanks!', reply_to: { mid: 'm_sent_ids_answer' } } }));
    await deliver(webhook(psid, { message: { mid: 'm_sent_ids_answer', text: 'It left the depot this morning.', is_echo: true } }, 'page'));

    const items = await messagesOf(conversationId);
    expect(items.filter((m) => m.externalId === 'm_sent_ids_answer')).toMatchObject([
      { id: ours, authorId: owner.userId, reactions: [{ by: 'contact', emoji: '👍' }] },
    ]);
    expect(items.find((m) => m.externalId === 'm_sent_ids_thanks')).toMatchObject({ direction: 'inbound', replyTo: { id: ours } });
  });

  it('an echo stored before its send was recorded becomes the sent message: one message, the agent’s', async () => {
    const psid = platformId();
    const conversationId = await conversationWith(psid, 'm_sent_ids_early_q');
    await deliver(webhook(psid, { message: { mid: 'm_sent_ids_early', text: 'On its way!', is_echo: true } }, 'page'));
    const echo = (await messagesOf(conversationId)).find((m) => m.externalId === 'm_sent_ids_early')!;
    expect(echo).toMatchObject({ direction: 'outbound', authorId: null });

    const ours = await reply(conversationId, 'On its way!', 'm_sent_ids_early');

    expect((await messagesOf(conversationId)).filter((m) => m.externalId === 'm_sent_ids_early')).toMatchObject([
      { id: ours, authorId: owner.userId, status: 'sent' },
    ]);
    const claims = await db.query(`select message_id from message_sent_ids where tenant_id = $1 and external_id = 'm_sent_ids_early'`, [owner.tenantId]);
    expect(claims.rows).toEqual([{ message_id: ours }]);
    // Redelivered, the echo is still that message.
    await deliver(webhook(psid, { message: { mid: 'm_sent_ids_early', text: 'On its way!', is_echo: true } }, 'page'));
    expect((await messagesOf(conversationId)).filter((m) => m.externalId === 'm_sent_ids_early').map((m) => m.id)).toEqual([ours]);
  });

  it('down() puts sent ids back into external_id, and after up() again the message is still found by its id', async () => {
    const psid = platformId();
    const conversationId = await conversationWith(psid, 'm_sent_ids_migrated_q');
    const ours = await reply(conversationId, 'Booked for Friday.', 'm_sent_ids_migrated');
    const migration = new SentPlatformIds1769300000000();
    const runner = { query: (sql: string) => db.query(sql) } as unknown as QueryRunner;
    await migration.down(runner);
    const { rows } = await db.query(`select external_id from messages where tenant_id = $1 and id = $2`, [owner.tenantId, ours]);
    expect(rows).toEqual([{ external_id: 'm_sent_ids_migrated' }]);
    await migration.up(runner);
    // As after any migration run, the app's role gets its rights on the (new) table.
    const { rows: roles } = await db.query(
      `select distinct grantee from information_schema.role_table_grants where table_name = 'messages' and privilege_type = 'INSERT' and grantee <> current_user`,
    );
    for (const r of roles) await db.query(`grant select, insert, update, delete on message_sent_ids to "${r.grantee}"`);

    await deliver(webhook(psid, { reaction: { mid: 'm_sent_ids_migrated', action: 'react', reaction: 'love', emoji: '❤️' } }));
    expect((await messagesOf(conversationId)).find((m) => m.id === ours)).toMatchObject({
      externalId: 'm_sent_ids_migrated',
      reactions: [{ by: 'contact', emoji: '❤️' }],
    });
  });

  it("a message's removal takes its claimed id along, a sent one's and an echo's alike", async () => {
    const psid = platformId();
    const conversationId = await conversationWith(psid, 'm_sent_ids_gone_q');
    await reply(conversationId, 'Delivered.', 'm_sent_ids_gone');
    await deliver(webhook(psid, { message: { mid: 'm_sent_ids_gone_echo', text: 'From the Page inbox', is_echo: true } }, 'page'));
    const claimed = async () =>
      (
        await db.query(`select external_id from message_sent_ids where tenant_id = $1 and external_id like 'm_sent_ids_gone%' order by 1`, [owner.tenantId])
      ).rows.map((r) => r.external_id);
    expect(await claimed()).toEqual(['m_sent_ids_gone', 'm_sent_ids_gone_echo']);

    await db.query(`delete from messages where tenant_id = $1 and conversation_id = $2 and direction = 'outbound'`, [owner.tenantId, conversationId]);
    expect(await claimed()).toEqual([]);
  });
});
