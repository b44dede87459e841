import { Logger } from '@nestjs/common';
import { DeliveryFailure, type DeliveryTask, type Message, RecipientBlockedFailure, type TenantRef } from '../../libs/domain/src';
import type { ClaimedJob } from '../queue/job-queue.service';
import { MAX_SEND_ATTEMPTS, OutboundSender } from './outbound-sender.worker';
import { metaMessagingWindow } from '../../libs/policy/src';

/**
 * The sender's classification of what a platform answered, with its ports mocked: what becomes
 * of the message, the channel, the contact and the job. (The platforms' own answers are covered
 * by the gateway contract suite and the channel e2e suites.)
 */
const TENANT: TenantRef = { tenantId: '00000000-0000-4000-8000-00000000000a', region: 'eu' };
const MESSAGE_ID = '00000000-0000-4000-8000-0000000000a1';
const CHANNEL_ID = '00000000-0000-4000-8000-0000000000c1';
const now = new Date('2026-11-29T10:00:00Z');

const message = (over: Partial<Message> = {}): Message => ({
  id: MESSAGE_ID,
  conversationId: '00000000-0000-4000-8000-0000000000b1',
  direction: 'outbound',
  context: null,
  text: 'Your order shipped',
  attachments: [],
  status: 'queued',
  errorCode: null,
  errorText: null,
  externalId: null,
  authorId: '00000000-0000-4000-8000-0000000000d1',
  replyToExternalId: null,
  replyToId: null,
  reactions: [],
  deletedAt: null,
  editedAt: null,
  edits: [],
  subject: null,
  autoReply: false,
  sentAt: now,
  createdAt: now,
  ...over,
});

function harness(opts: { attempts?: number; send?: jest.Mock; channelStatus?: string; lastInboundAt?: Date | null; template?: DeliveryTask['template'] } = {}) {
  const tx = { tx: true };
  const job: ClaimedJob = { id: '77', tenantId: TENANT.tenantId, refId: MESSAGE_ID, attempts: opts.attempts ?? 1 };
  const task: DeliveryTask = {
    message: message(),
    replyToExternalId: null,
    conversation: {
      id: 'c',
      contactId: 'ct',
      channelId: CHANNEL_ID,
      status: 'open',
      teamId: null,
      assigneeId: null,
      lastMessageAt: now,
      lastInboundAt: opts.lastInboundAt === undefined ? now : opts.lastInboundAt,
      customAttributes: {},
      createdAt: now,
      updatedAt: now,
    },
    channelId: CHANNEL_ID,
    recipientExternalId: 'psid-1',
    template: opts.template ?? null,
    choices: null,
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
    renew: jest.fn(async () => []),
  };
  const outbox = {
    loadDeliveries: jest.fn(async (_t: TenantRef, ids: string[]) => new Map(ids.map((id) => [id, task]))),
    markSentMany: jest.fn(async (_t: TenantRef, sent: Array<{ messageId: string; externalId: string }>) =>
      sent.map((s) => message({ id: s.messageId, status: 'sent', externalId: s.externalId })),
    ),
    markFailed: jest.fn(async (_t: TenantRef, id: string, code: string, text: string) => message({ id, status: 'failed', errorCode: code, errorText: text })),
  };
  const conversations = { publishStatus: jest.fn(), setContactBlocked: jest.fn() };
  const channel = {
    id: CHANNEL_ID,
    kind: 'messenger',
    status: opts.channelStatus ?? 'active',
    config: { pageId: 'p1' },
    credentials: { pageAccessToken: 'EAAB-secret' },
  };
  const channels = { withCredentials: jest.fn(async () => channel), markRevoked: jest.fn() };
  const send = opts.send ?? jest.fn(async () => ({ externalId: 'mid.out.1' }));
  const adapters = { for: jest.fn(() => ({ gateway: { send }, capabilities: { replyWindow: metaMessagingWindow } })) };
  const clock = { now: () => now };
  const sender = new OutboundSender(
    dbs as never,
    queue as never,
    {} as never,
    { workersEnabled: false, workerLeaseSeconds: 10 } as never,
    outbox as never,
    conversations as never,
    channels as never,
    adapters as never,
    clock as never,
    { findMany: async () => [] } as never,
    {} as never,
    {} as never,
    { pass: async () => ({ go: true }), pause: jest.fn() } as never,
    { sends: { inc: jest.fn() } } as never,
  );
  return { run: () => sender.runBatch('eu'), job, tx, queue, outbox, conversations, channels, send };
}

type Harness = ReturnType<typeof harness>;
const failing = (err: Error) => jest.fn(async () => Promise.reject(err));

/** The message failed with `code`, its status was published, and the job ended (in one unit of work). */
function expectFailed(h: Harness, code: string, text: string) {
  expect(h.outbox.markFailed).toHaveBeenCalledWith(TENANT, MESSAGE_ID, code, text);
  expect(h.conversations.publishStatus).toHaveBeenCalledWith(TENANT, expect.objectContaining({ status: 'failed', errorCode: code }));
  expect(h.queue.complete).toHaveBeenCalledWith(h.tx, h.job);
  expect(h.queue.retryLater).not.toHaveBeenCalled();
}

/** The job was handed back for later, the message untouched. */
function expectRetried(h: Harness): number {
  expect(h.queue.retryLater).toHaveBeenCalledTimes(1);
  expect(h.outbox.markFailed).not.toHaveBeenCalled();
  expect(h.queue.complete).not.toHaveBeenCalled();
  const [region, jobId, delayMs] = h.queue.retryLater.mock.calls[0];
  expect([region, jobId]).toEqual(['eu', h.job]);
  return delayMs;
}

describe('OutboundSender: what a platform answer does', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('records the platform id of a delivered message and ends the job', async () => {
    const h = harness();
    await h.run();
    expect(h.send).toHaveBeenCalledWith(
      expect.objectContaining({ messageId: MESSAGE_ID, recipientId: 'psid-1', text: 'Your order shipped', replyMode: 'response' }),
    );
    expect(h.outbox.markSentMany).toHaveBeenCalledWith(TENANT, [{ messageId: MESSAGE_ID, externalId: 'mid.out.1' }]);
    expect(h.conversations.publishStatus).toHaveBeenCalledWith(TENANT, expect.objectContaining({ status: 'sent', externalId: 'mid.out.1' }));
    expect(h.queue.completeMany).toHaveBeenCalledWith(h.tx, [h.job]);
  });

  it('backs off after a retryable failure, exponentially', async () => {
    const h = harness({ attempts: 3, send: failing(new DeliveryFailure('retryable', '2', 'Service temporarily unavailable')) });
    await h.run();
    const delay = expectRetried(h);
    expect(delay).toBeGreaterThanOrEqual(0.8 * 8000);
    expect(delay).toBeLessThanOrEqual(1.2 * 8000);
  });

  it('waits at least as long as the platform asked (retry-after)', async () => {
    const h = harness({ attempts: 1, send: failing(new DeliveryFailure('retryable', '429', 'Too many requests', 90_000)) });
    await h.run();
    expect(expectRetried(h)).toBe(90_000);
  });

  it('fails the message with the platform code once retryable failures reach the last attempt', async () => {
    const h = harness({ attempts: MAX_SEND_ATTEMPTS, send: failing(new DeliveryFailure('retryable', '2', 'Service temporarily unavailable')) });
    await h.run();
    expectFailed(h, '2', 'Service temporarily unavailable');
  });

  it('fails the message at once on a permanent failure, with the platform code and text', async () => {
    const h = harness({ send: failing(new DeliveryFailure('permanent', '100', 'Invalid parameter')) });
    await h.run();
    expectFailed(h, '100', 'Invalid parameter');
    expect(h.channels.markRevoked).not.toHaveBeenCalled();
  });

  it('on a revoked token, disables the channel with the reason and fails the message', async () => {
    const h = harness({ send: failing(new DeliveryFailure('revoked', '190', 'Error validating access token')) });
    await h.run();
    expect(h.channels.markRevoked).toHaveBeenCalledWith(TENANT, CHANNEL_ID, '190: Error validating access token');
    expectFailed(h, '190', 'Error validating access token');
  });

  it('when the End User blocked the account, marks the contact and fails the message', async () => {
    const h = harness({ send: failing(new RecipientBlockedFailure('403', 'Forbidden: bot was blocked by the user')) });
    await h.run();
    expect(h.conversations.setContactBlocked).toHaveBeenCalledWith(TENANT, CHANNEL_ID, 'psid-1', true, now);
    expectFailed(h, '403', 'Forbidden: bot was blocked by the user');
  });

  it('retries an unexpected error as INTERNAL_ERROR, and fails with it after the last attempt', async () => {
    const early = harness({ attempts: 1, send: failing(new TypeError('cannot read properties of undefined')) });
    await early.run();
    expectRetried(early);

    const last = harness({ attempts: MAX_SEND_ATTEMPTS, send: failing(new TypeError('cannot read properties of undefined')) });
    await last.run();
    expectFailed(last, 'INTERNAL_ERROR', 'Unexpected error while sending');
  });

  it.each([
    ['revoked', 'CHANNEL_REVOKED'],
    ['disconnected', 'CHANNEL_DISCONNECTED'],
  ])('fails a message for a %s channel without calling the platform', async (status, code) => {
    const h = harness({ channelStatus: status });
    await h.run();
    expect(h.send).not.toHaveBeenCalled();
    expectFailed(h, code, `The channel is ${status}`);
  });

  it('fails free text outside the messaging window without calling the platform', async () => {
    const h = harness({ lastInboundAt: new Date(now.getTime() - 8 * 24 * 3600_000) });
    await h.run();
    expect(h.send).not.toHaveBeenCalled();
    expect(h.outbox.markFailed).toHaveBeenCalledWith(TENANT, MESSAGE_ID, 'MESSAGING_WINDOW_CLOSED', expect.any(String));
    expect(h.queue.complete).toHaveBeenCalledWith(h.tx, h.job);
  });

  it('ends the job of a message that is no longer queued, sending nothing', async () => {
    const h = harness();
    const [task] = (await h.outbox.loadDeliveries(TENANT, [MESSAGE_ID])).values();
    h.outbox.loadDeliveries.mockResolvedValue(new Map([[MESSAGE_ID, { ...task, message: message({ status: 'sent' }) }]]));
    await h.run();
    expect(h.send).not.toHaveBeenCalled();
    expect(h.outbox.markFailed).not.toHaveBeenCalled();
    expect(h.queue.complete).toHaveBeenCalledWith(h.tx, h.job);
  });
});
