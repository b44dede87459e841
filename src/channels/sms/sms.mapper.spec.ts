import { toE164 } from './sms.adapter';
import { mapTwilioPayload, toStoredEvent } from './sms.mapper';
import { classifyTwilioError } from './sms.gateway';

const at = new Date('2025-01-02T03:04:05Z');
const status = (MessageStatus: string, extra: Record<string, string> = {}) =>
  mapTwilioPayload(toStoredEvent('status', Object.entries({ MessageSid: 'SM1', MessageStatus, ...extra }), at) as never);

describe('Twilio mapper', () => {
  it('maps every Twilio status to a receipt, undelivered/failed with the ErrorCode', () => {
    expect(['queued', 'sending', 'sent', 'delivered', 'read'].map((s) => (status(s)[0] as { status: string }).status)).toEqual([
      'sent',
      'sent',
      'sent',
      'delivered',
      'read',
    ]);
    expect(status('undelivered', { ErrorCode: '30003' })).toEqual([
      { type: 'receipt', externalMessageId: 'SM1', status: 'failed', at, error: { code: '30003', text: 'Unreachable destination handset' } },
    ]);
    expect(status('failed', { ErrorCode: '30999', ErrorMessage: 'Something new' })[0]).toMatchObject({ error: { code: '30999', text: 'Something new' } });
    expect(status('failed')[0]).toMatchObject({ status: 'failed', error: { code: 'TWILIO_FAILED' } });
    expect(status('receiving')).toEqual([{ type: 'ignored', reason: 'Twilio status receiving' }]);
    expect(mapTwilioPayload(toStoredEvent('status', [['MessageStatus', 'sent']], at) as never)[0].type).toBe('ignored');
  });

  it('keeps only http(s) media URLs, in index order, and only the fields it uses', () => {
    const stored = toStoredEvent(
      'inbound',
      Object.entries({
        MessageSid: 'SM2',
        From: '+14155550199',
        Body: 'hi',
        MediaUrl1: 'https://m/1',
        MediaUrl0: 'https://m/0',
        MediaContentType0: 'audio/ogg',
        MediaUrl2: 'javascript:alert(1)',
        FromCity: 'X',
        Unknown: 'y',
      }),
      at,
    );
    expect(Object.keys(stored.params).sort()).toEqual(['Body', 'From', 'MediaContentType0', 'MediaUrl0', 'MediaUrl1', 'MediaUrl2', 'MessageSid']);
    expect(mapTwilioPayload(stored as never)).toEqual([
      {
        type: 'message',
        message: {
          externalContactId: '+14155550199',
          contactName: null,
          externalMessageId: 'SM2',
          text: 'hi',
          sentAt: at,
          attachments: [
            { type: 'audio', url: 'https://m/0', mimeType: 'audio/ogg' },
            { type: 'file', url: 'https://m/1' },
          ],
          context: null,
        },
      },
    ]);
  });

  // Twilio's WhatsApp fields (https://www.twilio.com/docs/messaging/guides/webhook-request): our own sample.
  it('keeps a WhatsApp location, the button pressed, forwarding and the ad the End User came from', () => {
    const inbound = (fields: Record<string, string>) =>
      mapTwilioPayload(toStoredEvent('inbound', Object.entries({ MessageSid: 'SM3', From: 'whatsapp:+14155550199', NumMedia: '0', ...fields }), at))[0] as {
        message: { text: string | null; attachments: unknown[]; context: unknown };
      };
    expect(
      inbound({ Body: '', MessageType: 'location', Latitude: '52.520008', Longitude: '13.404954', Label: 'Alexanderplatz', Address: 'Berlin' }).message
        .attachments,
    ).toEqual([
      {
        type: 'location',
        url: 'geo:52.520008,13.404954',
        name: 'Alexanderplatz, Berlin',
        detail: { latitude: 52.520008, longitude: 13.404954, name: 'Alexanderplatz', address: 'Berlin' },
      },
    ]);
    expect(inbound({ Latitude: 'north', Longitude: '13.4', Body: 'x' }).message.attachments).toEqual([]);
    const button = inbound({
      Body: 'Yes, confirm',
      ButtonText: 'Yes, confirm',
      ButtonPayload: 'CONFIRM_42',
      FrequentlyForwarded: 'false',
      Forwarded: 'true',
    }).message;
    expect(button.context).toEqual({ forwarded: 'once', choice: { kind: 'button', id: 'CONFIRM_42', title: 'Yes, confirm' } });
    const ad = inbound({
      Body: 'Is it in stock?',
      ReferralSourceId: '1203',
      ReferralSourceType: 'ad',
      ReferralHeadline: 'Winter sale',
      ReferralCtwaClid: 'clid',
    }).message;
    expect(inbound({ Body: '', MessageType: 'sticker_pack' }).message.attachments).toEqual([
      {
        type: 'other',
        name: 'A WhatsApp sticker_pack message the inbox cannot show yet',
        detail: { what: 'twilio_whatsapp_sticker_pack', summary: 'A WhatsApp sticker_pack message the inbox cannot show yet' },
      },
    ]);
    expect(ad.attachments).toEqual([
      { type: 'referral', name: 'Winter sale', detail: { source: 'ad', adId: '1203', headline: 'Winter sale', clickId: 'clid' } },
    ]);
  });
});

describe('Twilio numbers and errors', () => {
  it('names the contact with the WhatsApp profile name Twilio passes on (ProfileName); plain SMS has none', () => {
    const inbound = (fields: Record<string, string>) =>
      mapTwilioPayload(toStoredEvent('inbound', Object.entries({ MessageSid: 'SM9', NumMedia: '0', Body: 'hi', ...fields }), at))[0] as {
        message: { contactName: string | null };
      };
    expect(inbound({ From: 'whatsapp:+14155550199', ProfileName: ' Ada Lovelace ' }).message.contactName).toBe('Ada Lovelace');
    expect(inbound({ From: '+14155550199' }).message.contactName).toBeNull();
  });

  it('normalises what people type to E.164 and refuses numbers without a country code', () => {
    expect(toE164(' +1 (415) 555-0100 ')).toBe('+14155550100');
    expect(toE164('0044 20 7946 0958')).toBe('+442079460958');
    expect(toE164('+7 912 345-67-89')).toBe('+79123456789');
    for (const bad of ['4155550100', '+1415555010099', '+1 415 CALL NOW', '', '+']) expect(toE164(bad)).toBeNull();
  });

  it('sorts REST errors: auth -> revoked, throttling and outages -> retryable, the rest -> permanent', () => {
    expect(classifyTwilioError(401, { code: 20003, message: 'Authenticate', detail: 'Your AccountSid or AuthToken was incorrect.' }, null)).toMatchObject({
      kind: 'revoked',
      platformCode: '20003',
      platformText: 'Authenticate: Your AccountSid or AuthToken was incorrect.',
    });
    expect(classifyTwilioError(429, { code: 20429, message: 'Too Many Requests' }, '3')).toMatchObject({ kind: 'retryable', retryAfterMs: 3000 });
    expect(classifyTwilioError(500, undefined, null)).toMatchObject({ kind: 'retryable', platformCode: 'HTTP_500' });
    expect(classifyTwilioError(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient' }, null)).toMatchObject({
      kind: 'permanent',
      platformCode: '21610',
    });
  });
});
