import { mapInstagramPayload } from '../instagram/instagram.mapper';
import { mapMessengerPayload } from '../messenger/messenger.mapper';
import { mapWhatsAppPayload } from '../whatsapp/whatsapp.mapper';
import { splitMetaWebhook } from './meta-webhook-splitter';

const page = '111';
const item = (extra: Record<string, unknown>) => ({ item: { sender: { id: 'psid' }, recipient: { id: page }, timestamp: '1764400000000', ...extra } });

describe('Messenger mapper', () => {
  it('reads text, attachments by URL, replies and string timestamps', () => {
    const [e] = mapMessengerPayload(
      item({
        message: {
          mid: 'm1',
          text: 'hi',
          reply_to: { mid: 'm0' },
          attachments: [
            { type: 'image', payload: { url: 'https://cdn/x.jpg' } },
            { type: 'fallback', payload: { url: 'https://l.facebook.com/x' } },
          ],
        },
      }),
    );
    expect(e).toEqual({
      type: 'message',
      message: {
        externalContactId: 'psid',
        externalMessageId: 'm1',
        text: 'hi',
        attachments: [
          { type: 'image', url: 'https://cdn/x.jpg' },
          { type: 'link', url: 'https://l.facebook.com/x', name: 'https://l.facebook.com/x', detail: {} },
        ],
        context: null,
        sentAt: new Date(1764400000000),
        replyToExternalId: 'm0',
      },
    });
  });

  it('keeps the text of a quick reply and the title of a postback', () => {
    expect(mapMessengerPayload(item({ message: { mid: 'm2', text: 'Large', quick_reply: { payload: 'SIZE_L' } } }))[0]).toMatchObject({
      type: 'message',
      message: { text: 'Large', context: { choice: { kind: 'quick_reply', id: 'SIZE_L', title: 'Large' } } },
    });
    expect(mapMessengerPayload(item({ postback: { mid: 'm3', title: 'Get started', payload: 'START' } }))[0]).toMatchObject({
      type: 'message',
      message: { externalMessageId: 'm3', text: 'Get started', context: { choice: { kind: 'postback', id: 'START', title: 'Get started' } } },
    });
  });

  it('reads echoes, reactions, deliveries and reads', () => {
    expect(
      mapMessengerPayload({
        item: { sender: { id: page }, recipient: { id: 'psid' }, timestamp: 1, message: { mid: 'm4', text: 'from inbox', is_echo: true } },
      })[0],
    ).toMatchObject({
      type: 'echo',
      externalContactId: 'psid',
      externalMessageId: 'm4',
    });
    expect(mapMessengerPayload(item({ reaction: { mid: 'm5', action: 'react', reaction: 'love', emoji: '❤' } }))[0]).toEqual({
      type: 'reaction',
      externalMessageId: 'm5',
      externalContactId: 'psid',
      action: 'react',
      emoji: '❤',
    });
    expect(mapMessengerPayload(item({ delivery: { mids: ['m6'], watermark: 1700000000000 } }))).toEqual([
      { type: 'receipt', externalMessageId: 'm6', status: 'delivered', at: new Date(1764400000000) },
      { type: 'watermark', externalContactId: 'psid', status: 'delivered', watermark: new Date(1700000000000) },
    ]);
    expect(mapMessengerPayload(item({ read: { watermark: 1700000000000 } }))).toEqual([
      { type: 'watermark', externalContactId: 'psid', status: 'read', watermark: new Date(1700000000000) },
    ]);
  });

  it('ignores what it does not know instead of failing', () => {
    expect(mapMessengerPayload(item({ optin: { ref: 'x' } }))).toEqual([{ type: 'ignored', reason: 'unsupported messaging item' }]);
  });
});

describe('Instagram mapper', () => {
  it('reads by mid, erases deleted messages, keeps story URLs', () => {
    expect(mapInstagramPayload(item({ read: { mid: 'ig1' } }))).toEqual([
      { type: 'receipt', externalMessageId: 'ig1', status: 'read', at: new Date(1764400000000) },
    ]);
    expect(mapInstagramPayload(item({ message: { mid: 'ig2', is_deleted: true } }))).toEqual([{ type: 'deleted', externalMessageId: 'ig2' }]);
    const [story] = mapInstagramPayload(
      item({ message: { mid: 'ig3', attachments: [{ type: 'story_mention', payload: { url: 'https://lookaside/story' } }] } }),
    );
    expect(story).toMatchObject({ type: 'message', message: { attachments: [{ type: 'story_mention', url: 'https://lookaside/story' }] } });
  });
});

describe('WhatsApp mapper', () => {
  it('reads media by id, location, interactive replies and statuses with errors', () => {
    const base = { from: '346001', id: 'wamid.1', timestamp: '1764400000' };
    expect(
      mapWhatsAppPayload({
        message: { ...base, type: 'document', document: { id: 'D1', mime_type: 'application/pdf', filename: 'invoice.pdf', sha256: 'h' } },
        contact: { profile: { name: 'Ana' } },
      })[0],
    ).toEqual({
      type: 'message',
      message: {
        externalContactId: '346001',
        contactName: 'Ana',
        externalMessageId: 'wamid.1',
        text: null,
        attachments: [{ type: 'file', ref: 'D1', mimeType: 'application/pdf', name: 'invoice.pdf', sha256: 'h' }],
        context: null,
        sentAt: new Date(1764400000 * 1000),
        replyToExternalId: null,
      },
    });
    expect(mapWhatsAppPayload({ message: { ...base, type: 'location', location: { latitude: 40.4, longitude: -3.7, name: 'Shop' } } })[0]).toMatchObject({
      message: { attachments: [{ type: 'location', url: 'geo:40.4,-3.7', name: 'Shop', detail: { latitude: 40.4, longitude: -3.7, name: 'Shop' } }] },
    });
    expect(
      mapWhatsAppPayload({
        message: { ...base, type: 'interactive', interactive: { type: 'list_reply', list_reply: { id: 'x', title: 'Tuesday 10:00' } } },
      })[0],
    ).toMatchObject({
      message: { text: 'Tuesday 10:00', context: { choice: { kind: 'list', id: 'x', title: 'Tuesday 10:00' } } },
    });
    expect(
      mapWhatsAppPayload({ status: { id: 'wamid.9', status: 'failed', timestamp: '1764400001', errors: [{ code: 131047, title: 'Re-engagement message' }] } }),
    ).toEqual([
      {
        type: 'receipt',
        externalMessageId: 'wamid.9',
        status: 'failed',
        at: new Date(1764400001000),
        error: { code: '131047', text: 'Re-engagement message' },
      },
    ]);
  });
});

describe('Meta webhook splitter', () => {
  it('splits a batch across pages and WhatsApp numbers with platform dedupe keys', () => {
    const items = splitMetaWebhook({
      object: 'page',
      entry: [
        {
          id: 'A',
          messaging: [
            { sender: { id: 'u' }, message: { mid: 'm1', text: 'x' } },
            { sender: { id: 'u' }, read: { watermark: 5 } },
          ],
        },
        { id: 'B', messaging: [{ sender: { id: 'v' }, message: { mid: 'm2', text: 'y' } }] },
      ],
    });
    expect(items.map((i) => [i.kind, i.routingKey, i.dedupeKey])).toEqual([
      ['messenger', 'A', 'mid:m1'],
      ['messenger', 'A', 'read:u:5'],
      ['messenger', 'B', 'mid:m2'],
    ]);
    const wa = splitMetaWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w',
          changes: [
            {
              field: 'messages',
              value: { metadata: { phone_number_id: 'P1' }, messages: [{ id: 'wamid.1', from: '1' }], statuses: [{ id: 'wamid.0', status: 'read' }] },
            },
          ],
        },
      ],
    });
    expect(wa.map((i) => [i.kind, i.routingKey, i.dedupeKey])).toEqual([
      ['whatsapp', 'P1', 'wamid:wamid.1'],
      ['whatsapp', 'P1', 'status:wamid.0:read'],
    ]);
  });

  it('returns nothing for unknown objects and malformed entries', () => {
    expect(splitMetaWebhook({ object: 'user', entry: [{ id: '1' }] })).toEqual([]);
    expect(splitMetaWebhook({ object: 'page', entry: [null as never, { messaging: [{}] }] })).toEqual([]);
    expect(splitMetaWebhook({} as never)).toEqual([]);
    for (const body of [null, 42, 'page', [], { object: 'page', entry: {} }, { object: 'page', entry: [[], 'x', 1] }])
      expect(splitMetaWebhook(body as never)).toEqual([]);
  });

  it('parks what can be routed but is not of the documented shape, and keeps the rest of the batch', () => {
    const items = splitMetaWebhook({
      object: 'page',
      entry: [
        { id: 'A', messaging: { sender: { id: 'u' }, message: { mid: 'm0' } } as never },
        { id: 'B', messaging: [{ sender: { id: 'u' }, message: { mid: 'm1', text: 'x' } }, 7 as never, null as never, 'x' as never] },
        { id: 'C', messaging: 'none' as never },
        { id: { toString: 1 } as never, messaging: [{ message: { mid: 'm2' } }] },
      ],
    });
    expect(items.map((i) => [i.routingKey, i.dedupeKey.replace(/:[\w-]{43}$/, ':<digest>'), i.parked])).toEqual([
      ['A', 'malformed:<digest>', 'MALFORMED_PAYLOAD: entry.messaging is not a list'],
      ['B', 'mid:m1', undefined],
      ['B', 'malformed:<digest>', 'MALFORMED_PAYLOAD: a messaging item is not an object'],
      ['B', 'malformed:<digest>', 'MALFORMED_PAYLOAD: a messaging item is not an object'],
      ['C', 'malformed:<digest>', 'MALFORMED_PAYLOAD: entry.messaging is not a list'],
    ]);
    expect(items[0].payload).toEqual({ malformed: { entry: { id: 'A', messaging: { sender: { id: 'u' }, message: { mid: 'm0' } } } } });

    const wa = splitMetaWebhook({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'w',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: 'P1' },
                contacts: 'x' as never,
                messages: 5 as never,
                statuses: [{ id: 'wamid.0', status: 'read' }, 3 as never],
              },
            },
          ],
        },
        { id: 'w', changes: { field: 'messages' } as never },
        {
          id: 'w',
          changes: [{ field: 'messages', value: { metadata: { phone_number_id: 'P1' }, contacts: 'x' as never, messages: [{ id: 'wamid.1', from: '1' }] } }],
        },
      ],
    });
    expect(wa.map((i) => [i.routingKey, i.dedupeKey.replace(/:[\w-]{43}$/, ':<digest>'), i.parked])).toEqual([
      ['P1', 'malformed:<digest>', 'MALFORMED_PAYLOAD: value.messages is not a list'],
      ['P1', 'status:wamid.0:read', undefined],
      ['P1', 'malformed:<digest>', 'MALFORMED_PAYLOAD: a status is not an object'],
      ['P1', 'wamid:wamid.1', undefined],
    ]);
    expect(wa[3].payload).toEqual({ message: { id: 'wamid.1', from: '1' }, contact: null });
  });

  it('never throws on values that do not turn into text, and keeps the keys of well-formed items as they were', () => {
    const odd = { toString: 1, valueOf: 1 } as never;
    const items = splitMetaWebhook({
      object: 'page',
      entry: [
        {
          id: 'A',
          messaging: [
            { sender: { id: odd }, message: { mid: odd } },
            { sender: { id: odd }, reaction: { mid: 'r', action: odd, emoji: odd }, timestamp: odd },
            { sender: { id: 'u' }, read: { watermark: odd } },
          ],
        },
      ],
    });
    expect(items.map((i) => i.dedupeKey.split(':')[0])).toEqual(['mid', 'reaction', 'read']);
    const plain = splitMetaWebhook({
      object: 'page',
      entry: [{ id: 'A', messaging: [{ sender: { id: 'u' }, reaction: { mid: 'r', action: 'react' } }, { read: { watermark: 5 } }] }],
    });
    expect(plain.map((i) => i.dedupeKey)).toEqual(['reaction:r:u:react::undefined', 'read::5']);
  });
});
