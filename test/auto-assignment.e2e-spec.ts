import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { AssignmentJob } from '../src/assignment/assignment.job';
import { AutoAssigner } from '../src/assignment/auto-assigner.service';
import { SseReader } from './support/sse-reader';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Availability and automatic assignment: agents say whether they are online; a team's policy
 * (round robin, least loaded, with a capacity per agent) gives each new or reopened conversation
 * to an eligible online member at once, or keeps it in the team queue until one is free. Two app
 * instances on one database never give an agent more than their capacity nor a conversation twice.
 */
describe('availability and automatic assignment', () => {
  let t: TestApp;
  let db: Client;
  beforeAll(async () => {
    t = await TestApp.start();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const settle = (app: TestApp = t) => app.app.get(AutoAssigner).settled();
  const online = async (...who: TestTenant[]) => {
    for (const w of who) expect((await call(w, 'PUT', '/api/agents/me/availability', { availability: 'online' })).status).toBe(200);
    await settle();
  };
  const assigneeOf = async (who: TestTenant, id: string) => (await call(who, 'GET', `/api/conversations/${id}`)).body.assigneeId;

  /** An organization with agents in one team, its channel routed to it, under `policy`. */
  async function team(policy: 'round_robin' | 'least_loaded', agentCapacity: number | null, agents = 2) {
    const owner = await t.signup();
    const members: TestTenant[] = [];
    for (let i = 0; i < agents; i++) members.push(await t.addUser(owner, 'agent'));
    const channelId = await t.createChannel(owner);
    const created = await call(owner, 'POST', '/api/teams', {
      name: 'Support',
      assignmentPolicy: policy,
      agentCapacity,
      memberIds: members.map((m) => m.userId),
      channelIds: [channelId],
    });
    expect(created.status).toBe(201);
    return { owner, members, channelId, teamId: created.body.id as string };
  }
  const arrive = async (owner: TestTenant, channelId: string, app: TestApp = t) => (await app.inbound(owner, channelId)).conversation.id;

  it('agents set their availability; everyone sees who is online and how much each holds', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const set = await call(agent, 'PUT', '/api/agents/me/availability', { availability: 'away' });
    expect(set.body).toEqual({ userId: agent.userId, availability: 'away', availabilityAt: expect.any(String), openConversations: 0 });
    expect((await call(agent, 'PUT', '/api/agents/me/availability', { availability: 'busy' })).body.code).toBe('VALIDATION_FAILED');
    const listed = await call(agent, 'GET', '/api/agents');
    expect(listed.body.items).toEqual([
      { userId: owner.userId, availability: 'offline', availabilityAt: null, openConversations: 0 },
      { userId: agent.userId, availability: 'away', availabilityAt: expect.any(String), openConversations: 0 },
    ]);
    const other = await t.signup();
    expect((await call(other, 'GET', '/api/agents')).body.items.map((a: { userId: string }) => a.userId)).toEqual([other.userId]);
  });

  it("a team's policy and capacity are set by owners and admins, validated, and manual by default", async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const created = await call(owner, 'POST', '/api/teams', { name: 'Sales' });
    expect(created.body).toMatchObject({ assignmentPolicy: 'manual', agentCapacity: null });
    const id = created.body.id;
    expect((await call(owner, 'PATCH', `/api/teams/${id}`, { assignmentPolicy: 'least_loaded', agentCapacity: 3 })).body).toMatchObject({
      assignmentPolicy: 'least_loaded',
      agentCapacity: 3,
    });
    expect((await call(owner, 'PATCH', `/api/teams/${id}`, { agentCapacity: null })).body.agentCapacity).toBeNull();
    for (const bad of [{ assignmentPolicy: 'random' }, { agentCapacity: 0 }, { agentCapacity: 1.5 }, { agentCapacity: 1001 }])
      expect((await call(owner, 'PATCH', `/api/teams/${id}`, bad)).body.code).toBe('VALIDATION_FAILED');
    expect((await call(agent, 'PATCH', `/api/teams/${id}`, { assignmentPolicy: 'round_robin' })).body.code).toBe('ROLE_REQUIRED');
  });

  it('least loaded within capacity: the rest waits in the queue and goes to the first agent who is free', async () => {
    const { owner, members, channelId } = await team('least_loaded', 2);
    const [ann, bob] = members;
    await online(ann);
    // Nobody else is online: ann takes two, the third waits.
    const first = [await arrive(owner, channelId), await arrive(owner, channelId), await arrive(owner, channelId)];
    await settle();
    expect(await Promise.all(first.map((id) => assigneeOf(owner, id)))).toEqual([ann.userId, ann.userId, null]);
    // Bob comes online: the waiting one is his at once.
    await online(bob);
    expect(await assigneeOf(owner, first[2])).toBe(bob.userId);
    // Both full now (2 + 1, then 2 + 2): the next goes to bob, the one after waits.
    const more = [await arrive(owner, channelId), await arrive(owner, channelId)];
    await settle();
    expect(await Promise.all(more.map((id) => assigneeOf(owner, id)))).toEqual([bob.userId, null]);
    // Ann resolves one: she takes the waiting one.
    expect((await call(ann, 'PATCH', `/api/conversations/${first[0]}`, { status: 'resolved' })).status).toBe(200);
    await settle();
    expect(await assigneeOf(owner, more[1])).toBe(ann.userId);
    const agents = (await call(owner, 'GET', '/api/agents')).body.items;
    expect(agents.find((a: { userId: string }) => a.userId === ann.userId).openConversations).toBe(2);
    // The assignee is told, as when a person assigns.
    const notes = await call(bob, 'GET', '/api/notifications');
    expect(notes.body.items.filter((n: { kind: string }) => n.kind === 'conversation.assigned').length).toBe(2);
  });

  it('round robin takes turns among online members, passes by away and offline ones, and picks up reopened conversations', async () => {
    const { owner, members, channelId } = await team('round_robin', null, 3);
    const [ann, bob, cat] = members;
    await online(ann, bob);
    await call(cat, 'PUT', '/api/agents/me/availability', { availability: 'away' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push(await arrive(owner, channelId));
      await settle();
    }
    const got = await Promise.all(ids.map((id) => assigneeOf(owner, id)));
    expect(new Set(got.slice(0, 2))).toEqual(new Set([ann.userId, bob.userId]));
    expect(got.slice(2)).toEqual(got.slice(0, 2));

    // Unassigned and resolved, then the contact writes again: it reopens and is assigned again.
    const contactId = `psid-returning`;
    const firstTime = (await t.inbound(owner, channelId, { externalContactId: contactId })).conversation.id;
    await settle();
    await call(owner, 'PATCH', `/api/conversations/${firstTime}`, { status: 'resolved', assigneeId: null });
    await settle();
    const again = (await t.inbound(owner, channelId, { externalContactId: contactId })).conversation.id;
    await settle();
    expect([ann.userId, bob.userId]).toContain(await assigneeOf(owner, again));
  });

  it('50 conversations arriving at once through two app instances are spread within capacities, none assigned twice', async () => {
    const second = await TestApp.start();
    try {
      const { owner, members, channelId, teamId } = await team('least_loaded', 12, 4);
      await online(...members);
      const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => arrive(owner, channelId, i % 2 ? second : t)));
      await Promise.all([settle(t), settle(second)]);

      const { rows } = await db.query(`select assignee_id, count(*)::int as n from conversations where tenant_id = $1 and id = any($2) group by 1`, [
        owner.tenantId,
        ids,
      ]);
      const counts = Object.fromEntries(rows.map((r) => [r.assignee_id ?? 'waiting', r.n]));
      expect(counts).toEqual({ ...Object.fromEntries(members.map((m) => [m.userId, 12])), waiting: 2 });
      const told = await db.query(
        `select conversation_id, count(*)::int as n from notifications where tenant_id = $1 and kind = 'conversation.assigned' group by 1 having count(*) > 1`,
        [owner.tenantId],
      );
      expect(told.rows).toEqual([]);
      expect(
        (await db.query(`select count(*)::int as n from notifications where tenant_id = $1 and kind = 'conversation.assigned'`, [owner.tenantId])).rows[0].n,
      ).toBe(48);
      // The two waiting ones stay in the team's queue, visible as such.
      const queue = await call(owner, 'GET', `/api/conversations?teamId=${teamId}&assignee=unassigned`);
      expect(queue.body.items.length).toBe(2);
    } finally {
      await second.close();
    }
  });

  it('an agent without an open dashboard for five minutes goes offline by itself; one with a live stream stays online', async () => {
    const owner = await t.signup();
    const [ann, bob] = [await t.addUser(owner, 'agent'), await t.addUser(owner, 'agent')];
    await online(ann, bob);
    await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const stream = await SseReader.open(`${base}/api/events`, { authorization: `Bearer ${bob.token}` });
    try {
      expect(stream.status).toBe(200);
      // Both set their status long ago; only bob's dashboard is open now.
      await db.query(`update users set availability_at = now() - interval '10 minutes' where tenant_id = $1`, [owner.tenantId]);
      await t.app.get(AssignmentJob).run();
      const states = Object.fromEntries(
        (await call(owner, 'GET', '/api/agents')).body.items.map((a: { userId: string; availability: string }) => [a.userId, a.availability]),
      );
      expect([states[ann.userId], states[bob.userId]]).toEqual(['offline', 'online']);
    } finally {
      stream.close();
    }
  });
});
