import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, platformId, postMetaWebhook } from './support/meta';
import { TestApp } from './support/test-app';

/** Media are referenced, not copied: fetched from the platform only when someone opens them. */
describe('attachment content', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET }));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  it('downloads WhatsApp media lazily through the two-step download, with the channel token', async () => {
    const owner = await t.signup();
    const phoneNumberId = platformId();
    const wabaId = platformId();
    const token = 'EAAG-media-token-123';
    graph.whatsapp(phoneNumberId, wabaId, token);
    const channel = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'whatsapp', name: 'WA', config: { phoneNumberId, wabaId }, credentials: { accessToken: token } },
    });
    graph.calls.length = 0; // what connecting asked Graph (the proof of control, the subscription) is not the point here
    const photo = Buffer.from('\x89PNG fake image bytes');
    graph.addMedia('1234567890', token, photo, 'image/png');
    await postMetaWebhook(t, {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'waba',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
                contacts: [{ profile: { name: 'Ana' }, wa_id: '34600111222' }],
                messages: [
                  {
                    from: '34600111222',
                    id: 'wamid.media1',
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: 'image',
                    image: { id: '1234567890', mime_type: 'image/png', sha256: 'abc', caption: 'my receipt' },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    expect(graph.calls).toHaveLength(0); // nothing fetched on arrival
    await t.drainInbound();
    expect(graph.calls).toHaveLength(0);

    const conversation = (await t.request('GET', `/api/conversations?channelId=${channel.body.id}`, { token: owner.token })).body.items[0];
    const [message] = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    expect(message).toMatchObject({ text: 'my receipt', attachments: [{ type: 'image', ref: '1234567890', mimeType: 'image/png', sha256: 'abc' }] });

    const res = await t.app.inject({
      method: 'GET',
      url: `/api/conversations/${conversation.id}/messages/${message.id}/attachments/0`,
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.rawPayload.equals(photo)).toBe(true);
    expect(graph.calls.map((c) => `${c.method} ${c.path} ${c.authorization}`)).toEqual([
      `GET /1234567890 Bearer ${token}`,
      `GET /media-download/1234567890 Bearer ${token}`,
    ]);

    const other = await t.signup();
    const foreign = await t.request('GET', `/api/conversations/${conversation.id}/messages/${message.id}/attachments/0`, { token: other.token });
    expect(foreign.status).toBe(404);
    const missing = await t.request('GET', `/api/conversations/${conversation.id}/messages/${message.id}/attachments/5`, { token: owner.token });
    expect(missing.body.code).toBe('ATTACHMENT_NOT_FOUND');
  });

  it('redirects to the Meta CDN URL it kept for Messenger attachments', async () => {
    const owner = await t.signup();
    const pageId = platformId();
    graph.page(pageId, 'EAAB-page-token');
    await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'messenger', name: 'P', config: { pageId }, credentials: { pageAccessToken: 'EAAB-page-token' } },
    });
    const url = 'https://scontent.xx.fbcdn.net/v/photo.jpg?oh=1';
    await postMetaWebhook(t, {
      object: 'page',
      entry: [
        {
          id: pageId,
          time: Date.now(),
          messaging: [
            {
              sender: { id: '42' },
              recipient: { id: pageId },
              timestamp: Date.now(),
              message: { mid: 'm_photo', attachments: [{ type: 'image', payload: { url } }] },
            },
          ],
        },
      ],
    });
    await t.drainInbound();
    const conversation = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items[0];
    const [message] = (await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: owner.token })).body.items;
    const res = await t.request('GET', `/api/conversations/${conversation.id}/messages/${message.id}/attachments/0`, { token: owner.token });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(url);
  });
});
