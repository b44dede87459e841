import type { Attachment, InboundEvent } from '../../../libs/domain/src';
import { mapInstagramPayload } from '../instagram/instagram.mapper';
import { mapMessengerPayload } from '../messenger/messenger.mapper';
import { mapWhatsAppPayload } from '../whatsapp/whatsapp.mapper';
import type { WhatsAppMessage } from './meta-payload';

// Our own samples, written from Meta's documented webhook formats (WhatsApp Cloud API "messages"
// reference, Messenger Platform webhook events, Instagram Messaging webhooks).

type Stored = Extract<InboundEvent, { type: 'message' }>['message'] & { attachments: Attachment[] };
const only = (events: InboundEvent[]): Stored => {
  expect(events[0]).toMatchObject({ type: 'message' });
  return (events[0] as Extract<InboundEvent, { type: 'message' }>).message as Stored;
};
const wa = (message: Partial<WhatsAppMessage>, errors?: unknown[]) =>
  mapWhatsAppPayload({ message: { from: '4915112345678', id: 'wamid.A', timestamp: '1764400000', ...message }, errors: errors as never });

describe('WhatsApp structured content', () => {
  it('keeps stickers as stickers, voice notes as voice, and forwarding', () => {
    expect(only(wa({ type: 'sticker', sticker: { id: 'S1', mime_type: 'image/webp', animated: true } })).attachments).toEqual([
      { type: 'sticker', ref: 'S1', mimeType: 'image/webp', detail: { animated: true } },
    ]);
    expect(only(wa({ type: 'audio', audio: { id: 'V1', mime_type: 'audio/ogg; codecs=opus', voice: true } })).attachments[0]).toMatchObject({
      type: 'audio',
      detail: { voice: true },
    });
    expect(only(wa({ type: 'text', text: { body: 'look' }, context: { forwarded: true } })).context).toEqual({ forwarded: 'once' });
    expect(only(wa({ type: 'text', text: { body: 'look' }, context: { frequently_forwarded: true } })).context).toEqual({ forwarded: 'many' });
  });

  it('keeps shared contacts with names and phones, and catalog orders with items, quantities and prices', () => {
    const shared = only(
      wa({
        type: 'contacts',
        contacts: [
          {
            name: { formatted_name: 'Grete Meier', first_name: 'Grete' },
            phones: [{ phone: '+49 30 1234567', type: 'WORK' }],
            emails: [{ email: 'g@example.de' }],
          },
          { name: { first_name: 'Jo' }, phones: [{ wa_id: '4917000000' }] },
        ],
      }),
    );
    expect(shared.attachments).toEqual([
      {
        type: 'contacts',
        name: 'Grete Meier +49 30 1234567; Jo 4917000000',
        detail: {
          contacts: [
            { name: 'Grete Meier', phones: [{ phone: '+49 30 1234567', type: 'WORK' }], emails: ['g@example.de'] },
            { name: 'Jo', phones: [{ phone: '4917000000', waId: '4917000000' }] },
          ],
        },
      },
    ]);
    const order = only(
      wa({
        type: 'order',
        order: {
          catalog_id: 'C1',
          text: 'by Friday please',
          product_items: [
            { product_retailer_id: 'MUG-RED', quantity: 2, item_price: 12.5, currency: 'EUR' },
            { product_retailer_id: 'TEA', quantity: '1', item_price: '4', currency: 'EUR' },
          ],
        },
      }),
    );
    expect(order.text).toBe('by Friday please');
    expect(order.attachments).toEqual([
      {
        type: 'order',
        name: 'Order: 3 items',
        detail: {
          catalogId: 'C1',
          note: 'by Friday please',
          items: [
            { productId: 'MUG-RED', quantity: 2, itemPrice: 12.5, currency: 'EUR' },
            { productId: 'TEA', quantity: 1, itemPrice: 4, currency: 'EUR' },
          ],
        },
      },
    ]);
  });

  it('keeps the ad of a click-to-WhatsApp message, and the button or list row chosen with its id', () => {
    const fromAd = only(
      wa({
        type: 'text',
        text: { body: 'Is the blue one in stock?' },
        referral: {
          source_url: 'https://fb.me/ad',
          source_id: '120210',
          source_type: 'ad',
          headline: 'Spring sale',
          body: 'All mugs -20%',
          media_type: 'image',
          image_url: 'https://cdn/ad.jpg',
          ctwa_clid: 'ARAk',
        },
      }),
    );
    expect(fromAd.text).toBe('Is the blue one in stock?');
    expect(fromAd.attachments).toEqual([
      {
        type: 'referral',
        url: 'https://fb.me/ad',
        name: 'Spring sale',
        detail: {
          source: 'ad',
          adId: '120210',
          headline: 'Spring sale',
          body: 'All mugs -20%',
          sourceUrl: 'https://fb.me/ad',
          mediaUrl: 'https://cdn/ad.jpg',
          clickId: 'ARAk',
        },
      },
    ]);
    const quick = only(wa({ type: 'button', button: { text: 'Stop promotions', payload: 'STOP_PROMO' }, context: { id: 'wamid.T', from: '1555' } }));
    expect(quick).toMatchObject({
      text: 'Stop promotions',
      replyToExternalId: 'wamid.T',
      context: { choice: { kind: 'button', id: 'STOP_PROMO', title: 'Stop promotions' } },
    });
  });

  it('keeps the location sent in answer to a location request, as a reply to it', () => {
    // The business sent an interactive `location_request_message`; the End User's answer is a location message with its context.
    const answer = only(wa({ type: 'location', location: { latitude: 48.1374, longitude: 11.5755 }, context: { id: 'wamid.REQUEST', from: '1555' } }));
    expect(answer.replyToExternalId).toBe('wamid.REQUEST');
    expect(answer.attachments).toEqual([{ type: 'location', url: 'geo:48.1374,11.5755', detail: { latitude: 48.1374, longitude: 11.5755 } }]);
  });

  it('turns system messages into readable text; a number change moves the identity to the new number', () => {
    const events = wa({
      type: 'system',
      system: { body: 'Ana changed from 4915112345678 to 4915199999999', wa_id: '4915199999999', type: 'user_changed_number' },
    });
    expect(only(events)).toMatchObject({
      text: 'Ana changed from 4915112345678 to 4915199999999',
      attachments: [{ type: 'system', detail: { event: 'number_changed', newExternalId: '4915199999999' } }],
    });
    expect(events[1]).toEqual({ type: 'identity_moved', externalContactId: '4915112345678', newExternalContactId: '4915199999999' });
    const identity = wa({ type: 'system', system: { type: 'customer_identity_changed', body: 'User identity changed' } });
    expect(identity).toHaveLength(1);
    expect(only(identity)).toMatchObject({ text: 'User identity changed', attachments: [{ type: 'system', detail: { event: 'identity_changed' } }] });
  });

  it('turns Flow answers, unreadable interactive replies and unknown types into typed placeholders that say what arrived', () => {
    const flow = only(
      wa({
        type: 'interactive',
        interactive: { type: 'nfm_reply', nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"ours","size":"L","date":"2026-12-01"}' } },
      }),
    );
    expect(flow.attachments).toEqual([
      {
        type: 'other',
        name: 'WhatsApp Flow answer (flow)',
        detail: {
          what: 'whatsapp_flow_reply',
          summary: 'WhatsApp Flow answer (flow)',
          data: { name: 'flow', body: 'Sent', answers: { size: 'L', date: '2026-12-01' } },
        },
      },
    ]);
    const broken = only(wa({ type: 'interactive' }, [{ code: 131000, title: 'Something went wrong', error_data: { details: 'Unsupported webhook payload' } }]));
    expect(broken.attachments).toEqual([
      {
        type: 'other',
        name: 'WhatsApp interactive reply (unreadable)',
        detail: {
          what: 'whatsapp_interactive',
          summary: 'WhatsApp interactive reply (unreadable)',
          error: { code: '131000', text: 'Something went wrong: Unsupported webhook payload' },
        },
      },
    ]);
    expect(only(wa({ type: 'hologram' } as never)).attachments).toMatchObject([{ type: 'other', detail: { what: 'whatsapp_hologram' } }]);
  });
});

const item = (extra: Record<string, unknown>) => ({ item: { sender: { id: 'psid' }, recipient: { id: 'page' }, timestamp: 1764400000000, ...extra } });

describe('Messenger and Instagram structured content', () => {
  it('keeps the like sticker as a sticker, a location with coordinates, a shared link with URL and title', () => {
    const sticker = only(
      mapMessengerPayload(
        item({
          message: {
            mid: 'm1',
            sticker_id: 369239263222822,
            attachments: [{ type: 'image', payload: { url: 'https://cdn/like.png', sticker_id: 369239263222822 } }],
          },
        }),
      ),
    );
    expect(sticker.attachments).toEqual([{ type: 'sticker', url: 'https://cdn/like.png', detail: { stickerId: '369239263222822' } }]);
    const place = only(
      mapMessengerPayload(
        item({ message: { mid: 'm2', attachments: [{ type: 'location', title: 'Pin', payload: { coordinates: { lat: 59.93, long: 30.31 } } }] } }),
      ),
    );
    expect(place.attachments).toEqual([{ type: 'location', url: 'geo:59.93,30.31', detail: { latitude: 59.93, longitude: 30.31 } }]);
    const link = only(
      mapMessengerPayload(
        item({ message: { mid: 'm3', attachments: [{ type: 'fallback', payload: null, title: 'Our menu', URL: 'https://shop.example/menu' }] } }),
      ),
    );
    expect(link.attachments).toEqual([{ type: 'link', url: 'https://shop.example/menu', name: 'Our menu', detail: { title: 'Our menu' } }]);
  });

  it('keeps shared posts with their captions (once), reels and story mentions with their URLs', () => {
    const post = { ig_post_media_id: '1813', title: 'New collection is here', url: 'https://lookaside/1813' };
    const shared = only(
      mapInstagramPayload(
        item({
          message: {
            mid: 'i1',
            attachments: [
              { type: 'share', payload: post },
              { type: 'ig_post', payload: post },
            ],
          },
        }),
      ),
    );
    expect(shared.attachments).toEqual([
      { type: 'share', url: 'https://lookaside/1813', name: 'New collection is here', detail: { caption: 'New collection is here', mediaId: '1813' } },
    ]);
    const reel = only(
      mapInstagramPayload(
        item({
          message: { mid: 'i2', attachments: [{ type: 'ig_reel', payload: { url: 'https://lookaside/reel', title: 'How we pack', reel_video_id: '77' } }] },
        }),
      ),
    );
    expect(reel.attachments).toEqual([{ type: 'reel', url: 'https://lookaside/reel', name: 'How we pack', detail: { caption: 'How we pack', mediaId: '77' } }]);
    const mention = only(
      mapInstagramPayload(item({ message: { mid: 'i3', attachments: [{ type: 'story_mention', payload: { url: 'https://lookaside/story' } }] } })),
    );
    expect(mention.attachments).toEqual([{ type: 'story_mention', url: 'https://lookaside/story', name: 'Story mention', detail: {} }]);
  });

  it('keeps the ad a conversation came from: a thread opened from an ad, and an Instagram reply to an ad', () => {
    const opened = only(
      mapMessengerPayload(
        item({
          referral: {
            ref: 'spring',
            ad_id: '6045',
            source: 'ADS',
            type: 'OPEN_THREAD',
            ads_context_data: { ad_title: 'Spring sale', photo_url: 'https://cdn/ad.jpg', post_id: '99_1' },
          },
        }),
      ),
    );
    expect(opened).toMatchObject({ externalMessageId: 'referral:psid:1764400000000', text: null });
    expect(opened.attachments).toEqual([
      {
        type: 'referral',
        name: 'Spring sale',
        detail: { source: 'ads', adId: '6045', postId: '99_1', headline: 'Spring sale', mediaUrl: 'https://cdn/ad.jpg', ref: 'spring' },
      },
    ]);
    expect(mapMessengerPayload(item({ referral: { ref: 'qr', source: 'SHORTLINK', type: 'OPEN_THREAD' } }))).toEqual([
      { type: 'ignored', reason: 'a thread opened from shortlink, nothing written yet' },
    ]);
    // Instagram: the first message written from a click-to-Instagram-Direct ad carries the referral.
    const reply = only(
      mapInstagramPayload(
        item({
          message: {
            mid: 'i4',
            text: 'Price?',
            referral: { ref: 'ig-ad', ad_id: '7001', source: 'ADS', type: 'OPEN_THREAD', ads_context_data: { ad_title: 'Boots' } },
          },
        }),
      ),
    );
    expect(reply).toMatchObject({ text: 'Price?', attachments: [{ type: 'referral', detail: { adId: '7001', headline: 'Boots', ref: 'ig-ad' } }] });
  });
});
