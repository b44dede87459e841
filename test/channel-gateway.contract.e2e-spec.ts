import { ChannelGateway, DeliveryFailure, OutboundDelivery } from '../libs/domain/src';
import { GraphClient } from '../src/channels/meta/graph-client';
import { MessengerGateway } from '../src/channels/messenger/messenger.gateway';
import { WhatsAppGateway } from '../src/channels/whatsapp/whatsapp.gateway';
import { FakeGraphServer } from './fakes/fake-graph.server';

/**
 * The contract every ChannelGateway keeps, whatever the platform: a receipt with the platform's
 * id on success, and each failure sorted into retryable / permanent / revoked with the platform's
 * own code, never with a credential in the message. A new channel adds a fixture here.
 */
interface GatewayFixture {
  name: string;
  /** A gateway talking to `baseUrl`, and a delivery for the account it serves. */
  make(baseUrl: string): { gateway: ChannelGateway; delivery: OutboundDelivery; token: string; accountId: string };
  /** Platform-specific error bodies for each class. */
  errors: { throttled: Record<string, unknown>; permanent: Record<string, unknown> };
}

const TOKEN = 'contract-secret-token-0001';

const fixtures: GatewayFixture[] = [
  {
    name: 'messenger',
    make: (url) => ({
      gateway: new MessengerGateway(new GraphClient(url, 2000)),
      delivery: { channel: { id: 'c1', kind: 'messenger', config: { pageId: '100' }, credentials: { pageAccessToken: TOKEN } }, recipientId: 'psid-1', text: 'hi', replyMode: 'response' },
      token: TOKEN,
      accountId: '100',
    }),
    errors: { throttled: { code: 613, message: 'Calls to this API have exceeded the rate limit.' }, permanent: { code: 551, message: 'This person isn\'t available right now.' } },
  },
  {
    name: 'instagram',
    make: (url) => ({
      gateway: new MessengerGateway(new GraphClient(url, 2000)),
      delivery: { channel: { id: 'c2', kind: 'instagram', config: { igAccountId: '200' }, credentials: { accessToken: TOKEN } }, recipientId: 'igsid-1', text: 'hi', replyMode: 'human_agent' },
      token: TOKEN,
      accountId: '200',
    }),
    errors: { throttled: { code: 4, message: 'Application request limit reached' }, permanent: { code: 100, message: 'Invalid parameter' } },
  },
  {
    name: 'whatsapp',
    make: (url) => ({
      gateway: new WhatsAppGateway(new GraphClient(url, 2000)),
      delivery: { channel: { id: 'c3', kind: 'whatsapp', config: { phoneNumberId: '300', wabaId: '301' }, credentials: { accessToken: TOKEN } }, recipientId: '34600111222', text: 'hi', replyMode: 'standard' },
      token: TOKEN,
      accountId: '300',
    }),
    errors: { throttled: { code: 130429, message: 'Rate limit hit' }, permanent: { code: 131026, message: 'Message undeliverable' } },
  },
];

async function failureOf(p: Promise<unknown>): Promise<DeliveryFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryFailure);
    expect((err as Error).message).not.toContain(TOKEN);
    return err as DeliveryFailure;
  }
  throw new Error('expected a DeliveryFailure');
}

describe.each(fixtures)('ChannelGateway contract: $name', (fixture) => {
  let graph: FakeGraphServer;
  let ctx: ReturnType<GatewayFixture['make']>;
  const path = () => `/${ctx.accountId}/messages`;

  beforeEach(async () => {
    graph = await new FakeGraphServer().start();
    ctx = fixture.make(graph.url);
    graph.account(ctx.accountId, ctx.token);
  });
  afterEach(() => graph.stop());

  it('delivers and returns the platform message id, authenticating in the header only', async () => {
    const receipt = await ctx.gateway.send(ctx.delivery);
    expect(receipt.externalId).toMatch(/^(m_|wamid\.)fake\d+$/);
    expect(graph.calls).toHaveLength(1);
    expect(graph.calls[0]).toMatchObject({ method: 'POST', path: path(), authorization: `Bearer ${ctx.token}` });
    expect(JSON.stringify(graph.calls[0].body)).not.toContain(ctx.token);
  });

  it('reports a rejected token as revoked', async () => {
    graph.account(ctx.accountId, 'the-platform-now-wants-another-token');
    const f = await failureOf(ctx.gateway.send(ctx.delivery));
    expect(f).toMatchObject({ kind: 'revoked', platformCode: expect.stringMatching(/^190/) });
  });

  it('reports throttling as retryable and passes on retry-after', async () => {
    graph.failNext(path(), 429, fixture.errors.throttled, { 'retry-after': '17' });
    const f = await failureOf(ctx.gateway.send(ctx.delivery));
    expect(f).toMatchObject({ kind: 'retryable', platformCode: String(fixture.errors.throttled.code), retryAfterMs: 17_000 });
  });

  it('reports a platform outage as retryable', async () => {
    graph.failNext(path(), 503, { message: 'Service temporarily unavailable' });
    expect((await failureOf(ctx.gateway.send(ctx.delivery))).kind).toBe('retryable');
  });

  it('reports a refusal as permanent, with the platform\'s code and text', async () => {
    graph.failNext(path(), 400, fixture.errors.permanent);
    const f = await failureOf(ctx.gateway.send(ctx.delivery));
    expect(f).toMatchObject({ kind: 'permanent', platformCode: String(fixture.errors.permanent.code), platformText: fixture.errors.permanent.message });
  });

  it('reports an unreachable platform as retryable', async () => {
    await graph.stop();
    expect((await failureOf(ctx.gateway.send(ctx.delivery))).kind).toBe('retryable');
    graph = await new FakeGraphServer().start(); // for afterEach
  });
});
