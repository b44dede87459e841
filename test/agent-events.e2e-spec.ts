import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { DomainEvents } from '../src/common/domain-events.service';
import { EventReplay, REPLAY_PER_TENANT } from '../src/events/event-replay.service';
import { MAX_STREAMS_PER_USER } from '../src/events/agent-events.controller';
import { SseReader } from './support/sse-reader';
import { TestApp, TestTenant } from './support/test-app';

/** GET /api/events: each organization's live events, resumable with Last-Event-ID. */

/** A notification as the stream carries it (an event published here must still be a documented AgentEvent). */
const notice = (message: string, kind = 'conversation.message') => ({
  id: randomUUID(),
  kind,
  userId: null,
  channelId: null,
  conversationId: null,
  actorId: null,
  message,
  createdAt: new Date(),
  readAt: null,
});

describe('Agent event stream', () => {
  let t: TestApp;
  let base: string;
  let a: TestTenant;
  let b: TestTenant;
  let channelA: string;
  let channelB: string;
  const open: SseReader[] = [];

  const stream = async (headers: Record<string, string>, query = '') => {
    const r = await SseReader.open(`${base}/api/events${query}`, headers);
    open.push(r);
    return r;
  };
  const as = (tenant: TestTenant, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${tenant.token}`, ...extra });

  beforeAll(async () => {
    t = await TestApp.start();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    a = await t.signup();
    b = await t.signup();
    channelA = await t.createChannel(a);
    channelB = await t.createChannel(b);
  });
  afterEach(() => open.splice(0).forEach((r) => r.close()));
  afterAll(() => t.close());

  it('needs a valid bearer token', async () => {
    const none = await stream({});
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body!).code).toBe('UNAUTHENTICATED');
    const forged = await stream({ authorization: `Bearer ${a.token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);
  });

  it("streams the organization's events with an id each, and never another organization's", async () => {
    const sa = await stream(as(a));
    const sb = await stream(as(b));
    expect(sa.status).toBe(200);
    expect(sa.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(sa.headers.get('cache-control')).toContain('no-store');

    const inA = await t.inbound(a, channelA, { text: 'only for A' });
    const inB = await t.inbound(b, channelB, { text: 'only for B' });

    const created = await sa.next((f) => f.event === 'message.created');
    expect(created.id).toMatch(/^[0-9a-f]{8}-\d+$/);
    expect(created.data).toMatchObject({
      id: created.id,
      type: 'message.created',
      data: { conversationId: inA.conversation.id, messageId: inA.message.id, direction: 'inbound' },
    });
    expect((await sa.next((f) => f.event === 'conversation.updated')).data.data).toMatchObject({ id: inA.conversation.id });
    expect((await sb.next((f) => f.event === 'message.created')).data.data.messageId).toBe(inB.message.id);

    const seenByA = JSON.stringify(await sa.pending());
    const seenByB = JSON.stringify(await sb.pending());
    expect(seenByA).not.toContain(inB.conversation.id);
    expect(seenByB).not.toContain(inA.conversation.id);
  });

  it('carries every kind of event an agent needs (status, notification, channel)', async () => {
    const sa = await stream(as(a));
    const conv = (await t.inbound(a, channelA)).conversation;
    const reply = await t.request('POST', `/api/conversations/${conv.id}/messages`, { token: a.token, body: { text: 'hello' } });
    expect((await sa.next((f) => f.event === 'message.created' && f.data.data.direction === 'outbound')).data.data.messageId).toBe(reply.body.id);
    const events = t.app.get(DomainEvents);
    events.publish({ tenantId: a.tenantId, region: a.region, type: 'notification.created', data: notice('the token was revoked', 'channel.revoked') });
    events.publish({ tenantId: a.tenantId, region: a.region, type: 'channel.updated', data: { id: channelA, status: 'revoked' } });
    events.publish({
      tenantId: a.tenantId,
      region: a.region,
      type: 'message.status',
      data: { conversationId: conv.id, messageId: reply.body.id, status: 'sent', error: null },
    });
    expect((await sa.next((f) => f.event === 'notification.created')).data.data.kind).toBe('channel.revoked');
    expect((await sa.next((f) => f.event === 'channel.updated')).data.data.status).toBe('revoked');
    expect((await sa.next((f) => f.event === 'message.status')).data.data.status).toBe('sent');
  });

  it('accepts ?access_token= for EventSource, which cannot send headers', async () => {
    const s = await stream({}, `?access_token=${encodeURIComponent(a.token)}`);
    expect(s.status).toBe(200);
    const m = await t.inbound(a, channelA);
    expect((await s.next((f) => f.event === 'message.created')).data.data.messageId).toBe(m.message.id);
    expect((await stream({}, '?access_token=nope')).status).toBe(401);
  });

  it('resumes after Last-Event-ID with exactly the missed events, in order, then goes on live', async () => {
    const first = await stream(as(a));
    await t.inbound(a, channelA, { text: 'seen' });
    const seen = await first.next((f) => f.event === 'conversation.updated');
    first.close();

    const missed = [await t.inbound(a, channelA, { text: 'missed 1' }), await t.inbound(a, channelA, { text: 'missed 2' })];
    await t.inbound(b, channelB, { text: "not A's business" });

    const resumed = await stream(as(a, { 'last-event-id': seen.id! }));
    const replayed = await resumed.pending();
    expect(replayed.filter((f) => f.event === 'message.created').map((f) => f.data.data.messageId)).toEqual(missed.map((m) => m.message.id));
    expect(replayed.every((f) => f.data.type !== 'reset')).toBe(true);
    const ids = replayed.map((f) => Number(f.id!.split('-')[1]));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(ids[0]).toBeGreaterThan(Number(seen.id!.split('-')[1]));

    const live = await t.inbound(a, channelA, { text: 'live' });
    expect((await resumed.next((f) => f.event === 'message.created' && f.data.data.messageId === live.message.id)).id).toBeDefined();

    // The same through the query parameter, for clients that cannot set the header.
    const viaQuery = await stream(as(a), `?lastEventId=${encodeURIComponent(seen.id!)}`);
    expect((await viaQuery.pending()).filter((f) => f.event === 'message.created').map((f) => f.data.data.messageId)).toEqual(
      [...missed, live].map((m) => m.message.id),
    );
  });

  it("a restricted agent's stream carries only the conversations that agent may see, live and replayed", async () => {
    const owner = await t.signup();
    const sales = await t.addUser(owner, 'agent');
    const billing = await t.addUser(owner, 'agent');
    const salesChannel = await t.createChannel(owner);
    const billingChannel = await t.createChannel(owner);
    const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
    await call(owner, 'POST', '/api/teams', { name: 'Sales', memberIds: [sales.userId], channelIds: [salesChannel] });
    await call(owner, 'POST', '/api/teams', { name: 'Billing', memberIds: [billing.userId], channelIds: [billingChannel] });
    expect((await call(owner, 'PUT', '/api/settings/visibility', { restricted: true })).status).toBe(200);

    const agent = await stream(as(sales));
    const boss = await stream(as(owner));
    // Events keep their order, so once a later visible one arrived, a hidden one sent before it would have too.
    const hidden = await t.inbound(owner, billingChannel, { contactName: 'Payer', text: 'invoice' });
    const seen = await t.inbound(owner, salesChannel, { contactName: 'Lead', text: 'pricing' });
    const mark = await agent.next((f) => f.event === 'message.created' && f.data.data.messageId === seen.message.id);
    const about = (frames: { data: { data: Record<string, unknown> } }[], id: string) =>
      frames.filter((f) => f.data.data.conversationId === id || f.data.data.id === id);
    expect(about(await agent.pending(), hidden.conversation.id)).toEqual([]);
    expect((await boss.next((f) => f.event === 'message.created' && f.data.data.messageId === hidden.message.id)).id).toBeDefined();

    // Assigned to the agent, it is theirs: its events flow; handed on, they get the hand-over and nothing after.
    await call(owner, 'PATCH', `/api/conversations/${hidden.conversation.id}`, { assigneeId: sales.userId });
    expect((await agent.next((f) => f.event === 'conversation.updated' && f.data.data.id === hidden.conversation.id)).data.data).toMatchObject({
      assigneeId: sales.userId,
    });
    await call(owner, 'PATCH', `/api/conversations/${hidden.conversation.id}`, { assigneeId: billing.userId });
    expect((await agent.next((f) => f.event === 'conversation.updated' && f.data.data.id === hidden.conversation.id)).data.data).toMatchObject({
      assigneeId: billing.userId,
    });
    const after = await t.inbound(owner, billingChannel, { contactName: 'Payer', text: 'invoice again' });
    const later = await t.inbound(owner, salesChannel, { contactName: 'Lead', text: 'pricing again' });
    await agent.next((f) => f.event === 'message.created' && f.data.data.messageId === later.message.id);
    expect(about(await agent.pending(), after.conversation.id)).toEqual([]);

    // A replay from before it all holds the same filter.
    const replayed = await (await stream(as(sales, { 'last-event-id': mark.id! }))).pending();
    expect(replayed.some((f) => f.data.data?.messageId === later.message.id)).toBe(true);
    expect(replayed.filter((f) => f.event === 'message.created' && f.data.data.conversationId === hidden.conversation.id)).toEqual([]);
  });

  it('says reset when the gap cannot be replayed (another run or instance, or evicted)', async () => {
    const replay = t.app.get(EventReplay);
    // Ids are the tenant's own (epoch-seq): the epoch of A's log is what the next reset hands out.
    const current = ((await replay.resume(a.tenantId, 'not-an-id')) as { lastId: string }).lastId;
    const foreign = await stream(as(a, { 'last-event-id': `${current.startsWith('deadbeef') ? 'cafebabe' : 'deadbeef'}-1` }));
    const reset = await foreign.next((f) => f.event === 'reset');
    expect(reset.data).toEqual({ reason: 'unknown_event_id' });
    expect(reset.id).toBe(current); // the client resumes from here next time
    const resumed = await stream(as(a, { 'last-event-id': reset.id! }));
    expect((await resumed.pending()).filter((f) => f.event === 'reset')).toEqual([]);
    // An id from the future of this log was never handed out either.
    const [epoch, seq] = current.split('-');
    expect(await replay.resume(a.tenantId, `${epoch}-${Number(seq) + 1}`)).toMatchObject({ kind: 'reset', reason: 'unknown_event_id' });

    const c = await t.signup();
    const events = t.app.get(DomainEvents);
    events.publish({ tenantId: c.tenantId, region: c.region, type: 'notification.created', data: notice('0') });
    await events.settled();
    const cEpoch = ((await replay.resume(c.tenantId, 'not-an-id')) as { lastId: string }).lastId.split('-')[0];
    const firstId = await replay.resume(c.tenantId, `${cEpoch}-0`);
    expect(firstId.kind).toBe('replay');
    const oldest = (firstId as { events: Array<{ id: string }> }).events[0].id;
    for (let i = 1; i <= REPLAY_PER_TENANT + 1; i++)
      events.publish({ tenantId: c.tenantId, region: c.region, type: 'notification.created', data: notice(String(i)) });
    await events.settled();
    const late = await stream(as(c, { 'last-event-id': oldest }));
    expect((await late.next((f) => f.event === 'reset')).data).toEqual({ reason: 'events_evicted' });
  });

  it("numbers each organization's events on its own: ids of A do not move while B is busy", async () => {
    const events = t.app.get(DomainEvents);
    const sa = await stream(as(a));
    const sb = await stream(as(b));
    events.publish({ tenantId: a.tenantId, region: a.region, type: 'notification.created', data: notice('a1') });
    const a1 = await sa.next((f) => f.event === 'notification.created');
    for (let i = 0; i < 25; i++) events.publish({ tenantId: b.tenantId, region: b.region, type: 'notification.created', data: notice(`b${i}`) });
    const lastOfB = (await Promise.all(Array.from({ length: 25 }, () => sb.next((f) => f.event === 'notification.created')))).pop()!;
    events.publish({ tenantId: a.tenantId, region: a.region, type: 'notification.created', data: notice('a2') });
    const a2 = await sa.next((f) => f.event === 'notification.created');

    const [epochA1, seqA1] = a1.id!.split('-');
    const [epochA2, seqA2] = a2.id!.split('-');
    expect(epochA2).toBe(epochA1);
    expect(Number(seqA2)).toBe(Number(seqA1) + 1);
    // Nor does A's epoch say anything about B's log.
    expect(lastOfB.id!.split('-')[0]).not.toBe(epochA1);
  });

  it("limits open streams per user, so one agent's runaway tabs never lock out the owner", async () => {
    const agent = await t.addUser(a, 'agent');
    const attempts: SseReader[] = [];
    for (let i = 0; i < 50; i++) attempts.push(await stream(as(agent)));
    const owner = await stream(as(a));
    expect(owner.status).toBe(200);
    const m = await t.inbound(a, channelA, { text: 'the owner still hears this' });
    expect((await owner.next((f) => f.event === 'message.created')).data.data.messageId).toBe(m.message.id);

    const opened = attempts.filter((r) => r.status === 200);
    expect(opened).toHaveLength(MAX_STREAMS_PER_USER);
    const refused = attempts.find((r) => r.status !== 200)!;
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body!)).toMatchObject({ statusCode: 429, code: 'TOO_MANY_STREAMS' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);

    // A closed stream frees its place (the server notices the close a moment later).
    opened[0].close();
    let again = await stream(as(agent));
    for (let i = 0; again.status === 429 && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await stream(as(agent));
    }
    expect(again.status).toBe(200);
  });
});
