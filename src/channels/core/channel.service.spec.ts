import { DomainError, type TenantRef, invalid } from '../../../libs/domain/src';
import type { ChannelAdapter, ConnectContext, ConnectResult } from './channel-adapter';
import { ChannelService } from './channel.service';

/**
 * The connect state machine of ChannelService with its ports mocked: validate, then identify
 * (when the kind can name its account without changing anything) or handshake, the directory
 * claim, the handshake after the claim, the insert, and every way back when a step fails.
 */
const TENANT: TenantRef = { tenantId: '00000000-0000-4000-8000-00000000000a', region: 'eu' };
const OTHER = '00000000-0000-4000-8000-00000000000b';
const OWN_CHANNEL = '00000000-0000-4000-8000-0000000000c9';

type Adapter = Pick<ChannelAdapter, 'kind' | 'validate' | 'accountGroup'> & { identify?: jest.Mock; connect?: jest.Mock; disconnect?: jest.Mock };

const row = (over: Record<string, unknown> = {}) => ({
  id: 'x',
  kind: 'somekind',
  name: 'n',
  status: 'active',
  config: {},
  credentials: 'sealed',
  routing_key: 'acct-1',
  revoked_at: null,
  revoked_reason: null,
  disconnected_at: null,
  purge_after: null,
  connected_at: new Date(),
  created_at: new Date(),
  updated_at: new Date(),
  ...over,
});

function harness(
  adapter: Adapter,
  opts: { claim?: 'ok' | 'other' | 'own'; insertFails?: boolean } = {},
): { service: ChannelService; routes: { claim: jest.Mock; release: jest.Mock }; queries: string[]; adapter: Adapter } {
  const queries: string[] = [];
  const tx = {
    query: jest.fn(async (sql: string, params: unknown[]) => {
      queries.push(sql.trim().split(/\s+/)[0]);
      if (/^\s*insert/i.test(sql)) {
        if (opts.insertFails) throw new Error('insert failed');
        return [row({ id: params[1], config: JSON.parse(String(params[4])), routing_key: params[6] })];
      }
      if (/^\s*update/i.test(sql)) return [[row({ id: params[1] })], 1];
      return [];
    }),
  };
  const dbs = {
    forTenant: jest.fn((_t: TenantRef, work: (t: unknown) => unknown) => work(tx)),
    unitOfWork: jest.fn((_t: TenantRef, work: (t: unknown) => unknown) => work(tx)),
  };
  const routes = {
    claim: jest.fn(async (_kind: string, _key: string, route: { channelId: string }) =>
      opts.claim === 'other'
        ? { claimed: false, owner: { tenantId: OTHER, region: 'eu', channelId: 'theirs' } }
        : opts.claim === 'own'
          ? { claimed: false, owner: { tenantId: TENANT.tenantId, region: 'eu', channelId: OWN_CHANNEL } }
          : { claimed: true, route },
    ),
    release: jest.fn(async () => undefined),
  };
  const secrets = { encrypt: jest.fn(() => 'sealed') };
  const events = { publish: jest.fn() };
  const adapters = { for: jest.fn(() => adapter) };
  const service = new ChannelService(dbs as never, routes as never, secrets as never, {} as never, events as never, adapters as never, {} as never);
  return { service, routes, queries, adapter };
}

const input = { kind: 'somekind' as never, name: 'Shop', config: { account: 'acct-1' }, credentials: { token: 't0ken' } };
const validate = (config: Record<string, unknown>, credentials: Record<string, unknown>) => ({
  config: { ...config },
  credentials: credentials as Record<string, string>,
  routingKey: String(config.account),
});

describe('ChannelService.connect', () => {
  it('without identify: handshakes first, claims the account, stores the channel, shows what to reveal once', async () => {
    const connect = jest.fn(async (): Promise<ConnectResult> => ({ config: { hook: 'set' }, credentials: { secret: 's' }, revealOnce: { secret: 's' } }));
    const h = harness({ kind: 'somekind' as never, validate, connect });
    const result = await h.service.connect(TENANT, input);
    expect(result.created).toBe(true);
    expect(result.revealOnce).toEqual({ secret: 's' });
    expect(result.channel.config).toEqual({ account: 'acct-1', hook: 'set' });
    expect(connect.mock.invocationCallOrder[0]).toBeLessThan(h.routes.claim.mock.invocationCallOrder[0]);
    expect(h.queries).toEqual(['insert']);
  });

  it('without identify: an account another tenant holds undoes the handshake and stores nothing', async () => {
    const connect = jest.fn(async () => ({}));
    const disconnect = jest.fn(async () => undefined);
    const h = harness({ kind: 'somekind' as never, validate, connect, disconnect }, { claim: 'other' });
    await expect(h.service.connect(TENANT, input)).rejects.toMatchObject({ code: 'CHANNEL_ALREADY_CONNECTED' });
    expect(disconnect).toHaveBeenCalledTimes(1);
    expect(h.queries).toEqual([]);
  });

  it('with identify: proves the account before the claim and handshakes only once it is claimed', async () => {
    const identify = jest.fn(async () => 'acct-1');
    const connect = jest.fn(async () => ({}));
    const h = harness({ kind: 'somekind' as never, validate, identify, connect });
    const result = await h.service.connect(TENANT, input);
    expect(result.created).toBe(true);
    expect(identify.mock.invocationCallOrder[0]).toBeLessThan(h.routes.claim.mock.invocationCallOrder[0]);
    expect(h.routes.claim.mock.invocationCallOrder[0]).toBeLessThan(connect.mock.invocationCallOrder[0]);
    expect(h.routes.claim).toHaveBeenCalledWith('somekind', 'acct-1', expect.objectContaining({ tenantId: TENANT.tenantId }), null);
  });

  it('claims the account with the business account it belongs to, when the kind names one', async () => {
    const h = harness({
      kind: 'somekind' as never,
      validate,
      identify: jest.fn(async () => 'acct-1'),
      accountGroup: (config) => `group-of-${String(config.a)}`,
    });
    await h.service.connect(TENANT, { ...input, config: { a: 'x' } });
    expect(h.routes.claim).toHaveBeenCalledWith('somekind', 'acct-1', expect.objectContaining({ tenantId: TENANT.tenantId }), 'group-of-x');
  });

  it('with identify: an account another tenant holds is refused without touching the platform', async () => {
    const connect = jest.fn(async () => ({}));
    const disconnect = jest.fn(async () => undefined);
    const h = harness({ kind: 'somekind' as never, validate, identify: jest.fn(async () => 'acct-1'), connect, disconnect }, { claim: 'other' });
    await expect(h.service.connect(TENANT, input)).rejects.toMatchObject({ code: 'CHANNEL_ALREADY_CONNECTED' });
    expect(connect).not.toHaveBeenCalled();
    expect(disconnect).not.toHaveBeenCalled();
    expect(h.queries).toEqual([]);
  });

  it('an account this tenant already has is reconnected in place (200, same channel)', async () => {
    const connect = jest.fn(async (_ctx: ConnectContext) => ({}));
    const h = harness({ kind: 'somekind' as never, validate, identify: jest.fn(async () => 'acct-1'), connect }, { claim: 'own' });
    const result = await h.service.connect(TENANT, input);
    expect(result.created).toBe(false);
    expect(result.channel.id).toBe(OWN_CHANNEL);
    expect(connect).toHaveBeenCalledWith(expect.objectContaining({ channelId: OWN_CHANNEL }));
    expect(h.queries).toEqual(['update']);
  });

  it('a failed insert gives the account back and undoes the handshake', async () => {
    const disconnect = jest.fn(async () => undefined);
    const h = harness(
      { kind: 'somekind' as never, validate, identify: jest.fn(async () => 'acct-1'), connect: jest.fn(async () => ({})), disconnect },
      { insertFails: true },
    );
    await expect(h.service.connect(TENANT, input)).rejects.toThrow('insert failed');
    expect(h.routes.release).toHaveBeenCalledWith('somekind', 'acct-1', expect.any(String));
    expect(disconnect).toHaveBeenCalledTimes(1);
  });

  it('a handshake that fails after the claim gives the account back, with nothing to undo', async () => {
    const disconnect = jest.fn(async () => undefined);
    const refused = invalid('META_TOKEN_INVALID', 'no');
    const h = harness({
      kind: 'somekind' as never,
      validate,
      identify: jest.fn(async () => 'acct-1'),
      connect: jest.fn(async () => Promise.reject(refused)),
      disconnect,
    });
    await expect(h.service.connect(TENANT, input)).rejects.toBe(refused);
    expect(h.routes.release).toHaveBeenCalledTimes(1);
    expect(disconnect).not.toHaveBeenCalled();
    expect(h.queries).toEqual([]);
  });

  it('credentials the platform refuses (identify) claim nothing', async () => {
    const h = harness({
      kind: 'somekind' as never,
      validate,
      identify: jest.fn(async () => Promise.reject(new DomainError('invalid', 'TELEGRAM_TOKEN_INVALID', 'no'))),
    });
    await expect(h.service.connect(TENANT, input)).rejects.toMatchObject({ code: 'TELEGRAM_TOKEN_INVALID' });
    expect(h.routes.claim).not.toHaveBeenCalled();
  });

  it('invalid input stops before any platform call', async () => {
    const identify = jest.fn(async () => 'acct-1');
    const h = harness({
      kind: 'somekind' as never,
      validate: () => {
        throw invalid('VALIDATION_FAILED', 'config.account is missing or malformed');
      },
      identify,
    });
    await expect(h.service.connect(TENANT, input)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(identify).not.toHaveBeenCalled();
    expect(h.routes.claim).not.toHaveBeenCalled();
  });
});
