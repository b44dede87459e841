import { RecipientBlockedFailure } from '../../../libs/domain/src';
import { newWebhookSecret } from './telegram.adapter';
import { classifyTelegramError } from './telegram-api.client';
import { chatIdParam } from './telegram.gateway';
import { parseTelegramUpdate } from './telegram-update';
import { mapTelegramPayload } from './telegram.mapper';
import { sameSecret } from '../../../libs/crypto/src';

const at = new Date('2025-01-02T03:04:05Z');
const from = { id: 42, is_bot: false, first_name: 'Ada', language_code: 'en' };
const chat = { id: 42, type: 'private', first_name: 'Ada' };
const stored = (update: Record<string, unknown>) => {
  const parsed = parseTelegramUpdate(update, at);
  if (!parsed.ok) throw new Error('not an update');
  return parsed;
};
const map = (update: Record<string, unknown>) => mapTelegramPayload(stored(update).stored as never);

describe('Telegram mapper', () => {
  it('maps what a message carries: voice notes as voice, stickers as stickers, locations, venues, contact cards and polls with their content', () => {
    const message = (content: Record<string, unknown>) =>
      map({ update_id: 1, message: { message_id: 9, from, chat, date: 1735787045, ...content } })[0] as {
        type: 'message';
        message: { attachments: unknown[]; text: string | null; context: unknown };
      };
    expect(message({ voice: { file_id: 'V', duration: 3 } }).message.attachments).toEqual([
      { type: 'audio', ref: 'V', mimeType: 'audio/ogg', detail: { voice: true } },
    ]);
    expect(message({ audio: { file_id: 'A', mime_type: 'audio/mpeg' } }).message.attachments).toEqual([
      { type: 'audio', ref: 'A', mimeType: 'audio/mpeg', detail: { voice: false } },
    ]);
    expect(message({ video: { file_id: 'M', mime_type: 'video/mp4' } }).message.attachments).toEqual([{ type: 'video', ref: 'M', mimeType: 'video/mp4' }]);
    expect(message({ sticker: { file_id: 'S', emoji: '👍', width: 512, height: 512, is_animated: true } }).message.attachments).toEqual([
      { type: 'sticker', ref: 'S', detail: { animated: true, emoji: '👍' } },
    ]);
    expect(message({ location: { latitude: 52.5, longitude: 13.4 } }).message.attachments).toEqual([
      { type: 'location', url: 'geo:52.5,13.4', detail: { latitude: 52.5, longitude: 13.4 } },
    ]);
    // A venue comes with its location: one attachment, with its title and address.
    expect(
      message({
        location: { latitude: 52.52, longitude: 13.41 },
        venue: { location: { latitude: 52.52, longitude: 13.41 }, title: 'Fernsehturm', address: 'Panoramastraße 1A', foursquare_id: 'x' },
      }).message.attachments,
    ).toEqual([
      {
        type: 'location',
        url: 'geo:52.52,13.41',
        name: 'Fernsehturm, Panoramastraße 1A',
        detail: { latitude: 52.52, longitude: 13.41, name: 'Fernsehturm', address: 'Panoramastraße 1A' },
      },
    ]);
    // A GIF comes as `animation` and `document`: one attachment.
    expect(message({ animation: { file_id: 'G' }, document: { file_id: 'G', mime_type: 'video/mp4' } }).message.attachments).toEqual([
      { type: 'file', ref: 'G', mimeType: 'video/mp4' },
    ]);
    // A contact card is what the End User chose to send: its name and number are the content (its vCard is not kept).
    const card = message({ contact: { phone_number: '+4915112345678', first_name: 'Bob', last_name: 'Ross', user_id: 7, vcard: 'BEGIN:VCARD' } });
    expect(card.message.attachments).toEqual([
      { type: 'contacts', name: 'Bob Ross +4915112345678', detail: { contacts: [{ name: 'Bob Ross', phones: [{ phone: '+4915112345678' }] }] } },
    ]);
    expect(
      JSON.stringify(stored({ update_id: 2, message: { message_id: 9, from, chat, date: 1, contact: { vcard: 'BEGIN:VCARD', phone_number: '1' } } }).stored),
    ).not.toContain('VCARD');
    const poll = message({
      poll: {
        id: 'p',
        question: 'Which day?',
        options: [
          { text: 'Mon', voter_count: 0 },
          { text: 'Tue', voter_count: 1 },
        ],
        is_anonymous: false,
        type: 'regular',
      },
    });
    expect(poll.message.attachments).toEqual([
      { type: 'poll', name: 'Which day?', detail: { question: 'Which day?', options: ['Mon', 'Tue'], anonymous: false } },
    ]);
    expect(message({ text: 'fwd', forward_origin: { type: 'hidden_user', sender_user_name: 'X', date: 1 } }).message.context).toEqual({ forwarded: 'once' });
    expect(message({ text: 'mine' }).message.context).toBeNull();
  });

  it('turns what the inbox cannot show yet (a payment, a dice) into a typed placeholder', () => {
    const [payment] = map({
      update_id: 4,
      message: {
        message_id: 10,
        from,
        chat,
        date: 1,
        successful_payment: { currency: 'EUR', total_amount: 1250, invoice_payload: 'order-7', telegram_payment_charge_id: 'c' },
      },
    }) as Array<{ message: { attachments: unknown[] } }>;
    expect(payment.message.attachments).toEqual([
      {
        type: 'other',
        name: 'Telegram payment received (EUR)',
        detail: {
          what: 'telegram_payment',
          summary: 'Telegram payment received (EUR)',
          data: { currency: 'EUR', totalAmount: 1250, invoicePayload: 'order-7' },
        },
      },
    ]);
    const [dice] = map({ update_id: 5, message: { message_id: 11, from, chat, date: 1, dice: { emoji: '🎲', value: 3 } } }) as Array<{
      message: { attachments: unknown[] };
    }>;
    expect(dice.message.attachments).toEqual([
      {
        type: 'other',
        name: 'A Telegram dice the inbox cannot show yet',
        detail: { what: 'telegram_dice', summary: 'A Telegram dice the inbox cannot show yet', data: { emoji: '🎲', value: 3 } },
      },
    ]);
  });

  it('reads raw updates too (numeric ids), uses the receipt time for a button press, and falls back to the button data', () => {
    const events = mapTelegramPayload({
      receivedAt: at.toISOString(),
      update: { update_id: 3, callback_query: { id: 'q1', from, data: 'yes', message: { message_id: 5, chat, date: 1 } } },
    });
    expect(events).toEqual([
      {
        type: 'message',
        message: {
          externalContactId: '42',
          contactName: 'Ada',
          externalMessageId: 'callback:q1',
          text: 'yes',
          attachments: [],
          context: { choice: { kind: 'callback', id: 'yes' } },
          sentAt: at,
          replyToExternalId: '42:5',
        },
      },
    ]);
  });

  it('ignores what is not a private conversation, and says why', () => {
    expect(stored({ update_id: 4, message: { message_id: 1, from, chat: { id: -100, type: 'supergroup' }, date: 1, text: 'x' } }).ignore).toMatch(
      /supergroup chat/,
    );
    expect(stored({ update_id: 5, channel_post: { message_id: 1, chat: { id: -100, type: 'channel' }, date: 1, text: 'x' } }).ignore).toMatch(
      /kind the inbox does not use/,
    );
    expect(stored({ update_id: 6, callback_query: { id: 'q', from, inline_message_id: 'i', data: 'x' } }).ignore).toMatch(/unknown chat/);
    expect(stored({ update_id: 7, message: { message_id: 1, from, chat, date: 1, text: 'x' } }).ignore).toBeNull();
    expect(
      map({ update_id: 8, my_chat_member: { chat, from, date: 1, old_chat_member: { status: 'member' }, new_chat_member: { status: 'left' } } })[0].type,
    ).toBe('ignored');
    expect(map({ update_id: 9, my_chat_member: { chat, from, date: 1, new_chat_member: { status: 'kicked' } } })).toEqual([
      { type: 'blocked', externalContactId: '42', blocked: true, at: new Date(1000) },
    ]);
    expect(parseTelegramUpdate({ update_id: 1.5 }, at).ok).toBe(false);
    expect(parseTelegramUpdate([], at).ok).toBe(false);
  });
});

describe('Telegram errors, ids and secrets', () => {
  it('sorts Bot API errors: 401 revoked, 403 blocked -> recipient blocked, 429 with retry_after, 5xx retryable, the rest permanent', () => {
    expect(classifyTelegramError(401, { ok: false, error_code: 401, description: 'Unauthorized' })).toMatchObject({ kind: 'revoked', platformCode: '401' });
    const blocked = classifyTelegramError(403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    expect(blocked).toBeInstanceOf(RecipientBlockedFailure);
    expect(blocked.kind).toBe('permanent');
    const deactivated = classifyTelegramError(403, { ok: false, error_code: 403, description: 'Forbidden: user is deactivated' });
    expect(deactivated).not.toBeInstanceOf(RecipientBlockedFailure);
    expect(deactivated.kind).toBe('permanent');
    expect(
      classifyTelegramError(429, { ok: false, error_code: 429, description: 'Too Many Requests: retry after 5', parameters: { retry_after: 5 } }),
    ).toMatchObject({ kind: 'retryable', retryAfterMs: 5000 });
    expect(classifyTelegramError(502, undefined)).toMatchObject({ kind: 'retryable', platformCode: '502', platformText: 'HTTP 502' });
    expect(classifyTelegramError(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' })).toMatchObject({
      kind: 'permanent',
      platformCode: '400',
    });
  });

  it('passes chat ids as integers when they are, and makes secrets Telegram accepts, compared in constant time', () => {
    expect(chatIdParam('5551234567')).toBe(5551234567);
    expect(chatIdParam('-1001234567890')).toBe(-1001234567890);
    expect(chatIdParam('@channel')).toBe('@channel');
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(secret);
    expect(sameSecret(secret, secret)).toBe(true);
    expect(sameSecret(secret, `${secret}x`)).toBe(false);
    expect(sameSecret(secret, undefined)).toBe(false);
    expect(sameSecret(undefined, '')).toBe(false);
    expect(sameSecret(secret, ['array'])).toBe(false);
  });
});
