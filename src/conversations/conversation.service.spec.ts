import { type Conversation, type Message, type TenantRef, invalid, rejected } from '../../libs/domain/src';
import type { ReplyMode } from '../../libs/policy/src';
import type { ChannelCapabilities } from '../channels/core/channel-adapter';
import { ConversationService, type OutgoingContent } from './conversation.service';

/**
 * ConversationService.send with its ports mocked: the platform rules come from the channel kind's
 * capabilities (no kind is named here), and only a reply every rule allows is queued.
 */
const TENANT: TenantRef = { tenantId: '00000000-0000-4000-8000-00000000000a', region: 'eu' };
const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';
const CONTACT = '00000000-0000-4000-8000-0000000000c1';
const CHANNEL = '00000000-0000-4000-8000-0000000000c2';
const AGENT = '00000000-0000-4000-8000-0000000000a1';
const now = new Date('2026-11-30T12:00:00Z');

const plain: ChannelCapabilities = { attachments: false };
const closedWindow = (): ReplyMode => ({ allowed: false, code: 'MESSAGING_WINDOW_CLOSED', reason: 'closed' });
const noCards = (text: string) => (text.includes('4111111111111111') ? rejected('CARD_NUMBER_NOT_ALLOWED', 'no cards') : null);
const templated: ChannelCapabilities = {
  attachments: false,
  templates: { consent: 'whatsapp_opt_in', missingConsent: () => rejected('WHATSAPP_OPT_IN_REQUIRED', 'opt in first') },
  replyWindow: closedWindow,
  contentRule: noCards,
};

function harness(opts: { capabilities?: ChannelCapabilities; status?: string; conversation?: Conversation | null; optIn?: boolean; optedOut?: boolean } = {}) {
  const conversation =
    opts.conversation === undefined
      ? ({ id: CONVERSATION, channelId: CHANNEL, contactId: CONTACT, lastInboundAt: new Date(now.getTime() - 60_000) } as Conversation)
      : opts.conversation;
  const queued = { id: 'm1', conversationId: CONVERSATION, status: 'queued' } as Message;
  const inbox = { findConversation: jest.fn(async () => conversation), quotedBy: jest.fn(async () => new Map()) };
  const outbox = { addOutboundMessage: jest.fn(async () => queued) };
  const channels = { get: jest.fn(async () => ({ id: CHANNEL, kind: 'somekind', status: opts.status ?? 'active' })) };
  const adapters = { for: jest.fn(() => ({ capabilities: opts.capabilities ?? plain })) };
  const consents = { hasOptIn: jest.fn(async () => opts.optIn ?? false) };
  const events = { publish: jest.fn() };
  const signal = { notify: jest.fn() };
  const clock = { now: () => now };
  const optOuts = { isOptedOut: jest.fn(async () => opts.optedOut ?? false) };
  const service = new ConversationService(
    {} as never,
    outbox as never,
    inbox as never,
    {} as never,
    {} as never,
    channels as never,
    adapters as never,
    consents as never,
    events as never,
    signal as never,
    clock as never,
    {} as never,
    optOuts as never,
    {} as never,
    {} as never,
    {} as never,
    { unitOfWork: (_t: unknown, work: (tx: unknown) => Promise<unknown>) => work({}) } as never,
  );
  const send = (content: OutgoingContent) => service.send(TENANT, CONVERSATION, AGENT, content);
  return { send, outbox, consents, events, signal, adapters, optOuts };
}

type Harness = ReturnType<typeof harness>;

async function expectRefused(h: Harness, content: OutgoingContent, code: string) {
  await expect(h.send(content)).rejects.toMatchObject({ code });
  expect(h.outbox.addOutboundMessage).not.toHaveBeenCalled();
  expect(h.signal.notify).not.toHaveBeenCalled();
}

describe('ConversationService.send', () => {
  it('queues a reply, wakes the sender and tells the dashboard', async () => {
    const h = harness();
    const message = await h.send({ text: 'hello' });
    expect(message.id).toBe('m1');
    expect(h.outbox.addOutboundMessage).toHaveBeenCalledWith(TENANT, {
      conversationId: CONVERSATION,
      authorId: AGENT,
      text: 'hello',
      attachments: undefined,
      template: null,
    });
    expect(h.signal.notify).toHaveBeenCalledWith('outbound');
    expect(h.events.publish).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'message.created', data: { conversationId: CONVERSATION, messageId: 'm1', direction: 'outbound' } }),
    );
    expect(h.adapters.for).toHaveBeenCalledWith('somekind');
  });

  it('answers CONVERSATION_NOT_FOUND for a conversation it cannot see', async () => {
    await expectRefused(harness({ conversation: null }), { text: 'hi' }, 'CONVERSATION_NOT_FOUND');
  });

  it.each([
    ['revoked', 'CHANNEL_REVOKED'],
    ['disconnected', 'CHANNEL_DISCONNECTED'],
  ])('refuses on a %s channel (%s)', async (status, code) => {
    await expectRefused(harness({ status }), { text: 'hi' }, code);
  });

  it('refuses attachments where the kind cannot send them, and queues them where it can', async () => {
    const attachments = [{ type: 'image' as const, url: 'https://cdn.example/a.png' }];
    await expectRefused(harness(), { text: 'see', attachments }, 'ATTACHMENTS_NOT_SUPPORTED');
    const h = harness({ capabilities: { ...plain, attachments: true } });
    await h.send({ text: 'see', attachments });
    expect(h.outbox.addOutboundMessage).toHaveBeenCalledWith(TENANT, expect.objectContaining({ attachments }));
  });

  it("refuses text longer than the kind's limit before anything is queued, and queues text at the limit", async () => {
    const limited = { ...plain, maxTextChars: 10 };
    await expectRefused(harness({ capabilities: limited }), { text: 'x'.repeat(11) }, 'TEXT_TOO_LONG');
    const h = harness({ capabilities: limited });
    await h.send({ text: 'x'.repeat(10) });
    expect(h.outbox.addOutboundMessage).toHaveBeenCalledWith(TENANT, expect.objectContaining({ text: 'x'.repeat(10) }));
  });

  it('applies the kind content rule to text', async () => {
    await expectRefused(harness({ capabilities: { ...plain, contentRule: noCards } }), { text: 'card 4111111111111111' }, 'CARD_NUMBER_NOT_ALLOWED');
  });

  it('refuses free text outside the messaging window with the window own code', async () => {
    await expectRefused(harness({ capabilities: { ...plain, replyWindow: closedWindow } }), { text: 'late' }, 'MESSAGING_WINDOW_CLOSED');
  });

  it('sends free text at any time on a kind without a window', async () => {
    const h = harness({ conversation: { id: CONVERSATION, channelId: CHANNEL, contactId: CONTACT, lastInboundAt: null } as Conversation });
    await h.send({ text: 'whenever' });
    expect(h.outbox.addOutboundMessage).toHaveBeenCalled();
  });

  describe('templates', () => {
    const template = { name: 'order_update', language: 'en', parameters: ['A-1'] };

    it('are refused on a kind without them', async () => {
      await expectRefused(harness(), { template }, 'TEMPLATE_NOT_SUPPORTED');
    });

    it('need the consent the kind names, refused with the kind own error', async () => {
      const h = harness({ capabilities: templated, optIn: false });
      await expectRefused(h, { template }, 'WHATSAPP_OPT_IN_REQUIRED');
      expect(h.consents.hasOptIn).toHaveBeenCalledWith(TENANT, CONTACT, 'whatsapp_opt_in');
    });

    it('follow the content rule in their parameters', async () => {
      await expectRefused(
        harness({ capabilities: templated, optIn: true }),
        { template: { ...template, parameters: ['4111111111111111'] } },
        'CARD_NUMBER_NOT_ALLOWED',
      );
    });

    it('are queued outside the messaging window, with their parameters (none when not given)', async () => {
      const h = harness({ capabilities: templated, optIn: true });
      await h.send({ template: { name: 'hello', language: 'en' } });
      expect(h.outbox.addOutboundMessage).toHaveBeenCalledWith(
        TENANT,
        expect.objectContaining({ text: null, template: { name: 'hello', language: 'en', parameters: [] } }),
      );
    });
  });

  describe('opt-out keywords', () => {
    const keywords: ChannelCapabilities = {
      ...plain,
      optOutKeywords: { keyword: () => null, refusal: () => rejected('SMS_OPTED_OUT', 'replied STOP') },
    };

    it('refuse a reply to a contact who opted out, with the kind own error', async () => {
      const h = harness({ capabilities: keywords, optedOut: true });
      await expectRefused(h, { text: 'hi' }, 'SMS_OPTED_OUT');
      expect(h.optOuts.isOptedOut).toHaveBeenCalledWith(TENANT, CONTACT, CHANNEL);
    });

    it('let a reply through to a contact who did not, and are not looked up on a kind without them', async () => {
      const h = harness({ capabilities: keywords, optedOut: false });
      await h.send({ text: 'hi' });
      expect(h.outbox.addOutboundMessage).toHaveBeenCalled();
      const without = harness({ optedOut: true });
      await without.send({ text: 'hi' });
      expect(without.optOuts.isOptedOut).not.toHaveBeenCalled();
      expect(without.outbox.addOutboundMessage).toHaveBeenCalled();
    });
  });

  it('lets a kind error pass through as it is', async () => {
    const h = harness({ capabilities: { ...plain, contentRule: () => invalid('TEMPLATE_NOT_SUPPORTED', 'no') } });
    await expectRefused(h, { text: 'x' }, 'TEMPLATE_NOT_SUPPORTED');
  });
});
