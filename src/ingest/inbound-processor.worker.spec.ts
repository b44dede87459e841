import { Logger } from '@nestjs/common';
import type { InboundEvent, TenantRef } from '../../libs/domain/src';
import type { ClaimedJob } from '../queue/job-queue.service';
import type { StoredEvent } from './inbound-event.store';
import { IGNORED, InboundProcessor, MAX_INBOUND_ATTEMPTS } from './inbound-processor.worker';

/**
 * The processor's apply step with its ports mocked: what each kind of event becomes for the
 * inbox, and the retry-or-park bookkeeping around it. (The SQL is covered by the e2e suites.)
 */
const TENANT: TenantRef = { tenantId: '00000000-0000-4000-8000-00000000000a', region: 'eu' };
const EVENT_ID = '00000000-0000-4000-8000-0000000000e1';
const CHANNEL = '00000000-0000-4000-8000-0000000000c1';
// Recent: a receipt a day older than now is not waited for.
const at = new Date(Date.now() - 60_000);

function harness(mapped: InboundEvent[] | (() => InboundEvent[]), opts: { attempts?: number; state?: string } = {}) {
  const tx = { tx: true };
  const job: ClaimedJob = { id: '41', tenantId: TENANT.tenantId, refId: EVENT_ID, attempts: opts.attempts ?? 1 };
  const stored: StoredEvent = {
    id: EVENT_ID,
    payload: { raw: true },
    channel_id: CHANNEL,
    kind: 'messenger',
    state: opts.state ?? 'pending',
    received_at: new Date(),
  };
  const dbs = {
    regions: () => ['eu'],
    forTenant: jest.fn((_t: TenantRef, work: (t: unknown) => unknown) => work(tx)),
    unitOfWork: jest.fn((_t: TenantRef, work: (t: unknown) => unknown) => work(tx)),
  };
  const queue = {
    claim: jest.fn(async () => [job]),
    complete: jest.fn(),
    completeMany: jest.fn(),
    retryLater: jest.fn(),
    retryLaterIn: jest.fn(),
    enqueue: jest.fn(),
    renew: jest.fn(async () => []),
  };
  const events = { read: jest.fn(async () => new Map([[EVENT_ID, stored]])), markDone: jest.fn(), settle: jest.fn() };
  const conversations = {
    receiveInbound: jest.fn(async (_t: TenantRef, m: { attachments?: unknown[] }) => ({ message: { id: 'm1', attachments: m.attachments ?? [] } })),
    receiveInboundBatch: jest.fn(async (_t: TenantRef, ms: unknown[]) => ms.map((_m, i) => ({ messageId: `m${i + 1}`, created: true }))),
    receiveEcho: jest.fn(),
    applyReceipt: jest.fn(async (): Promise<{ id: string } | null> => ({ id: 'm1' })),
    applyWatermark: jest.fn(),
    applyReaction: jest.fn(),
    eraseMessageContent: jest.fn(async () => true),
    applyEdit: jest.fn(async () => true),
    setContactBlocked: jest.fn(async () => true),
  };
  const channels = { notifyAccountNotice: jest.fn() };
  const ignored = { count: jest.fn() };
  const profiles = { ask: jest.fn() };
  const metrics = { inboundLag: { observe: jest.fn() } };
  Object.assign(conversations, { recordPlatformConsent: jest.fn() });
  // The kind fetches files given by URL (as Messenger's CDN links are): those wait for their copy.
  const inboundMedia = { copyable: (a: { url?: string }) => Boolean(a.url) };
  const adapters = { for: jest.fn(() => ({ map: () => (typeof mapped === 'function' ? mapped() : mapped), inboundMedia })) };
  const processor = new InboundProcessor(
    dbs as never,
    queue as never,
    { notify: jest.fn() } as never,
    { workersEnabled: false, workerLeaseSeconds: 10 } as never,
    conversations as never,
    adapters as never,
    events as never,
    channels as never,
    ignored as never,
    profiles as never,
    metrics as never,
  );
  return { processor, run: () => processor.runBatch('eu'), job, tx, queue, events, conversations, dbs, channels, ignored, profiles };
}

/** Expects the job to have ended with its event settled as `state`. */
function expectSettled(h: ReturnType<typeof harness>, state: 'done' | 'failed', error: string | null = null) {
  expect(h.events.settle).toHaveBeenCalledWith(h.tx, TENANT.tenantId, EVENT_ID, state, h.job.attempts, error);
  expect(h.queue.complete).toHaveBeenCalledWith(h.tx, h.job);
  expect(h.queue.retryLater).not.toHaveBeenCalled();
}

describe('InboundProcessor: the apply step', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('records a new message of a claimed batch together with the others, and completes the batch', async () => {
    const h = harness([{ type: 'message', message: { externalContactId: 'psid-1', externalMessageId: 'mid-1', text: 'hi', sentAt: at } }]);
    expect(await h.run()).toBe(1);
    expect(h.conversations.receiveInboundBatch).toHaveBeenCalledWith(TENANT, [
      { externalContactId: 'psid-1', externalMessageId: 'mid-1', text: 'hi', sentAt: at, channelId: CHANNEL, channelKind: 'messenger' },
    ]);
    expect(h.events.markDone).toHaveBeenCalledWith(h.tx, TENANT.tenantId, [{ id: EVENT_ID, attempts: 1 }]);
    expect(h.queue.completeMany).toHaveBeenCalledWith(h.tx, [h.job]);
    expect(h.conversations.receiveInbound).not.toHaveBeenCalled();
    // Once committed, the sender's name is asked of platforms whose webhooks carry none.
    expect(h.profiles.ask).toHaveBeenCalledWith(TENANT, CHANNEL, 'messenger', ['psid-1']);
  });

  it('marks the files the kind can fetch as waiting for their copy, and queues the copy with the message', async () => {
    const photo = { type: 'image' as const, url: 'https://cdn.example/p.jpg' };
    const place = { type: 'location' as const, detail: { latitude: 1, longitude: 2 } };
    const h = harness([{ type: 'message', message: { externalContactId: 'psid-1', externalMessageId: 'mid-1', attachments: [photo, place], sentAt: at } }]);
    await h.run();
    expect(h.conversations.receiveInboundBatch).toHaveBeenCalledWith(TENANT, [
      expect.objectContaining({ attachments: [{ ...photo, state: 'pending' }, place] }),
    ]);
    expect(h.queue.enqueue).toHaveBeenCalledWith(h.tx, 'media', TENANT.tenantId, 'm1');

    const text = harness([{ type: 'message', message: { externalContactId: 'psid-1', externalMessageId: 'mid-2', text: 'hi', sentAt: at } }]);
    await text.run();
    expect(text.queue.enqueue).not.toHaveBeenCalled();
  });

  it('records a threaded message (e-mail) on its own, with its channel', async () => {
    const message = {
      externalContactId: 'ann@example.test',
      externalMessageId: '<m1@example.test>',
      text: 'Re: hi',
      sentAt: at,
      thread: { externalIds: ['<m0@example.test>'] },
    };
    const h = harness([{ type: 'message', message }]);
    await h.run();
    expect(h.conversations.receiveInboundBatch).not.toHaveBeenCalled();
    expect(h.conversations.receiveInbound).toHaveBeenCalledWith(TENANT, { ...message, channelId: CHANNEL, channelKind: 'messenger' });
    expectSettled(h, 'done');
  });

  it('stores nothing for a message without text or attachments, nor for an event the mapper ignored, and counts each with its reason', async () => {
    for (const [event, reason] of [
      [{ type: 'message', message: { externalContactId: 'p', externalMessageId: 'm', text: '', sentAt: at, thread: {} } }, IGNORED.empty],
      [{ type: 'message', message: { externalContactId: 'p', externalMessageId: 'm', text: '', sentAt: at } }, IGNORED.empty],
      [{ type: 'ignored', reason: 'a typing indicator' }, 'a typing indicator'],
    ] as Array<[InboundEvent, string]>) {
      const h = harness([event]);
      await h.run();
      expect(h.conversations.receiveInbound).not.toHaveBeenCalled();
      expect(h.conversations.receiveInboundBatch).not.toHaveBeenCalled();
      expect(h.ignored.count).toHaveBeenCalledWith(h.tx, TENANT.tenantId, [{ channelId: CHANNEL, kind: 'messenger', reason }]);
    }
  });

  it.each<[string, InboundEvent, (c: ReturnType<typeof harness>['conversations']) => void]>([
    [
      'an echo',
      { type: 'echo', externalContactId: 'psid-1', externalMessageId: 'mid-echo', text: 'from the Page inbox', attachments: [], sentAt: at },
      (c) =>
        expect(c.receiveEcho).toHaveBeenCalledWith(TENANT, {
          type: 'echo',
          externalContactId: 'psid-1',
          externalMessageId: 'mid-echo',
          text: 'from the Page inbox',
          attachments: [],
          sentAt: at,
          channelId: CHANNEL,
          channelKind: 'messenger',
        }),
    ],
    [
      'a receipt',
      { type: 'receipt', externalMessageId: 'mid-out', status: 'failed', at, error: { code: '131047', text: 'Re-engagement message' } },
      (c) => expect(c.applyReceipt).toHaveBeenCalledWith(TENANT, CHANNEL, 'mid-out', 'failed', { code: '131047', text: 'Re-engagement message' }),
    ],
    [
      'a read watermark',
      { type: 'watermark', externalContactId: 'psid-1', status: 'read', watermark: at },
      (c) => expect(c.applyWatermark).toHaveBeenCalledWith(TENANT, CHANNEL, 'psid-1', 'read', at),
    ],
    [
      'a reaction',
      { type: 'reaction', externalMessageId: 'mid-1', externalContactId: 'psid-1', action: 'react', emoji: '👍' },
      (c) => expect(c.applyReaction).toHaveBeenCalledWith(TENANT, CHANNEL, 'mid-1', '👍'),
    ],
    [
      'a reaction taken back',
      { type: 'reaction', externalMessageId: 'mid-1', externalContactId: 'psid-1', action: 'unreact', emoji: '👍' },
      (c) => expect(c.applyReaction).toHaveBeenCalledWith(TENANT, CHANNEL, 'mid-1', null),
    ],
    ['a deletion', { type: 'deleted', externalMessageId: 'mid-1' }, (c) => expect(c.eraseMessageContent).toHaveBeenCalledWith(TENANT, CHANNEL, 'mid-1')],
    [
      'an edit',
      { type: 'edited', externalMessageId: 'mid-1', text: 'fixed', attachments: [], editedAt: at },
      (c) =>
        expect(c.applyEdit).toHaveBeenCalledWith(TENANT, CHANNEL, 'mid-1', {
          type: 'edited',
          externalMessageId: 'mid-1',
          text: 'fixed',
          attachments: [],
          editedAt: at,
        }),
    ],
    [
      'a block',
      { type: 'blocked', externalContactId: 'tg-7', blocked: true, at },
      (c) => expect(c.setContactBlocked).toHaveBeenCalledWith(TENANT, CHANNEL, 'tg-7', true, at),
    ],
  ])('applies %s on its own and settles the event', async (_, event, expectCall) => {
    const h = harness([event]);
    await h.run();
    expectCall(h.conversations);
    expectSettled(h, 'done');
  });

  it('records a consent the End User changed on the platform, for their identity on the channel', async () => {
    const h = harness([
      { type: 'consent', externalContactId: '4915', contactName: 'Ann', purpose: 'whatsapp_marketing', granted: false, source: 'WhatsApp: stop', at },
    ]);
    await h.run();
    expect((h.conversations as unknown as Record<string, jest.Mock>).recordPlatformConsent).toHaveBeenCalledWith(
      TENANT,
      { channelId: CHANNEL, channelKind: 'messenger', externalContactId: '4915', contactName: 'Ann' },
      { purpose: 'whatsapp_marketing', granted: false, source: 'WhatsApp: stop', at },
    );
    expectSettled(h, 'done');
  });

  it('notifies the Customer of a notice about the account (restriction, ban, error)', async () => {
    const h = harness([{ type: 'notice', kind: 'channel.restricted', message: 'restricted until tomorrow' }]);
    await h.run();
    expect(h.channels.notifyAccountNotice).toHaveBeenCalledWith(TENANT, CHANNEL, 'channel.restricted', 'restricted until tomorrow');
    expectSettled(h, 'done');
  });

  it('stores an edit of a message never seen as a new message when the platform will not send the original, and lets one go when told to', async () => {
    const message = { externalContactId: 'tg-7', externalMessageId: 'tg-7:5', text: 'edited', sentAt: at };
    const asNew = harness([{ type: 'edited', externalMessageId: 'tg-7:5', text: 'edited', attachments: [], editedAt: at, ifUnknown: { message } }]);
    asNew.conversations.applyEdit.mockResolvedValue(false);
    await asNew.run();
    expect(asNew.conversations.receiveInbound).toHaveBeenCalledWith(TENANT, { ...message, channelId: CHANNEL, channelKind: 'messenger' });
    expectSettled(asNew, 'done');

    for (const event of [
      { type: 'edited', externalMessageId: 'mid-x', text: 'x', attachments: [], editedAt: at, ifUnknown: 'ignore' },
      { type: 'deleted', externalMessageId: 'mid-x', ifUnknown: 'ignore' },
    ] as InboundEvent[]) {
      const h = harness([event]);
      h.conversations.applyEdit.mockResolvedValue(false);
      h.conversations.eraseMessageContent.mockResolvedValue(false);
      await h.run();
      expect(h.conversations.receiveInbound).not.toHaveBeenCalled();
      expectSettled(h, 'done');
      const reason = event.type === 'edited' ? IGNORED.unknownEdit : IGNORED.unknownDeletion;
      expect(h.ignored.count).toHaveBeenCalledWith(h.tx, TENANT.tenantId, [{ channelId: CHANNEL, kind: 'messenger', reason }]);
    }
  });

  it('ends the job of an event that is already done, parked or gone, touching nothing', async () => {
    const h = harness([{ type: 'deleted', externalMessageId: 'mid-1' }], { state: 'failed' });
    await h.run();
    expect(h.queue.completeMany).toHaveBeenCalledWith(h.tx, [h.job]);
    expect(h.conversations.eraseMessageContent).not.toHaveBeenCalled();
    expect(h.events.settle).not.toHaveBeenCalled();
  });
});

describe('InboundProcessor: retries and parking', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it.each<[string, InboundEvent, Partial<Record<keyof ReturnType<typeof harness>['conversations'], jest.Mock>>]>([
    ['a receipt', { type: 'receipt', externalMessageId: 'mid-out', status: 'delivered', at }, { applyReceipt: jest.fn(async () => null) }],
    ['a deletion', { type: 'deleted', externalMessageId: 'mid-1' }, { eraseMessageContent: jest.fn(async () => false) }],
    ['an edit', { type: 'edited', externalMessageId: 'mid-1', text: 'x', attachments: [], editedAt: at }, { applyEdit: jest.fn(async () => false) }],
  ])('asks again soon about %s whose message is not known yet (2 s per attempt), without settling it', async (_, event, missing) => {
    const h = harness([event], { attempts: 3 });
    Object.assign(h.conversations, missing);
    await h.run();
    expect(h.queue.retryLater).toHaveBeenCalledWith('eu', h.job, 6000);
    expect(h.events.settle).not.toHaveBeenCalled();
    expect(h.queue.complete).not.toHaveBeenCalled();
  });

  it('after the last attempt, settles a receipt that never found its message as done, not failed', async () => {
    const h = harness([{ type: 'receipt', externalMessageId: 'mid-elsewhere', status: 'read', at }], { attempts: MAX_INBOUND_ATTEMPTS });
    h.conversations.applyReceipt.mockResolvedValue(null);
    await h.run();
    expectSettled(h, 'done', 'no message mid-elsewhere yet');
    expect(h.ignored.count).toHaveBeenCalledWith(h.tx, TENANT.tenantId, [{ channelId: CHANNEL, kind: 'messenger', reason: IGNORED.neverArrived }]);
  });

  it('does not wait for the message of a receipt a day old: it is not one the inbox sent, and is counted', async () => {
    const h = harness([{ type: 'receipt', externalMessageId: 'mid-2021', status: 'read', at: new Date('2021-09-08T06:34:04Z') }]);
    h.conversations.applyReceipt.mockResolvedValue(null);
    await h.run();
    expectSettled(h, 'done');
    expect(h.ignored.count).toHaveBeenCalledWith(h.tx, TENANT.tenantId, [{ channelId: CHANNEL, kind: 'messenger', reason: IGNORED.oldReceipt }]);
  });

  it('retries a failure with exponential backoff, then parks the event as failed with the reason', async () => {
    const failing = harness([{ type: 'blocked', externalContactId: 'tg-7', blocked: true, at }], { attempts: 2 });
    failing.conversations.setContactBlocked.mockRejectedValue(new Error('deadlock detected'));
    await failing.run();
    const [, , delay] = failing.queue.retryLater.mock.calls[0];
    expect(delay).toBeGreaterThanOrEqual(0.8 * 4000);
    expect(delay).toBeLessThanOrEqual(1.2 * 4000);
    expect(failing.events.settle).not.toHaveBeenCalled();

    const last = harness([{ type: 'blocked', externalContactId: 'tg-7', blocked: true, at }], { attempts: MAX_INBOUND_ATTEMPTS });
    last.conversations.setContactBlocked.mockRejectedValue(new Error('deadlock detected'));
    await last.run();
    expectSettled(last, 'failed', 'deadlock detected');
  });

  it('takes an event whose payload the mapper cannot read out of the batch, and retries it on its own', async () => {
    const h = harness(() => {
      throw new Error('entry.messaging is not an array');
    });
    await h.run();
    expect(h.queue.completeMany).not.toHaveBeenCalled();
    expect(h.queue.retryLater).toHaveBeenCalledWith('eu', h.job, expect.any(Number));
  });

  it('when the batch cannot be written, goes one by one with what it read', async () => {
    const h = harness([{ type: 'message', message: { externalContactId: 'psid-1', externalMessageId: 'mid-1', text: 'hi', sentAt: at } }]);
    h.conversations.receiveInboundBatch.mockRejectedValue(new Error('injected batch failure'));
    await h.run();
    expect(h.conversations.receiveInbound).toHaveBeenCalledWith(TENANT, expect.objectContaining({ externalMessageId: 'mid-1', channelId: CHANNEL }));
    expect(h.events.read).toHaveBeenCalledTimes(1);
    expectSettled(h, 'done');
  });
});
