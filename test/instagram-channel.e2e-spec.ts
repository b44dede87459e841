import { Client } from 'pg';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, instagramMessage, instagramWebhook, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DAY = 24 * 3600_000;

interface Msg {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string | null;
  attachments: Array<Record<string, unknown>>;
  status: string | null;
  externalId: string | null;
  authorId: string | null;
  replyToExternalId: string | null;
  reactions: Array<{ by: string; emoji: string | null }>;
  deletedAt: string | null;
}

/** A Customer connects an Instagram professional account and answers Direct messages, end to end. */
describe('Instagram channel', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let owner: TestTenant;
  let db: Client;

  /** Every test connects an IG account of its own, so calls and conversations never mix. */
  async function connect(): Promise<{ igAccountId: string; channelId: string; token: string }> {
    const igAccountId = platformId();
    const token = `IGQWR-test-token-${igAccountId}`;
    graph.instagram(igAccountId, token);
    const res = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'instagram', name: 'Acme on Instagram', config: { igAccountId }, credentials: { accessToken: token } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'instagram', status: 'active', config: { igAccountId } });
    return { igAccountId, channelId: res.body.id, token };
  }

  /** Posts a signed webhook, expects Meta's 200, and processes what was stored. */
  async function deliver(body: unknown): Promise<void> {
    const res = await postMetaWebhook(t, body);
    expect(res.status).toBe(200);
    await t.drainInbound();
  }

  async function conversationOf(channelId: string): Promise<{ id: string; contactId: string; channelId: string; lastInboundAt: string }> {
    const list = await t.request('GET', `/api/conversations?channelId=${channelId}`, { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    return list.body.items[0];
  }

  async function messagesOf(conversationId: string): Promise<Msg[]> {
    const res = await t.request('GET', `/api/conversations/${conversationId}/messages`, { token: owner.token });
    expect(res.status).toBe(200);
    return res.body.items;
  }

  const byExternalId = (items: Msg[], externalId: string) => items.find((m) => m.externalId === externalId);

  async function reply(conversationId: string, text: string): Promise<string> {
    const res = await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: owner.token, body: { text } });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('queued');
    return res.body.id;
  }

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
    owner = await t.signup();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
    await graph.stop();
  });

  it('turns a Direct message into a conversation with an Instagram contact', async () => {
    const { igAccountId, channelId, token } = await connect();
    const igsid = platformId();
    const body = instagramMessage(igAccountId, igsid, { mid: 'aWdf_first', text: 'Is the blue one still in stock? 💙' });
    const res = await postMetaWebhook(t, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, stored: 1 });
    await t.drainInbound();

    const conversation = await conversationOf(channelId);
    expect(conversation).toMatchObject({ channelId, status: 'open' });
    expect(await messagesOf(conversation.id)).toMatchObject([
      { direction: 'inbound', text: 'Is the blue one still in stock? 💙', externalId: 'aWdf_first', attachments: [], status: null },
    ]);
    const contact = await t.request('GET', `/api/contacts/${conversation.contactId}`, { token: owner.token });
    expect(contact.body.identities).toMatchObject([{ channelId, channelKind: 'instagram', externalId: igsid }]);

    const channel = await t.request('GET', `/api/channels/${channelId}`, { token: owner.token });
    expect(JSON.stringify(channel.body)).not.toContain(token);
  });

  it('keeps the CDN URL of story mentions, shares and reels without copying the media', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    // The CDN URLs point at the fake server: if the app downloaded a copy, the fake would see it.
    const cdn = (name: string) => `${graph.url}/cdn/${igAccountId}/${name}?oh=signature&oe=6A1B2C3D`;
    const now = Date.now();
    await deliver(
      instagramWebhook(igAccountId, [
        {
          sender: { id: igsid },
          recipient: { id: igAccountId },
          timestamp: now - 3000,
          message: { mid: 'aWdf_mention', attachments: [{ type: 'story_mention', payload: { url: cdn('story.mp4') } }] },
        },
        {
          sender: { id: igsid },
          recipient: { id: igAccountId },
          timestamp: now - 2000,
          message: { mid: 'aWdf_share', attachments: [{ type: 'share', payload: { url: cdn('post.jpg') } }] },
        },
        {
          sender: { id: igsid },
          recipient: { id: igAccountId },
          timestamp: now - 1000,
          message: {
            mid: 'aWdf_reel',
            text: 'look at this',
            attachments: [{ type: 'ig_reel', payload: { url: cdn('reel.mp4'), title: 'Summer drop', reel_video_id: '1789' } }],
          },
        },
      ]),
    );

    const items = await messagesOf((await conversationOf(channelId)).id);
    expect(items).toHaveLength(3);
    expect(byExternalId(items, 'aWdf_mention')).toMatchObject({
      direction: 'inbound',
      text: null,
      attachments: [{ type: 'story_mention', url: cdn('story.mp4') }],
    });
    expect(byExternalId(items, 'aWdf_share')).toMatchObject({ text: null, attachments: [{ type: 'share', url: cdn('post.jpg') }] });
    expect(byExternalId(items, 'aWdf_reel')).toMatchObject({
      text: 'look at this',
      attachments: [{ type: 'reel', name: 'Summer drop', url: cdn('reel.mp4'), detail: { caption: 'Summer drop', mediaId: '1789' } }],
    });
    expect(graph.calls.filter((c) => c.path.startsWith('/cdn/'))).toEqual([]);
  });

  it('stores a reply to a story with the story URL and id', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    const storyUrl = 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17900000000000001&signature=abc';
    await deliver(
      instagramMessage(igAccountId, igsid, {
        mid: 'aWdf_story_reply',
        text: 'Love this look!',
        reply_to: { story: { url: storyUrl, id: '17900000000000001' } },
      }),
    );

    const [message] = await messagesOf((await conversationOf(channelId)).id);
    expect(message).toMatchObject({
      direction: 'inbound',
      externalId: 'aWdf_story_reply',
      text: 'Love this look!',
      replyToExternalId: null,
      attachments: [{ type: 'other', url: storyUrl, ref: '17900000000000001', detail: { what: 'story_reply' } }],
    });
  });

  it('erases the content of a message the End User deleted, keeping the row', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    await deliver(
      instagramMessage(igAccountId, igsid, {
        mid: 'aWdf_regret',
        text: 'my address is 1 Secret Lane',
        attachments: [{ type: 'image', payload: { url: 'https://cdn.example/photo.jpg' } }],
      }),
    );
    await deliver(instagramMessage(igAccountId, igsid, { mid: 'aWdf_keep', text: 'and this one stays' }));
    const conversation = await conversationOf(channelId);
    const before = byExternalId(await messagesOf(conversation.id), 'aWdf_regret')!;
    expect(before).toMatchObject({
      text: 'my address is 1 Secret Lane',
      deletedAt: null,
      attachments: [{ type: 'image', url: 'https://cdn.example/photo.jpg' }],
    });

    await deliver(instagramMessage(igAccountId, igsid, { mid: 'aWdf_regret', is_deleted: true }));

    const items = await messagesOf(conversation.id);
    expect(items).toHaveLength(2);
    const erased = byExternalId(items, 'aWdf_regret')!;
    expect(erased).toMatchObject({ id: before.id, text: null, attachments: [], deletedAt: expect.any(String) });
    expect(byExternalId(items, 'aWdf_keep')).toMatchObject({ text: 'and this one stays', deletedAt: null });
    const { rows } = await db.query(`select text, attachments, deleted_at from messages where tenant_id = $1 and id = $2`, [owner.tenantId, before.id]);
    expect(rows).toEqual([{ text: null, attachments: [], deleted_at: expect.any(Date) }]);
    expect(JSON.stringify(rows)).not.toContain('Secret Lane');
  });

  it('erases a message whose deletion overtook it', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { mid: 'aWdf_early_delete', is_deleted: true }));
    await deliver(instagramMessage(igAccountId, igsid, { mid: 'aWdf_early_delete', text: 'oops, wrong chat' }));
    // The deletion waits in the queue for its message; let its retry come due.
    await db.query(`update queue.jobs set available_at = now() where tenant_id = $1 and kind = 'inbound'`, [owner.tenantId]);
    await t.drainInbound();
    const conversation = await conversationOf(channelId);
    expect(byExternalId(await messagesOf(conversation.id), 'aWdf_early_delete')).toMatchObject({ text: null, deletedAt: expect.any(String) });
  });

  it('sets and clears the reactions of a message', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { mid: 'aWdf_reacted', text: 'we got engaged!' }));
    const conversation = await conversationOf(channelId);
    const reaction = (action: 'react' | 'unreact', extra: Record<string, string>, timestamp: number) =>
      instagramWebhook(igAccountId, [
        { sender: { id: igsid }, recipient: { id: igAccountId }, timestamp, reaction: { mid: 'aWdf_reacted', action, ...extra } },
      ]);

    await deliver(reaction('react', { reaction: 'love', emoji: '❤️' }, Date.now()));
    expect(byExternalId(await messagesOf(conversation.id), 'aWdf_reacted')!.reactions).toEqual([{ by: 'contact', emoji: '❤️' }]);

    await deliver(reaction('unreact', {}, Date.now() + 1));
    expect(byExternalId(await messagesOf(conversation.id), 'aWdf_reacted')!.reactions).toEqual([]);
  });

  it('sends a reply inside 24 hours as a RESPONSE through the Send API', async () => {
    const { igAccountId, channelId, token } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { text: 'What are your opening hours?' }));
    const conversation = await conversationOf(channelId);

    const id = await reply(conversation.id, 'We open at 9 every day.');
    await t.drainOutbound();

    const calls = graph.callsTo(`/${igAccountId}/messages`);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      method: 'POST',
      path: `/${igAccountId}/messages`,
      authorization: `Bearer ${token}`,
      body: { recipient: { id: igsid }, messaging_type: 'RESPONSE', message: { text: 'We open at 9 every day.' } },
    });
    const sent = (await messagesOf(conversation.id)).find((m) => m.id === id);
    expect(sent).toMatchObject({ direction: 'outbound', status: 'sent', authorId: owner.userId, externalId: expect.stringMatching(/^m_fake/) });
  });

  it('stores the echo of our own reply once, and one sent from the Instagram app as outbound', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { text: 'hello?' }));
    const conversation = await conversationOf(channelId);
    const id = await reply(conversation.id, 'Hi, how can we help?');
    await t.drainOutbound();
    const ours = (await messagesOf(conversation.id)).find((m) => m.id === id)!;
    expect(ours.externalId).toEqual(expect.stringMatching(/^m_fake/));

    const echo = (mid: string, text: string) =>
      instagramWebhook(igAccountId, [{ sender: { id: igAccountId }, recipient: { id: igsid }, timestamp: Date.now(), message: { mid, text, is_echo: true } }]);
    await deliver(echo(ours.externalId!, 'Hi, how can we help?'));
    await deliver(echo('aWdf_from_ig_app', 'Answered from the Instagram app'));

    const items = await messagesOf(conversation.id);
    expect(items.filter((m) => m.externalId === ours.externalId)).toEqual([expect.objectContaining({ id, authorId: owner.userId, status: 'sent' })]);
    expect(byExternalId(items, 'aWdf_from_ig_app')).toMatchObject({ direction: 'outbound', text: 'Answered from the Instagram app', authorId: null });
    expect(items).toHaveLength(3);
  });

  it('marks exactly the message named by read.mid as read', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { text: 'two questions' }));
    const conversation = await conversationOf(channelId);
    const first = await reply(conversation.id, 'first answer');
    await t.drainOutbound();
    const second = await reply(conversation.id, 'second answer');
    await t.drainOutbound();
    const sent = await messagesOf(conversation.id);
    const firstMid = sent.find((m) => m.id === first)!.externalId!;
    expect(firstMid).toBeTruthy();

    await deliver(instagramWebhook(igAccountId, [{ sender: { id: igsid }, recipient: { id: igAccountId }, timestamp: Date.now(), read: { mid: firstMid } }]));

    const after = await messagesOf(conversation.id);
    expect(after.find((m) => m.id === first)!.status).toBe('read');
    expect(after.find((m) => m.id === second)!.status).toBe('sent');
  });

  it('sends a human agent reply between 24 hours and 7 days with the HUMAN_AGENT tag', async () => {
    const { igAccountId, channelId, token } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { text: 'anyone there?' }, Date.now() - 2 * DAY));
    const conversation = await conversationOf(channelId);
    expect(Date.now() - new Date(conversation.lastInboundAt).getTime()).toBeGreaterThan(47 * 3600_000);

    const id = await reply(conversation.id, 'Sorry for the wait, a colleague is on it.');
    await t.drainOutbound();

    const calls = graph.callsTo(`/${igAccountId}/messages`);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', authorization: `Bearer ${token}` });
    expect(calls[0].body).toEqual({
      recipient: { id: igsid },
      messaging_type: 'MESSAGE_TAG',
      tag: 'HUMAN_AGENT',
      message: { text: 'Sorry for the wait, a colleague is on it.' },
    });
    expect((await messagesOf(conversation.id)).find((m) => m.id === id)!.status).toBe('sent');
  });

  it('refuses a reply more than 7 days after the last message and queues nothing', async () => {
    const { igAccountId, channelId } = await connect();
    const igsid = platformId();
    await deliver(instagramMessage(igAccountId, igsid, { text: 'hello from last month' }, Date.now() - 8 * DAY));
    const conversation = await conversationOf(channelId);
    const outboundJobs = async () =>
      (await db.query(`select count(*)::int as n from queue.jobs where kind = 'outbound' and tenant_id = $1`, [owner.tenantId])).rows[0].n;
    const jobsBefore = await outboundJobs();

    const res = await t.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'Are you still interested?' } });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ statusCode: 422, code: 'MESSAGING_WINDOW_CLOSED', message: expect.any(String) });

    expect(await outboundJobs()).toBe(jobsBefore);
    expect((await messagesOf(conversation.id)).map((m) => m.direction)).toEqual(['inbound']);
    await t.drainOutbound();
    expect(graph.callsTo(`/${igAccountId}/messages`)).toEqual([]);
  });
});
