import { Client } from 'pg';
import { botToken } from './fakes/fake-telegram.server';
import { TelegramBed, startTelegramBed } from './support/telegram-bed';
import { HttpResult, TestApp, TestTenant } from './support/test-app';

let updateSeq = 900_000_000;
let messageSeq = 1;
let userSeq = 6_000_000_000;

/**
 * Inbound events take effect in the order they arrived wherever that order decides the outcome.
 * Telegram dates messages and edits to the second, so an End User who writes fast sends several
 * with one time: the platform's time cannot order them, arrival must. Each case posts the events
 * of several End Users interleaved and processes them as one claimed batch, so losing the arrival
 * order anywhere (the claim answers in no particular order, lanes side by side, ties broken by a
 * random id) shows up as one End User's outcome out of order.
 */
describe('inbound arrival order', () => {
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;
  let channelId: string;
  let bed: TelegramBed | undefined;
  const token = botToken(7_100_000_000 + Math.floor(Math.random() * 1_000_000));

  const postUpdate = async (update: unknown) => {
    const res: HttpResult = await bed!.post(update);
    expect(res.status).toBe(200);
  };
  const user = (name: string) => ({ id: ++userSeq, is_bot: false, first_name: name });
  const chatOf = (u: { id: number; first_name: string }) => ({ id: u.id, first_name: u.first_name, type: 'private' });

  /** The End User's conversation as the inbox lists it, with its messages newest first. */
  async function inboxOf(userId: number) {
    const [identity] = (
      await db.query(
        `select c.id from conversations c join contact_identities i on i.tenant_id = c.tenant_id and i.contact_id = c.contact_id and i.channel_id = c.channel_id
         where c.channel_id = $1 and i.external_id = $2`,
        [channelId, String(userId)],
      )
    ).rows;
    const listed = await t.request('GET', `/api/conversations?channelId=${channelId}&limit=100`, { token: owner.token });
    const row = listed.body.items.find((c: { id: string }) => c.id === identity.id);
    const messages = await t.request('GET', `/api/conversations/${identity.id}/messages?limit=100`, { token: owner.token });
    return {
      name: row.contact.displayName as string,
      preview: row.lastMessage.text as string,
      texts: (messages.body.items as Array<{ text: string }>).map((m) => m.text),
    };
  }

  beforeAll(async () => {
    bed = await startTelegramBed(token, 'Order bot');
    ({ t, owner, db, channelId } = bed);
  });
  afterAll(() => bed?.close());

  it('lists, previews and names after the messages an End User sent within one second in the order they arrived', async () => {
    const date = Math.floor(Date.now() / 1000);
    const senders = ['Ada', 'Bob', 'Cyd', 'Dee'].map(user);
    const PER_SENDER = 6;
    // Each sender renames themselves as they go: the name they wrote under last is the contact's.
    for (let n = 1; n <= PER_SENDER; n++) {
      for (const s of senders) {
        const from = { ...s, first_name: `${s.first_name} ${n}` };
        await postUpdate({ update_id: ++updateSeq, message: { message_id: ++messageSeq, from, chat: chatOf(s), date, text: `${s.first_name} says ${n}` } });
      }
    }
    expect(await t.drainInbound()).toBe(senders.length * PER_SENDER);

    for (const s of senders) {
      const said = Array.from({ length: PER_SENDER }, (_, i) => `${s.first_name} says ${i + 1}`);
      expect(await inboxOf(s.id)).toEqual({ name: `${s.first_name} ${PER_SENDER}`, preview: said[PER_SENDER - 1], texts: [...said].reverse() });
    }
  });

  it('keeps the edit that came last when edits of one message share their second', async () => {
    const date = Math.floor(Date.now() / 1000);
    const senders = ['Eve', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jon'].map(user);
    const originals = senders.map((s) => ({ message_id: ++messageSeq, from: s, chat: chatOf(s), date, text: `${s.first_name} draft` }));
    for (const message of originals) await postUpdate({ update_id: ++updateSeq, message });
    expect(await t.drainInbound()).toBe(senders.length);

    const EDITS = 4;
    for (let n = 1; n <= EDITS; n++) {
      for (const message of originals) {
        await postUpdate({ update_id: ++updateSeq, edited_message: { ...message, text: `${message.from.first_name} edit ${n}`, edit_date: date + 1 } });
      }
    }
    expect(await t.drainInbound()).toBe(senders.length * EDITS);

    for (const s of senders) {
      const { texts } = await inboxOf(s.id);
      expect(texts).toEqual([`${s.first_name} edit ${EDITS}`]);
    }
  });
});
