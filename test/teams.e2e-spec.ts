import { randomUUID } from 'node:crypto';
import { tokenOf, waitForMails } from './support/mailbox';
import { TestApp, TestTenant } from './support/test-app';

/**
 * Teams over REST: owners and admins shape them, everyone reads them; a channel routes its new
 * conversations to a team; with restricted visibility an agent sees only their teams'
 * conversations and those assigned to them, and every other one answers 404 exactly like another
 * organization's.
 */
describe('teams and visibility', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });

  it('owners and admins create, rename, staff and delete teams; agents only read them; other organizations get 404', async () => {
    const owner = await t.signup();
    const admin = await t.addUser(owner, 'admin');
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);

    const created = await call(owner, 'POST', '/api/teams', { name: '  Billing ', memberIds: [agent.userId], channelIds: [channelId] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      name: 'Billing',
      assignmentPolicy: 'manual',
      agentCapacity: null,
      memberIds: [agent.userId],
      channelIds: [channelId],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const team = created.body.id;
    expect((await call(admin, 'POST', '/api/teams', { name: 'BILLING' })).body).toMatchObject({ statusCode: 409, code: 'TEAM_NAME_TAKEN' });
    expect((await call(owner, 'POST', '/api/teams', { name: 'x', memberIds: [randomUUID()] })).body).toMatchObject({
      statusCode: 400,
      code: 'TEAM_MEMBER_INVALID',
    });
    expect((await call(owner, 'POST', '/api/teams', { name: 'x', channelIds: [randomUUID()] })).body).toMatchObject({
      statusCode: 400,
      code: 'CHANNEL_NOT_FOUND',
    });
    expect((await call(owner, 'POST', '/api/teams', { name: '   ' })).body.code).toBe('VALIDATION_FAILED');
    expect((await call(owner, 'POST', '/api/teams', { name: 'x', memberIds: ['not-a-uuid'] })).body.code).toBe('VALIDATION_FAILED');

    // A channel routes to one team: naming it for another moves it.
    const support = await call(admin, 'POST', '/api/teams', { name: 'Support', channelIds: [channelId] });
    expect(support.body.channelIds).toEqual([channelId]);
    expect((await call(owner, 'GET', `/api/teams/${team}`)).body.channelIds).toEqual([]);

    for (const [method, url, body] of [
      ['POST', '/api/teams', { name: 'Mine' }],
      ['PATCH', `/api/teams/${team}`, { name: 'Mine' }],
      ['DELETE', `/api/teams/${team}`, undefined],
      ['POST', `/api/teams/${team}/members`, { userId: agent.userId }],
      ['DELETE', `/api/teams/${team}/members/${agent.userId}`, undefined],
      ['PUT', '/api/settings/visibility', { restricted: true }],
    ] as const)
      expect([method, url, (await call(agent, method, url, body)).body.code]).toEqual([method, url, 'ROLE_REQUIRED']);
    const listed = await call(agent, 'GET', '/api/teams');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((x: { name: string }) => x.name)).toEqual(['Billing', 'Support']);

    const renamed = await call(admin, 'PATCH', `/api/teams/${team}`, { name: 'Payments', memberIds: [admin.userId, agent.userId] });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Payments');
    expect(renamed.body.memberIds.sort()).toEqual([admin.userId, agent.userId].sort());
    expect((await call(owner, 'PATCH', `/api/teams/${team}`, { name: 'support' })).body.code).toBe('TEAM_NAME_TAKEN');
    expect((await call(owner, 'PATCH', `/api/teams/${team}`, {})).body.code).toBe('EMPTY_PATCH');
    expect((await call(owner, 'DELETE', `/api/teams/${team}/members/${admin.userId}`)).status).toBe(204);
    expect((await call(owner, 'DELETE', `/api/teams/${team}/members/${admin.userId}`)).body.code).toBe('USER_NOT_FOUND');
    const added = await call(owner, 'POST', `/api/teams/${team}/members`, { userId: owner.userId });
    expect([added.status, added.body.memberIds.sort()]).toEqual([200, [owner.userId, agent.userId].sort()]);

    // Another organization: its owner cannot tell these teams from missing ones, nor use its own users here.
    const other = await t.signup();
    for (const [method, url, body] of [
      ['GET', `/api/teams/${team}`, undefined],
      ['PATCH', `/api/teams/${team}`, { name: 'Stolen' }],
      ['DELETE', `/api/teams/${team}`, undefined],
      ['POST', `/api/teams/${team}/members`, { userId: other.userId }],
      ['DELETE', `/api/teams/${team}/members/${agent.userId}`, undefined],
    ] as const)
      expect([method, url, (await call(other, method, url, body)).body.code]).toEqual([method, url, 'TEAM_NOT_FOUND']);
    expect((await call(other, 'GET', '/api/teams')).body.items).toEqual([]);
    expect((await call(owner, 'POST', `/api/teams/${team}/members`, { userId: other.userId })).body.code).toBe('TEAM_MEMBER_INVALID');

    expect((await call(owner, 'DELETE', `/api/teams/${team}`)).status).toBe(204);
    expect((await call(owner, 'GET', `/api/teams/${team}`)).body.code).toBe('TEAM_NOT_FOUND');
    expect((await call(owner, 'DELETE', `/api/teams/${team}`)).body.code).toBe('TEAM_NOT_FOUND');
  });

  /** Two teams, each with an agent and a channel routed to it, and a conversation on each channel. */
  async function twoTeams() {
    const owner = await t.signup();
    const admin = await t.addUser(owner, 'admin');
    const sales = await t.addUser(owner, 'agent');
    const billing = await t.addUser(owner, 'agent');
    const salesChannel = await t.createChannel(owner);
    const billingChannel = await t.createChannel(owner);
    const salesTeam = (await call(owner, 'POST', '/api/teams', { name: 'Sales', memberIds: [sales.userId], channelIds: [salesChannel] })).body.id;
    const billingTeam = (await call(owner, 'POST', '/api/teams', { name: 'Billing', memberIds: [billing.userId], channelIds: [billingChannel] })).body.id;
    const lead = (await t.inbound(owner, salesChannel, { contactName: 'Lead', text: 'pricing for zebras?' })).conversation.id;
    const invoice = (await t.inbound(owner, billingChannel, { contactName: 'Payer', text: 'invoice for zebras' })).conversation.id;
    return { owner, admin, sales, billing, salesTeam, billingTeam, lead, invoice };
  }

  const listed = async (who: TestTenant, query = '') => {
    const res = await call(who, 'GET', `/api/conversations${query}`);
    expect(res.status).toBe(200);
    return res.body.items.map((c: { id: string }) => c.id).sort();
  };

  it("a channel's new conversations join its team; a conversation moves between teams by PATCH", async () => {
    const { owner, sales, salesTeam, billingTeam, lead, invoice } = await twoTeams();
    expect((await call(owner, 'GET', `/api/conversations/${lead}`)).body.teamId).toBe(salesTeam);
    expect((await call(owner, 'GET', `/api/conversations/${invoice}`)).body.teamId).toBe(billingTeam);
    expect(await listed(owner, `?teamId=${billingTeam}`)).toEqual([invoice]);

    const moved = await call(sales, 'PATCH', `/api/conversations/${lead}`, { teamId: billingTeam });
    expect([moved.status, moved.body.teamId]).toEqual([200, billingTeam]);
    expect((await call(owner, 'PATCH', `/api/conversations/${lead}`, { teamId: randomUUID() })).body.code).toBe('TEAM_NOT_FOUND');
    const other = await t.signup();
    const foreignTeam = (await call(other, 'POST', '/api/teams', { name: 'Theirs' })).body.id;
    expect((await call(owner, 'PATCH', `/api/conversations/${lead}`, { teamId: foreignTeam })).body.code).toBe('TEAM_NOT_FOUND');
    expect((await call(owner, 'PATCH', `/api/conversations/${lead}`, { teamId: null })).body.teamId).toBeNull();
  });

  it("restricted visibility: an agent sees their teams' conversations and their own; another team's answers 404 like another organization's", async () => {
    const { owner, admin, sales, billing, lead, invoice } = await twoTeams();
    expect((await call(sales, 'GET', '/api/settings/visibility')).body).toEqual({ restricted: false });
    expect(await listed(sales)).toEqual([lead, invoice].sort());

    expect((await call(admin, 'PUT', '/api/settings/visibility', { restricted: true })).body).toEqual({ restricted: true });
    expect(await listed(sales)).toEqual([lead]);
    expect(await listed(billing)).toEqual([invoice]);
    expect(await listed(owner)).toEqual([lead, invoice].sort());
    expect(await listed(admin)).toEqual([lead, invoice].sort());
    expect((await call(sales, 'GET', '/api/conversations/counts')).body.all).toBe(1);

    const hidden = [
      ['GET', `/api/conversations/${invoice}`, undefined],
      ['PATCH', `/api/conversations/${invoice}`, { status: 'resolved' }],
      ['GET', `/api/conversations/${invoice}/messages`, undefined],
      ['POST', `/api/conversations/${invoice}/messages`, { text: 'hi' }],
      ['GET', `/api/conversations/${invoice}/notes`, undefined],
      ['POST', `/api/conversations/${invoice}/notes`, { text: 'psst' }],
      ['POST', `/api/conversations/${invoice}/read`, {}],
      ['PUT', `/api/conversations/${invoice}/labels`, { labelIds: [] }],
    ] as const;
    const foreign = await t.signup();
    for (const [method, url, body] of hidden) {
      const mine = await call(sales, method, url, body);
      const theirs = await call(foreign, method, url, body);
      expect([method, url, mine.status, mine.body.code]).toEqual([method, url, 404, 'CONVERSATION_NOT_FOUND']);
      expect([mine.status, mine.body.code]).toEqual([theirs.status, theirs.body.code]);
    }
    const bulk = await call(sales, 'POST', '/api/conversations/bulk', { ids: [lead, invoice], set: { priority: 'high' } });
    expect(bulk.body).toEqual({ updated: [lead], notFound: [invoice] });
    const search = await call(sales, 'GET', '/api/search?q=zebras&type=messages');
    expect(search.body.items.map((i: { conversationId: string }) => i.conversationId)).toEqual([lead]);
    const convSearch = await call(sales, 'GET', '/api/search?q=zebras&type=conversations');
    expect(convSearch.body.items.map((i: { id: string }) => i.id)).toEqual([lead]);

    // Assigned to them, it is theirs to see whatever its team.
    expect((await call(owner, 'PATCH', `/api/conversations/${invoice}`, { assigneeId: sales.userId })).status).toBe(200);
    expect(await listed(sales)).toEqual([lead, invoice].sort());
    expect((await call(sales, 'GET', `/api/conversations/${invoice}/messages`)).status).toBe(200);
    // Handing it on to its team's agent takes it out of sight; the answer still shows the outcome.
    const handed = await call(sales, 'PATCH', `/api/conversations/${invoice}`, { assigneeId: billing.userId });
    expect([handed.status, handed.body.assigneeId]).toEqual([200, billing.userId]);
    expect((await call(sales, 'GET', `/api/conversations/${invoice}`)).status).toBe(404);

    // Joining the team shows its queue; turning the setting off shows everything again.
    const salesTeamOfBilling = (await call(owner, 'GET', '/api/teams')).body.items.find((x: { name: string }) => x.name === 'Billing').id;
    await call(owner, 'POST', `/api/teams/${salesTeamOfBilling}/members`, { userId: sales.userId });
    expect(await listed(sales)).toEqual([lead, invoice].sort());
    await call(owner, 'DELETE', `/api/teams/${salesTeamOfBilling}/members/${sales.userId}`);
    expect(await listed(sales)).toEqual([lead]);
    await call(owner, 'PUT', '/api/settings/visibility', { restricted: false });
    expect(await listed(billing)).toEqual([lead, invoice].sort());
  });

  it('an invitation names teams: the invited user joins them on accepting; unknown teams are refused', async () => {
    const owner = await t.signup();
    const team = (await call(owner, 'POST', '/api/teams', { name: 'Night shift' })).body.id;
    const other = await t.signup();
    const foreignTeam = (await call(other, 'POST', '/api/teams', { name: 'Theirs' })).body.id;
    const email = `invited-${randomUUID()}@example.test`;
    expect((await call(owner, 'POST', '/api/users/invitations', { email, role: 'agent', teamIds: [foreignTeam] })).body.code).toBe('TEAM_NOT_FOUND');
    expect((await call(owner, 'POST', '/api/users/invitations', { email, role: 'agent', teamIds: [team] })).status).toBe(201);
    const [mail] = await waitForMails(t.config.dataDir, email);
    const accepted = await t.request('POST', '/api/auth/invitations/accept', {
      body: { token: tokenOf(mail.link), displayName: 'Night Owl', password: 'the agent passphrase' },
    });
    expect(accepted.status).toBe(201);
    expect((await call(owner, 'GET', `/api/teams/${team}`)).body.memberIds).toEqual([accepted.body.user.id]);
  });
});
