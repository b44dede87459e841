import { Client } from 'pg';
import { Clock } from '../libs/domain/src';
import { OperatorsService } from '../src/tenancy/operators.service';
import { TestApp, TestTenant, regionUrl } from './support/test-app';

/** Platform staff see a tenant's data only through a live, Customer-given grant, for a stated reason, audited. */
describe('operator access', () => {
  let t: TestApp;
  let owner: TestTenant;
  let operatorToken: string;
  let conversationId: string;
  let now: Date;

  const asOperator = (method: string, url: string, headers: Record<string, string> = {}) =>
    t.request(method, url, {
      token: operatorToken,
      headers: { 'x-mm-tenant': owner.tenantId, 'x-access-reason': 'Ticket #4711', ...headers },
      body: method === 'GET' ? undefined : { status: 'resolved' },
    });

  beforeAll(async () => {
    t = await TestApp.start();
    now = new Date();
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => now);
    owner = await t.signup();
    const channel = await t.createChannel(owner);
    conversationId = (await t.inbound(owner, channel, { text: 'help me' })).conversation.id;
    await t.app.get(OperatorsService).create('staff@monkeymachine.test', 'operator password 1');
    const login = await t.request('POST', '/api/auth/operator-login', { body: { email: 'staff@monkeymachine.test', password: 'operator password 1' } });
    expect(login.status).toBe(200);
    operatorToken = login.body.accessToken;
  });
  afterAll(() => t.close());

  const auditActions = async () =>
    (await t.request('GET', '/api/audit-log', { token: owner.token })).body.items.map(
      (e: { actor: string; action: string; decision: string }) => `${e.action}:${e.decision}`,
    );

  it("without a grant the tenant's data does not exist for an operator, and the attempt is audited", async () => {
    const res = await asOperator('GET', `/api/conversations/${conversationId}`);
    expect(res.status).toBe(404);
    expect(await auditActions()).toContain('operator.get:deny');
    expect((await t.request('GET', '/api/conversations', { token: operatorToken })).status).toBe(404); // no tenant named
  });

  it("with a live grant an operator may read, stating a reason; every access is in the Customer's audit log", async () => {
    const grant = await t.request('POST', '/api/access-grants', { token: owner.token, body: { minutes: 30, reason: 'Ticket #4711: messages not arriving' } });
    expect(grant.status).toBe(201);

    const read = await asOperator('GET', `/api/conversations/${conversationId}/messages`);
    expect(read.status).toBe(200);
    expect(read.body.items[0].text).toBe('help me');
    expect((await asOperator('GET', `/api/conversations/${conversationId}`, { 'x-access-reason': '' })).status).toBe(404);
    const write = await asOperator('PATCH', `/api/conversations/${conversationId}`);
    expect(write.status).toBe(403);
    expect(write.body.code).toBe('OPERATOR_READ_ONLY');

    const log = (await t.request('GET', '/api/audit-log', { token: owner.token })).body.items;
    expect(log).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: expect.stringMatching(/^operator:/),
          action: 'operator.get',
          subject: `/api/conversations/${conversationId}/messages`,
          decision: 'allow',
          reason: expect.stringContaining('Ticket #4711'),
        }),
        expect.objectContaining({ action: 'operator.patch', decision: 'deny', reason: 'operators may only read' }),
        expect.objectContaining({ action: 'access_grant.create', actor: `user:${owner.userId}` }),
      ]),
    );

    const other = await t.signup();
    expect(
      (await t.request('GET', '/api/conversations', { token: operatorToken, headers: { 'x-mm-tenant': other.tenantId, 'x-access-reason': 'curious' } })).status,
    ).toBe(404);
  });

  it('a grant ends when it expires or is revoked', async () => {
    now = new Date(Date.now() + 31 * 60_000);
    expect((await asOperator('GET', `/api/conversations/${conversationId}`)).status).toBe(404);
    now = new Date();
    const grants = await t.request('GET', '/api/access-grants', { token: owner.token });
    expect((await asOperator('GET', `/api/conversations/${conversationId}`)).status).toBe(200);
    await t.request('DELETE', `/api/access-grants/${grants.body.items[0].id}`, { token: owner.token });
    expect((await asOperator('GET', `/api/conversations/${conversationId}`)).status).toBe(404);
  });

  it("keeps the audit log append-only, even for the app's own database role", async () => {
    const url = new URL(await regionUrl('eu'));
    url.username = process.env.MM_TEST_APP_ROLE!;
    url.password = process.env.MM_TEST_APP_PASSWORD!;
    const app = new Client({ connectionString: url.toString() });
    await app.connect();
    try {
      await app.query('begin');
      await app.query(`select set_config('app.tenant_id', $1, true)`, [owner.tenantId]);
      await expect(app.query(`update audit_log set decision = 'allow'`)).rejects.toThrow(/permission denied|append-only/);
      await app.query('rollback');
    } finally {
      await app.end();
    }
  });

  it('refuses a wrong operator password, and agents cannot grant access', async () => {
    expect((await t.request('POST', '/api/auth/operator-login', { body: { email: 'staff@monkeymachine.test', password: 'wrong password' } })).status).toBe(401);
    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('POST', '/api/access-grants', { token: agent.token, body: { minutes: 30, reason: 'let me in' } })).status).toBe(403);
  });
});
