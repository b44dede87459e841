/** What a replayed sample left behind, read from the database after the processor ran. */
export interface Observation {
  /** The HTTP status the webhook got, or the SMTP result for e-mail. */
  delivery: string;
  /** Why items of the sample became nothing, as counted for the Customer's admins (inbound_ignored). */
  ignored: string[];
  /** Notifications the Customer got about this channel (kinds). */
  notices: string[];
  /** Consents recorded for the channel's contacts, as `purpose=granted`. */
  consents: string[];
  events: Array<{ state: string; last_error: string | null }>;
  /** New messages the sample made. */
  messages: ObservedMessage[];
  /** The messages the sample refers to, made before it was replayed (setup). */
  referenced: ObservedMessage[];
}

export interface ObservedMessage {
  external_id: string | null;
  direction: 'inbound' | 'outbound';
  text: string | null;
  attachments: Array<Record<string, unknown>>;
  status: string | null;
  error_code: string | null;
  deleted: boolean;
  edited: boolean;
  reactions: unknown;
  reply_to_external_id: string | null;
  template: unknown;
  /** Forwarded, the button chosen...: what the platform said about the message as a whole. */
  context: unknown;
}

/** A message that must be stored, with the fields that must survive. */
export interface StoredMessage {
  direction?: 'inbound' | 'outbound';
  /** Must appear in the stored text. */
  text?: string | RegExp;
  /** Attachment types, in order (image, video, audio, file, location, other...). */
  attachments?: string[];
  /** Must match somewhere in the stored message (text, attachments and context as JSON): a detail that must survive. */
  detail?: RegExp;
}

/** What a status, reaction, edit or deletion must do to the message it refers to. */
export interface Applied {
  status?: string;
  /** The emoji now on the message, or null for none. */
  reaction?: string | null;
  deleted?: boolean;
  edited?: boolean;
}

type Outcome =
  | { stored: StoredMessage[] }
  | { applied: Applied }
  /** Nothing becomes a message, on purpose: the reason a reader should agree with. */
  | { ignored: string }
  /** A signal for the Customer: a notification of this kind. */
  | { notified: string }
  /** A consent change recorded for the End User (`purpose=granted`). */
  | { consent: string };

/**
 * `gap`: the outcome above is the target, and today's code does not meet it yet: the sample runs
 * as a failing test, so the day it is met the row must lose its `gap` (write `{ ...outcome, gap: 'why' }`).
 */
export type Expected = Outcome & { gap?: string };

const text = (t: string | RegExp, more: Partial<StoredMessage> = {}): Expected => ({ stored: [{ direction: 'inbound', text: t, attachments: [], ...more }] });
const media = (attachments: string[], more: Partial<StoredMessage> = {}): Expected => ({ stored: [{ direction: 'inbound', attachments, ...more }] });
const echo = (t: string | RegExp, more: Partial<StoredMessage> = {}): Expected => ({ stored: [{ direction: 'outbound', text: t, ...more }] });
const status = (s: string): Expected => ({ applied: { status: s } });
const ignored = (reason: string): Expected => ({ ignored: reason });
/** Content the inbox cannot render yet: a typed placeholder (an `other` attachment) whose detail says what arrived. */
const placeholder = (detail: RegExp): Expected => media(['other'], { detail });

export const EXPECTED: Record<string, Expected> = {
  // Messenger
  'messenger/blueprint_thumbs_up_sticker.json': media(['sticker'], { detail: /369239263222822/ }),
  'messenger/bottender_connector_batch_request.json': {
    stored: [
      { direction: 'inbound', text: 'test 1' },
      { direction: 'inbound', text: 'test 2' },
    ],
  },
  'messenger/bottender_connector_request.json': text('text'),
  'messenger/bottender_delivery.json': status('delivered'),
  'messenger/bottender_fallback.json': media(['link'], { detail: /URL_OF_THE_ATTACHMENT.*TITLE_OF_THE_URL_ATTACHMENT/ }),
  'messenger/bottender_image.json': media(['image']),
  'messenger/bottender_location.json': media(['location'], { detail: /geo:0,0.*"latitude":0/ }),
  'messenger/bottender_optin.json': ignored('a checkbox/opt-in plugin event: no message, and the sender is known only by the plugin ref'),
  // The m.me link's ref comes with the first postback: kept as where the End User came from.
  'messenger/bottender_postback_get_started_referral.json': text('Get Started', { attachments: ['referral'], detail: /"ref":"aaaa".*__GET_STARTED__/ }),
  'messenger/bottender_postback_payload_only.json': text('USER_DEFINED_PAYLOAD', { detail: /"kind":"postback"/ }),
  'messenger/bottender_reaction_react.json': { applied: { reaction: '❤️' } },
  'messenger/bottender_reaction_unreact.json': { applied: { reaction: null } },
  'messenger/bottender_read.json': ignored('the read watermark (2016) predates every message we sent: nothing became read'),
  'messenger/bottender_referral_chat_plugin.json': ignored('a visitor opened the chat plugin: no message was written yet'),
  'messenger/bottender_referral_shortlink.json': ignored('a visitor opened an m.me link: no message was written yet'),
  'messenger/bottender_text.json': text('Sharp tools make good work.'),
  'messenger/docs_echo_standby.json': echo('hello, world!'),
  'messenger/docs_echo_text.json': echo('hello, world!'),
  'messenger/docs_message_edit.json': { applied: { edited: true } },
  'messenger/docs_messages_attachment_ig_reel.json': media(['reel'], { detail: /https?:/ }),
  'messenger/docs_messages_attachment_video.json': media(['video']),
  'messenger/docs_messages_reply_to.json': text('hello, world!'),
  'messenger/docs_messages_text_quick_reply.json': text('hello, world!', { detail: /DEVELOPER_DEFINED_PAYLOAD/ }),
  'messenger/docs_postback_user_ref.json': ignored('the sender is known only by a checkbox-plugin user_ref: there is no thread to answer in'),
  'messenger/docs_reaction_love.json': { applied: { reaction: '❤️' } },
  'messenger/docs_read_watermark.json': ignored('the read watermark (2016) predates every message we sent: nothing became read'),
  'messenger/docs_referral_ads.json': media(['referral'], { detail: /ID_OF_THE_AD.*ID_OF_THE_POST/ }),
  // Instagram
  'instagram/capture_echo_emoji.json': echo('Olá, testando amor 🥰'),
  'instagram/capture_mentions_change.json': ignored('a mention of the account in a comment or story of someone else: not a Direct message'),
  'instagram/capture_shared_post.json': media(['share'], { detail: /https?:/ }),
  'instagram/capture_tester_image.json': media(['image']),
  'instagram/capture_tester_text.json': text('Omg'),
  'instagram/capture_text_oi.json': text('oi'),
  // Its ISO time (2021) is read: a receipt that old is not for a send still in flight, so it is counted as ignored, not retried.
  'instagram/chatwoot_messaging_seen.json': ignored('a read receipt for a message we never sent'),
  'instagram/chatwoot_share_attachment.json': media(['share'], { detail: /https?:/ }),
  'instagram/chatwoot_standby_text.json': text(/./),
  'instagram/chatwoot_story_mention.json': media(['story_mention'], { detail: /https?:/ }),
  'instagram/chatwoot_story_mention_echo.json': echo(''),
  'instagram/chatwoot_story_reply.json': text('This is the story reply', { attachments: ['other'] }),
  'instagram/chatwoot_unsend.json': { applied: { deleted: true } },
  // The same post comes twice (as `share` and as `ig_post`): kept once, with its caption and media id.
  'instagram/docs_post_share_with_ig_post.json': media(['share'], { detail: /Build a workspace.*18139494541428835/ }),
  // WhatsApp
  // About the WABA, not a number: every number of it connected here is notified.
  'whatsapp/pywa_account_update__account_restriction.json': { notified: 'channel.restricted' },
  'whatsapp/pywa_call_connect__user_initiated.json': ignored('call signalling (VoIP): calls are not messages'),
  'whatsapp/pywa_callback_button__button.json': text('title', { detail: /"id":"callback_data"/ }),
  'whatsapp/pywa_callback_button__quick_reply.json': text('title', { detail: /"kind":"button"/ }),
  'whatsapp/pywa_callback_button__quick_reply_without_context.json': text('title', { detail: /"kind":"button"/ }),
  'whatsapp/pywa_callback_selection__callback.json': text('title', { detail: /"kind":"list"/ }),
  'whatsapp/pywa_callback_selection__description.json': text('title', { detail: /"description":"description"/ }),
  'whatsapp/pywa_deleted_message__revoke.json': { applied: { deleted: true } },
  'whatsapp/pywa_edited_message__image.json': { applied: { edited: true } },
  // Typed placeholders: an `other` attachment whose detail says what arrived (and keeps it for a later version).
  'whatsapp/pywa_flow_completion__completion.json': placeholder(/WhatsApp Flow answer.*Comment Text/),
  'whatsapp/pywa_flow_completion__without_flow_token.json': placeholder(/WhatsApp Flow answer.*Comment Text/),
  'whatsapp/pywa_message__animated_sticker.json': media(['sticker'], { detail: /"animated":true/ }),
  'whatsapp/pywa_message__audio.json': media(['audio']),
  'whatsapp/pywa_message__chosen_location.json': media(['location'], { detail: /Hacker Way/ }),
  'whatsapp/pywa_message__contacts.json': media(['contacts'], { detail: /Chandler Bing.*\+1 555-555-5555.*Rachel Green/ }),
  'whatsapp/pywa_message__current_location.json': media(['location'], { detail: /geo:/ }),
  'whatsapp/pywa_message__document.json': media(['file'], { text: 'caption' }),
  'whatsapp/pywa_message__forwarded.json': text('forwarded text', { detail: /"forwarded":"once"/ }),
  'whatsapp/pywa_message__forwarded_many_times.json': text('text forwarded many times', { detail: /"forwarded":"many"/ }),
  'whatsapp/pywa_message__image.json': media(['image']),
  'whatsapp/pywa_message__interactive_message_with_err.json': placeholder(/interactive.*131000/),
  'whatsapp/pywa_message__media_with_url.json': media(['image']),
  'whatsapp/pywa_message__order.json': media(['order'], {
    detail: /^(?=.*"productId":"HAMBURGER")(?=.*"quantity":3)(?=.*"itemPrice":30)(?=.*"currency":"ILS")/,
  }),
  'whatsapp/pywa_message__reaction.json': { applied: { reaction: '😮' } },
  'whatsapp/pywa_message__referral.json': text('BODY', { attachments: ['referral'], detail: /ADID.*CTWA_CLID/ }),
  'whatsapp/pywa_message__reply.json': text('replied text'),
  'whatsapp/pywa_message__static_sticker.json': media(['sticker'], { detail: /"animated":false/ }),
  'whatsapp/pywa_message__text.json': text('Body Text'),
  'whatsapp/pywa_message__unreaction_empty.json': { applied: { reaction: null } },
  'whatsapp/pywa_message__unreaction_no_emoji.json': { applied: { reaction: null } },
  'whatsapp/pywa_message__unsupported.json': placeholder(/cannot show yet/),
  'whatsapp/pywa_message__unsupported_with_type.json': placeholder(/whatsapp_pool.*131051/),
  'whatsapp/pywa_message__video.json': media(['video'], { text: 'caption' }),
  'whatsapp/pywa_message__voice.json': media(['audio'], { detail: /^(?=.*opus)(?=.*"voice":true)/ }),
  'whatsapp/pywa_message_status__delivered.json': status('delivered'),
  'whatsapp/pywa_message_status__failed.json': status('failed'),
  'whatsapp/pywa_message_status__group.json': status('read'),
  'whatsapp/pywa_message_status__played.json': ignored('"played" (a voice message listened to) adds nothing to read: the message keeps its status'),
  'whatsapp/pywa_message_status__read.json': status('read'),
  'whatsapp/pywa_message_status__sent.json': status('sent'),
  'whatsapp/pywa_message_status__with_tracker.json': status('sent'),
  'whatsapp/pywa_outgoing_message__delete.json': ignored('a deletion, in the WhatsApp Business app, of a message we never saw'),
  'whatsapp/pywa_outgoing_message__edit.json': ignored('an edit, in the WhatsApp Business app, of a message we never saw'),
  'whatsapp/pywa_outgoing_message__text.json': echo('Test message'),
  'whatsapp/pywa_system__identity_change.json': text('User identity changed', { attachments: ['system'], detail: /identity_changed/ }),
  // The contact's identity moves to the new number (test/structured-content.e2e-spec.ts shows the next message joining the conversation).
  'whatsapp/pywa_system__phone_number_change.json': text('changed from 972987654321 to 972912345678', {
    attachments: ['system'],
    detail: /"newExternalId":"972912345678"/,
  }),
  'whatsapp/pywa_template_status_update__rejected.json': ignored('a template review result: about templates, not a conversation'),
  'whatsapp/pywa_user_marketing_preferences__signup.json': { consent: 'whatsapp_marketing=true' },
  'whatsapp/wajs_v25__delivered.json': status('delivered'),
  'whatsapp/wajs_v25__incoming.json': text('this is a text message'),
  // Telegram
  'telegram/aiogram_message_from_channel.json': ignored('a post in a channel, not a private chat with the bot'),
  'telegram/aiogram_message_with_audio_caption.json': media(['audio'], { text: 'This is my favourite song' }),
  'telegram/aiogram_message_with_document_caption.json': media(['file'], { text: 'Read my document' }),
  'telegram/aiogram_message_with_game.json': placeholder(/telegram_game/),
  'telegram/aiogram_message_with_media_group.json': media(['image']),
  'telegram/aiogram_message_with_successful_payment.json': placeholder(/Telegram payment.*"totalAmount":6250/),
  'telegram/aiogram_reply_message.json': text('Reply to quoted message'),
  'telegram/nutgram_animation.json': media(['file']),
  'telegram/nutgram_audio.json': media(['audio']),
  'telegram/nutgram_business_message.json': text('Ciao'),
  'telegram/nutgram_callback_query.json': text('thedata', { detail: /"kind":"callback"/ }),
  'telegram/nutgram_callback_query_inaccessible_message.json': text('thedata'),
  'telegram/nutgram_channel_post.json': ignored('a post in a channel, not a private chat with the bot'),
  'telegram/nutgram_command.json': text('/test'),
  'telegram/nutgram_contact.json': media(['contacts'], { detail: /"phone":"911"/ }),
  'telegram/nutgram_dice.json': placeholder(/^(?=.*telegram_dice)(?=.*"value":4)/),
  'telegram/nutgram_document.json': media(['file']),
  'telegram/nutgram_edited_message.json': text('Editing this message'),
  'telegram/nutgram_entities.json': text('test bold underline 😆👍 look here'),
  'telegram/nutgram_invoice.json': placeholder(/^(?=.*telegram_invoice)(?=.*"totalAmount":100)/),
  'telegram/nutgram_location.json': media(['location'], { detail: /geo:/ }),
  'telegram/nutgram_message_different_topic_reply.json': ignored('a message in a group (forum supergroup), not a private chat with the bot'),
  'telegram/nutgram_message_forward_origin.json': text('Ciao', { detail: /"forwarded":"once"/ }),
  'telegram/nutgram_message_poll.json': media(['poll'], { detail: /What's your favorite color\?.*\["Red","Blue"\]/ }),
  'telegram/nutgram_message_reaction.json': { applied: { reaction: '🤡' } },
  'telegram/nutgram_my_chat_member.json': ignored('the bot was added or blocked: a membership change (a block marks the contact), not a message'),
  'telegram/nutgram_new_chat_members.json': ignored('a group service message: not a private chat'),
  'telegram/nutgram_photo.json': media(['image'], { text: 'asdasdasdasdasdasd' }),
  'telegram/nutgram_pinned_message.json': ignored('a service message (the user pinned a message): nothing was said'),
  'telegram/nutgram_sticker.json': media(['sticker'], { detail: /🤣/ }),
  'telegram/nutgram_story.json': placeholder(/telegram_story/),
  'telegram/nutgram_text.json': text('aaaaaaaaaa'),
  'telegram/nutgram_venue.json': media(['location'], { detail: /McDonald's.*Via Giolitti 65/ }),
  'telegram/nutgram_video.json': media(['video']),
  'telegram/nutgram_video_note.json': media(['video']),
  'telegram/nutgram_voice.json': media(['audio'], { detail: /"voice":true/ }),
  'telegram/telemetree_edited_message_not_tracked.json': text('Not tracked'),
  'telegram/telemetree_inline_query.json': ignored('an inline query (the user typed @bot in another chat): not a message to the business'),
  'telegram/telemetree_message_not_tracked.json': text("I'm not even tracked fool"),
  // SMS and WhatsApp through Twilio
  'sms/botbuilder_helper_mms_image.form': media(['image'], { text: 'Test mms' }),
  'sms/botbuilder_js_twilio_whatsapp_image.form': media(['image']),
  'sms/botbuilder_mms_media_payload.form': text('Hello'),
  'sms/botbuilder_sms_payload.form': text('Hello'),
  'sms/capture_mms_image_no_body.form': media(['image']),
  'sms/fieldwatch_real_whatsapp_contact_vcard.form': media(['file']),
  'sms/fieldwatch_real_whatsapp_location.form': media(['location'], { detail: /25\.0187.*-77\.3959/ }),
  'sms/fieldwatch_real_whatsapp_reply.form': text('Nice'),
  'sms/suppression_test_status_failed_30003.status.form': status('failed'),
  'sms/va_notify_status_delivered.status.form': status('delivered'),
  'sms/webhook_fixture_incoming_sms.form': text("Ahoy! Let's build something amazing."),
  'sms/webhook_fixture_status_delivered.status.form': status('delivered'),
  // E-mail
  'email/chatwoot_mail_with_inline_images.eml': media(['image'], { text: 'HTML content and inline image' }),
  'email/chatwoot_mail_with_quote.eml': media(['file'], { text: 'Yes, I am providing you step how to reproduce this' }),
  'email/chatwoot_non_utf_encoded_mail.eml': text('أنظروا'),
  'email/chatwoot_only_html.eml': text('This is html only mail'),
  'email/mail_attachment_emails_attachment_message_rfc822.eml': media(['file'], { text: 'This is the first part.' }),
  'email/mail_attachment_emails_attachment_message_rfc822_inline_image.eml': media(['image', 'file'], { text: 'test' }),
  'email/mail_attachment_emails_attachment_nonascii_filename.eml': media(['file'], { text: 'This is the first part.' }),
  'email/mail_attachment_emails_attachment_only_email.eml': media(['file'], { text: 'this message JUST contains an attachment' }),
  'email/mail_attachment_emails_attachment_pdf.eml': media(['file'], { text: 'Just attaching another PDF' }),
  'email/mail_attachment_emails_attachment_with_base64_encoded_name.eml': media(['file'], { text: 'We should not include these files' }),
  'email/mail_attachment_emails_attachment_with_encoded_name.eml': media(['audio'], { text: 'We should not include these files' }),
  'email/mail_error_emails_content_transfer_encoding_qp_with_space.eml': text("If you're in need of a good RX site"),
  'email/mail_error_emails_missing_body.eml': text('REDACTED'),
  'email/mail_mime_emails_raw_email2.eml': media(['file'], { text: 'We should not include these files' }),
  'email/mail_mime_emails_raw_email4.eml': text('Some text'),
  'email/mail_mime_emails_sig_only_email.eml': media(['file'], { text: 'This is random text' }),
  'email/mail_multi_charset_japanese_iso_2022.eml': text('すみません。'),
  'email/mail_multi_charset_japanese_shift_jis.eml': text('このメールはテスト用のメールです。'),
  'email/mail_multi_charset_ks_c_5601-1987.eml': text('스티해'),
  'email/mail_multipart_report_emails_report_530.eml': ignored('a bounce (multipart/report from the mailer daemon) of a message we never sent'),
  'email/mail_plain_emails_raw_email_reply.eml': text('Message body'),
  'email/mail_plain_emails_raw_email_trailing_dot.eml': text('Testing, testing, 123.'),
  'email/mail_plain_emails_raw_email_with_at_display_name.eml': text('Plain email.'),
  'email/mail_rfc6532_utf8_headers.eml': text('body'),
  'email/mailparser_delivery-status.eml': ignored('a bounce (delivery-status report) of a message we never sent'),
  'email/mailparser_mixed.eml': text('This e-mail message has been scanned for Viruses'),
  'email/mailparser_nested.eml': text('Dear Sir,'),
};

/** What differs between the expectation and what the replay left; empty when it matches. */
export function checkOutcome(expected: Expected | undefined, seen: Observation | undefined): string[] {
  if (!expected) return ['no expected outcome: add a row to test/corpus/expected-outcomes.ts'];
  if (!seen) return ['not replayed'];
  const problems: string[] = [];
  if (!/^(2\d\d|accepted)$/.test(seen.delivery)) problems.push(`delivery answered ${seen.delivery}`);
  const unfinished = seen.events.filter((e) => e.state !== 'done');
  if (unfinished.length) problems.push(`events not processed: ${JSON.stringify(unfinished)}`);
  const nothingNew = (why: string) => {
    if (seen.messages.length) problems.push(`expected no new message (${why}), found ${seen.messages.length}`);
  };
  if ('ignored' in expected) {
    nothingNew(expected.ignored);
    if (!seen.ignored.length) problems.push(`ignored in silence: no reason was counted (expected: ${expected.ignored})`);
  } else if ('notified' in expected) {
    nothingNew('a notification');
    if (!seen.notices.includes(expected.notified)) problems.push(`no ${expected.notified} notification (got ${JSON.stringify(seen.notices)})`);
  } else if ('consent' in expected) {
    nothingNew('a consent change');
    if (!seen.consents.includes(expected.consent)) problems.push(`no ${expected.consent} consent (got ${JSON.stringify(seen.consents)})`);
  } else if ('applied' in expected) {
    nothingNew('a change to an existing message');
    checkApplied(expected.applied, seen, problems);
  } else checkStored(expected.stored, seen, problems);
  return problems;
}

function checkApplied(want: Applied, seen: Observation, problems: string[]): void {
  const target = seen.referenced.filter((m) =>
    want.status !== undefined || want.reaction !== undefined ? m.direction === 'outbound' : m.direction === 'inbound',
  );
  const m = target[target.length - 1];
  if (!m) return void problems.push('the referenced message is missing');
  if (want.status !== undefined && m.status !== want.status) problems.push(`status ${m.status}, expected ${want.status}`);
  if (want.reaction !== undefined) {
    const emojis = Array.isArray(m.reactions) ? (m.reactions as Array<{ emoji?: string }>).map((r) => r.emoji) : [];
    const now = emojis[emojis.length - 1] ?? null;
    if (now !== want.reaction) problems.push(`reaction ${JSON.stringify(now)}, expected ${JSON.stringify(want.reaction)}`);
  }
  if (want.deleted !== undefined && m.deleted !== want.deleted) problems.push(`deleted ${m.deleted}, expected ${want.deleted}`);
  if (want.edited !== undefined && m.edited !== want.edited) problems.push(`edited ${m.edited}, expected ${want.edited}`);
}

function checkStored(want: StoredMessage[], seen: Observation, problems: string[]): void {
  if (seen.messages.length !== want.length) problems.push(`expected ${want.length} message(s), found ${seen.messages.length}`);
  want.forEach((w, i) => {
    const got = seen.messages[i];
    if (!got) return;
    if (w.direction && got.direction !== w.direction) problems.push(`message ${i}: direction ${got.direction}, expected ${w.direction}`);
    if (w.text !== undefined) {
      const ok = typeof w.text === 'string' ? (got.text ?? '').includes(w.text) : w.text.test(got.text ?? '');
      if (!ok) problems.push(`message ${i}: text ${JSON.stringify(got.text)} lacks ${String(w.text)}`);
    }
    if (w.attachments) {
      const types = got.attachments.map((a) => String(a.type));
      if (JSON.stringify(types) !== JSON.stringify(w.attachments))
        problems.push(`message ${i}: attachments ${JSON.stringify(types)}, expected ${JSON.stringify(w.attachments)}`);
    }
    if (w.detail && !w.detail.test(JSON.stringify({ text: got.text, attachments: got.attachments, context: got.context })))
      problems.push(`message ${i}: ${String(w.detail)} did not survive`);
  });
}
