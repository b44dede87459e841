import { mapInstagramPayload } from '../instagram/instagram.mapper';
import { mapMessengerPayload } from '../messenger/messenger.mapper';
import { mapWhatsAppPayload } from '../whatsapp/whatsapp.mapper';
import { splitMetaWebhook } from './meta-webhook-splitter';
import type { WhatsAppPayload } from './meta-payload';

// Fields beyond plain messages, written from Meta's webhook reference (Messenger `standby` and
// `message_edits`; WhatsApp `messages` revoke/edit/errors, `smb_message_echoes`, `user_preferences`).

const waChange = (field: string, value: Record<string, unknown>) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: 'waba-1', changes: [{ field, value: { messaging_product: 'whatsapp', metadata: { phone_number_id: 'pn-1' }, ...value } }] }],
});
const payloadsOf = (body: unknown) => splitMetaWebhook(body as never).map((i) => i.payload as WhatsAppPayload);

describe('Meta standby (another app is the primary receiver)', () => {
  it('reads standby items like messaging items: an End User message and a Page echo', () => {
    const items = splitMetaWebhook({
      object: 'page',
      entry: [
        {
          id: 'page-1',
          standby: [
            { sender: { id: 'psid-1' }, recipient: { id: 'page-1' }, timestamp: 1700000000000, message: { mid: 'm-in', text: 'is it in stock?' } },
            { sender: { id: 'page-1' }, recipient: { id: 'psid-1' }, timestamp: 1700000001000, message: { mid: 'm-echo', text: 'yes', is_echo: true } },
          ],
        },
      ],
    });
    expect(items.map((i) => [i.kind, i.routingKey, i.dedupeKey])).toEqual([
      ['messenger', 'page-1', 'mid:m-in'],
      ['messenger', 'page-1', 'mid:m-echo'],
    ]);
    expect(mapMessengerPayload(items[0].payload as never)).toMatchObject([
      { type: 'message', message: { externalContactId: 'psid-1', text: 'is it in stock?' } },
    ]);
    expect(mapMessengerPayload(items[1].payload as never)).toMatchObject([{ type: 'echo', externalContactId: 'psid-1', text: 'yes' }]);

    const ig = splitMetaWebhook({
      object: 'instagram',
      entry: [{ id: 'ig-1', standby: [{ sender: { id: 'igsid' }, recipient: { id: 'ig-1' }, timestamp: 1, message: { mid: 'ig-m', text: 'hi' } }] }],
    });
    expect(mapInstagramPayload(ig[0].payload as never)).toMatchObject([{ type: 'message', message: { externalContactId: 'igsid', text: 'hi' } }]);
  });

  it('parks a standby field that is not a list, keeping the messaging items', () => {
    const items = splitMetaWebhook({
      object: 'page',
      entry: [{ id: 'page-1', standby: { oops: true }, messaging: [{ sender: { id: 'p' }, message: { mid: 'm1', text: 'x' } }] }],
    } as never);
    expect(items.map((i) => i.parked ?? i.dedupeKey)).toEqual(['mid:m1', 'MALFORMED_PAYLOAD: entry.standby is not a list']);
  });
});

describe('Messenger message_edit', () => {
  it('replaces the text of the message, each edit a new item', () => {
    const edit = (n: number, text: string) => ({
      object: 'page',
      entry: [
        {
          id: 'page-1',
          messaging: [{ sender: { id: 'psid-1' }, recipient: { id: 'page-1' }, timestamp: 1700000005000, message_edit: { mid: 'm1', text, num_edit: n } }],
        },
      ],
    });
    const [first] = splitMetaWebhook(edit(1, 'hello (edited)'));
    const [second] = splitMetaWebhook(edit(2, 'hello again'));
    expect(first.dedupeKey).not.toBe(second.dedupeKey);
    expect(mapMessengerPayload(first.payload as never)).toEqual([
      { type: 'edited', externalMessageId: 'm1', text: 'hello (edited)', attachments: [], editedAt: new Date(1700000005000) },
    ]);
  });
});

describe('WhatsApp revoke and edit', () => {
  it('erases the original of a revoke, and applies an edit in the new version of its own type', () => {
    const [revoke] = payloadsOf(
      waChange('messages', {
        messages: [{ from: '4915', id: 'wamid.R', timestamp: '1700000000', type: 'revoke', revoke: { original_message_id: 'wamid.O' } }],
      }),
    );
    expect(mapWhatsAppPayload(revoke)).toEqual([{ type: 'deleted', externalMessageId: 'wamid.O' }]);

    const [edit] = payloadsOf(
      waChange('messages', {
        messages: [
          {
            from: '4915',
            id: 'wamid.E',
            timestamp: '1700000060',
            type: 'edit',
            edit: { original_message_id: 'wamid.O', message: { type: 'image', image: { id: 'media-9', mime_type: 'image/jpeg', caption: 'new caption' } } },
          },
        ],
      }),
    );
    expect(mapWhatsAppPayload(edit)).toEqual([
      {
        type: 'edited',
        externalMessageId: 'wamid.O',
        text: 'new caption',
        attachments: [{ type: 'image', ref: 'media-9', mimeType: 'image/jpeg', name: undefined, sha256: undefined }],
        editedAt: new Date(1700000060 * 1000),
      },
    ]);
    const [textEdit] = payloadsOf(
      waChange('messages', {
        messages: [
          {
            from: '4915',
            id: 'wamid.E2',
            timestamp: '1700000090',
            type: 'edit',
            edit: { original_message_id: 'wamid.T', message: { type: 'text', text: { body: 'fixed' } } },
          },
        ],
      }),
    );
    expect(mapWhatsAppPayload(textEdit)).toMatchObject([{ type: 'edited', externalMessageId: 'wamid.T', text: 'fixed', attachments: [] }]);
    expect(mapWhatsAppPayload({ message: { from: '4915', id: 'wamid.X', type: 'revoke' } })).toMatchObject([{ type: 'ignored' }]);
    expect(mapWhatsAppPayload({ message: { from: '4915', id: 'wamid.X', type: 'edit', edit: {} } })).toMatchObject([{ type: 'ignored' }]);
  });
});

describe('WhatsApp smb_message_echoes (the WhatsApp Business app on the same number)', () => {
  const echoes = (...list: Array<Record<string, unknown>>) =>
    payloadsOf(waChange('smb_message_echoes', { contacts: [{ profile: { name: 'Ann' }, wa_id: '4915' }], message_echoes: list }));

  it('stores a message typed in the app as outbound to the End User it went to', () => {
    const [p] = echoes({ from: '15550001', to: '4915', id: 'wamid.S', timestamp: '1700000000', type: 'text', text: { body: 'Your table is ready' } });
    expect(p.contact).toEqual({ profile: { name: 'Ann' }, wa_id: '4915' });
    expect(mapWhatsAppPayload(p)).toEqual([
      {
        type: 'echo',
        externalContactId: '4915',
        externalMessageId: 'wamid.S',
        text: 'Your table is ready',
        attachments: [],
        sentAt: new Date(1700000000 * 1000),
      },
    ]);
  });

  it("applies the app's edits and deletions to a message we have, and lets go of one we never saw", () => {
    const [edit, revoke, reaction] = echoes(
      {
        from: '15550001',
        to: '4915',
        id: 'wamid.E',
        timestamp: '1700000100',
        type: 'edit',
        edit: { original_message_id: 'wamid.S', message: { type: 'text', text: { body: 'Ready at 8' } } },
      },
      { from: '15550001', to: '4915', id: 'wamid.D', timestamp: '1700000200', type: 'revoke', revoke: { original_message_id: 'wamid.S' } },
      { from: '15550001', to: '4915', id: 'wamid.X', timestamp: '1700000300', type: 'reaction', reaction: { message_id: 'wamid.in', emoji: '👍' } },
    );
    expect(mapWhatsAppPayload(edit)).toMatchObject([{ type: 'edited', externalMessageId: 'wamid.S', text: 'Ready at 8', ifUnknown: 'ignore' }]);
    expect(mapWhatsAppPayload(revoke)).toEqual([{ type: 'deleted', externalMessageId: 'wamid.S', ifUnknown: 'ignore' }]);
    expect(mapWhatsAppPayload(reaction)).toMatchObject([{ type: 'ignored' }]);
  });
});

describe('WhatsApp user_preferences', () => {
  const preference = (value: string, timestamp = 1700000000) =>
    payloadsOf(
      waChange('user_preferences', {
        contacts: [{ profile: { name: 'Ann' }, wa_id: '4915' }],
        user_preferences: [{ wa_id: '4915', detail: 'User requested to stop marketing messages', category: 'marketing_messages', value, timestamp }],
      }),
    )[0];

  it('records stop as a withdrawn marketing consent, resume and signup as given, at the time WhatsApp gives', () => {
    expect(mapWhatsAppPayload(preference('stop'))).toEqual([
      {
        type: 'consent',
        externalContactId: '4915',
        contactName: 'Ann',
        purpose: 'whatsapp_marketing',
        granted: false,
        source: 'WhatsApp user preference: stop (User requested to stop marketing messages)',
        at: new Date(1700000000 * 1000),
      },
    ]);
    expect(mapWhatsAppPayload(preference('resume'))).toMatchObject([{ type: 'consent', granted: true }]);
    expect(mapWhatsAppPayload(preference('signup'))).toMatchObject([{ type: 'consent', granted: true }]);
    expect(mapWhatsAppPayload(preference('something new'))).toMatchObject([{ type: 'ignored' }]);
  });

  it('keys each choice apart, so a stop after a resume is not taken for a duplicate', () => {
    expect(
      splitMetaWebhook(
        waChange('user_preferences', { user_preferences: [{ wa_id: '4915', category: 'marketing_messages', value: 'stop', timestamp: 1 }] }) as never,
      )[0].dedupeKey,
    ).not.toBe(
      splitMetaWebhook(
        waChange('user_preferences', { user_preferences: [{ wa_id: '4915', category: 'marketing_messages', value: 'resume', timestamp: 2 }] }) as never,
      )[0].dedupeKey,
    );
  });
});

describe('WhatsApp errors not tied to a message', () => {
  it('become a notice for the Customer, with the code, the title and the details', () => {
    const [p] = payloadsOf(
      waChange('messages', {
        errors: [{ code: 131000, title: 'Something went wrong', message: 'Something went wrong', error_data: { details: 'Unable to process the webhook' } }],
      }),
    );
    expect(mapWhatsAppPayload(p)).toEqual([
      { type: 'notice', kind: 'channel.error', message: 'WhatsApp reported error 131000 (Something went wrong): Unable to process the webhook' },
    ]);
  });
});

describe('WhatsApp account_update (news about the WABA, not a number)', () => {
  const accountUpdate = (value: Record<string, unknown>) => ({
    object: 'whatsapp_business_account',
    entry: [{ id: 'waba-1', time: 1700000000, changes: [{ field: 'account_update', value }] }],
  });

  it('is routed to the WABA as a group, deduplicated on its content', () => {
    const body = accountUpdate({ event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } });
    const [item, ...rest] = splitMetaWebhook(body as never);
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ kind: 'whatsapp', routingKey: 'waba-1', toAccountGroup: true });
    expect(splitMetaWebhook(body as never)[0].dedupeKey).toBe(item.dedupeKey);
    expect(splitMetaWebhook(accountUpdate({ event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SPAM' } }) as never)[0].dedupeKey).not.toBe(
      item.dedupeKey,
    );
  });

  it('turns restrictions, bans and violations into notices, and other account news into a named ignore', () => {
    const map = (value: Record<string, unknown>) => mapWhatsAppPayload(payloadsOf(accountUpdate(value))[0]);
    expect(
      map({
        event: 'ACCOUNT_RESTRICTION',
        restriction_info: [{ restriction_type: 'RESTRICTED_ADD_PHONE_NUMBER_ACTION', expiration: 1700003600 }, { restriction_type: 'SOMETHING_NEW' }],
      }),
    ).toEqual([
      {
        type: 'notice',
        kind: 'channel.restricted',
        message: 'WhatsApp restricted the business account: adding phone numbers until 2023-11-14 23:13 UTC; SOMETHING_NEW',
      },
    ]);
    expect(map({ event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: 'DISABLE', waba_ban_date: '2023-11-14' } })).toEqual([
      { type: 'notice', kind: 'channel.restricted', message: 'WhatsApp disabled the business account: nothing can be sent (2023-11-14)' },
    ]);
    expect(map({ event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: 'REINSTATE' } })).toEqual([
      { type: 'notice', kind: 'channel.reinstated', message: 'WhatsApp reinstated the business account' },
    ]);
    expect(map({ event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: 'SCAM' } })).toEqual([
      { type: 'notice', kind: 'channel.restricted', message: 'WhatsApp found a policy violation on the business account: SCAM' },
    ]);
    expect(map({ event: 'VERIFIED_ACCOUNT' })).toEqual([{ type: 'ignored', reason: 'WhatsApp account update VERIFIED_ACCOUNT' }]);
    // Hostile shapes read as "no details", never a throw.
    expect(map({ event: 'ACCOUNT_RESTRICTION', restriction_info: 'x' })[0]).toMatchObject({ kind: 'channel.restricted' });
    expect(map({ event: { toString: 1 } })).toEqual([{ type: 'ignored', reason: 'WhatsApp account update without an event' }]);
    expect(map({ event: 'ACCOUNT_RESTRICTION', restriction_info: [{ restriction_type: { toString: 1 }, expiration: { toString: 1 } }, null] })).toEqual([
      { type: 'notice', kind: 'channel.restricted', message: 'WhatsApp restricted the business account: unknown; unknown' },
    ]);
    expect(map({ event: 'DISABLED_UPDATE', ban_info: { waba_ban_state: { toString: 1 } } })[0]).toMatchObject({ kind: 'channel.restricted' });
    expect(map({ event: 'ACCOUNT_VIOLATION', violation_info: { violation_type: { toString: 1 } } })[0]).toMatchObject({
      message: 'WhatsApp found a policy violation on the business account: unspecified',
    });
  });
});

describe('Meta fields the inbox does not read', () => {
  it('are counted under a reason (routed, not stored), never skipped in silence', () => {
    const calls = splitMetaWebhook(waChange('calls', { calls: [{ id: 'wacid.1', event: 'connect' }] }) as never);
    expect(calls).toEqual([expect.objectContaining({ kind: 'whatsapp', routingKey: 'pn-1', ignored: 'call signalling (VoIP): calls are not messages' })]);
    const template = splitMetaWebhook({
      object: 'whatsapp_business_account',
      entry: [{ id: 'waba-1', changes: [{ field: 'message_template_status_update', value: { event: 'REJECTED', message_template_id: 1 } }] }],
    } as never);
    expect(template).toEqual([
      expect.objectContaining({ routingKey: 'waba-1', toAccountGroup: true, ignored: 'a template review result: about templates, not a conversation' }),
    ]);
    const unknown = splitMetaWebhook(waChange('some new field!', {}) as never);
    expect(unknown).toEqual([expect.objectContaining({ routingKey: 'pn-1', ignored: 'a WhatsApp unknown change' })]);
    const mention = splitMetaWebhook({ object: 'instagram', entry: [{ id: 'ig-1', changes: [{ field: 'mentions', value: { media_id: '1' } }] }] } as never);
    expect(mention).toEqual([expect.objectContaining({ kind: 'instagram', routingKey: 'ig-1', ignored: 'a mentions change: not a conversation' })]);
  });
});
