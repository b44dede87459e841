import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from 'pg';
import { DomainEvents } from '../src/common/domain-events.service';
import { EventFeed } from '../src/common/event-feed.service';
import { EventLogStore } from '../src/common/event-log.store';
import { EventLogTrimJob } from '../src/events/event-log-trim.job';
import { SseReader } from './support/sse-reader';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** The region's event log: what it keeps, what it gets from other instances, and how it is trimmed. */
describe('event log', () => {
  let t: TestApp;
  let db: Client;
  let base: string;
  let a: TestTenant;
  let channel: string;
  const open: SseReader[] = [];

  const stream = async (lastEventId?: string) => {
    const r = await SseReader.open(`${base}/api/events`, { authorization: `Bearer ${a.token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) });
    open.push(r);
    return r;
  };

  /** An event as another instance commits it: the tenant's next number, the row, the notification. */
  const committedElsewhere = async (message: string, opts: { announced: boolean } = { announced: true }) => {
    await db.query('begin');
    try {
      const {
        rows: [head],
      } = await db.query(`update event_log_heads set last_seq = last_seq + 1 where tenant_id = $1 returning last_seq`, [a.tenantId]);
      const data = {
        id: randomUUID(),
        kind: 'conversation.message',
        userId: null,
        channelId: null,
        conversationId: null,
        actorId: null,
        message,
        createdAt: new Date(),
        readAt: null,
      };
      await db.query(`insert into event_log (tenant_id, seq, type, data) values ($1, $2, 'notification.created', $3)`, [a.tenantId, head.last_seq, data]);
      await db.query('commit');
      if (opts.announced) await db.query(`select pg_notify('mm_events', $1)`, [`${a.region}:${a.tenantId}:${head.last_seq}`]);
    } catch (err) {
      await db.query('rollback');
      throw err;
    }
  };

  beforeAll(async () => {
    t = await TestApp.start();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    db = await ownerClient('eu');
    a = await t.signup();
    channel = await t.createChannel(a);
  });
  afterEach(() => open.splice(0).forEach((r) => r.close()));
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it('keeps ids and types, never message text or custom attribute values, which a reader gets from the conversation', async () => {
    const s = await stream();
    const secret = `secret-${randomUUID()}`;
    const { conversation } = await t.inbound(a, channel, { text: secret });
    const before = await s.next((f) => f.event === 'conversation.updated');
    await db.query(`update conversations set custom_attributes = '{"tier":"gold"}' where tenant_id = $1 and id = $2`, [a.tenantId, conversation.id]);
    t.app.get(DomainEvents).publish({
      tenantId: a.tenantId,
      region: a.region,
      type: 'conversation.updated',
      data: { id: conversation.id, customAttributes: { tier: 'gold' } },
    });
    await t.app.get(DomainEvents).settled();

    const { rows } = await db.query(`select type, data::text as data from event_log where tenant_id = $1`, [a.tenantId]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.data.includes(secret) || r.data.includes('gold'))).toEqual([]);
    // Read back from the log (a replay), the attributes are the conversation's.
    const resumed = await stream(before.id);
    expect((await resumed.next((f) => f.event === 'conversation.updated' && 'customAttributes' in f.data.data)).data.data.customAttributes).toEqual({
      tier: 'gold',
    });
  });

  it('passes on what another instance committed, also when its notification came while the LISTEN connection was down or never came', async () => {
    const s = await stream();
    await t.inbound(a, channel); // the tenant has a head and this instance follows it
    await s.next((f) => f.event === 'message.created');
    await committedElsewhere('from another instance');
    expect((await s.next((f) => f.event === 'notification.created')).data.data.message).toBe('from another instance');

    const killed = await db.query(
      `select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'monkeymachine:eu:listen' and datname = current_database()`,
    );
    expect(killed.rows).toEqual([{ ok: true }]);
    await committedElsewhere('while nobody listened');
    expect((await s.next((f) => f.event === 'notification.created', 15_000)).data.data.message).toBe('while nobody listened');
    // And it listens again.
    await committedElsewhere('after the reconnect');
    expect((await s.next((f) => f.event === 'notification.created')).data.data.message).toBe('after the reconnect');

    // Its instance died between COMMIT and the notification: the periodic sweep reads it.
    await committedElsewhere('never announced', { announced: false });
    t.app.get(EventFeed).sweep();
    expect((await s.next((f) => f.event === 'notification.created')).data.data.message).toBe('never announced');
  });

  it('trims from the oldest event, a batch at a time, up to the first one inside the retention', async () => {
    const b = await t.signup();
    const hoursAgo = [30, 29, 28, 1, 27, 0];
    for (const [i, h] of hoursAgo.entries())
      await db.query(
        `insert into event_log (tenant_id, seq, type, data, created_at) values ($1, $2, 'conversation.updated', '{}', now() - make_interval(hours => $3))`,
        [b.tenantId, i + 1, h],
      );
    const store = t.app.get(EventLogStore);
    const before = new Date(Date.now() - 24 * 3_600_000);
    const left = async () => (await db.query(`select seq::int from event_log where tenant_id = $1 order by seq`, [b.tenantId])).rows.map((r) => r.seq);

    expect(await store.trim({ tenantId: b.tenantId, region: b.region }, before, 2)).toBe(2);
    expect(await left()).toEqual([3, 4, 5, 6]);
    // The event of 27 hours ago waits behind the younger one before it: the log stays one range of numbers.
    expect(await store.trim({ tenantId: b.tenantId, region: b.region }, before, 2)).toBe(1);
    expect(await left()).toEqual([4, 5, 6]);
    expect(await store.trim({ tenantId: b.tenantId, region: b.region }, before, 2)).toBe(0);
  });

  it('trims events past the retention; a stream resuming from before them is told to reset, and goes on', async () => {
    const s = await stream();
    await t.inbound(a, channel);
    const seen = await s.next((f) => f.event === 'message.created');
    await t.inbound(a, channel);
    await s.next((f) => f.event === 'message.created');
    await db.query(`update event_log set created_at = now() - interval '25 hours' where tenant_id = $1`, [a.tenantId]);

    expect(await t.app.get(EventLogTrimJob).run()).toBeGreaterThan(0);
    expect((await db.query(`select count(*)::int as n from event_log where tenant_id = $1`, [a.tenantId])).rows[0].n).toBe(0);

    const late = await stream(seen.id);
    const reset = await late.next((f) => f.event === 'reset');
    expect(reset.data).toEqual({ reason: 'events_evicted' });
    const next = await t.inbound(a, channel);
    expect((await late.next((f) => f.event === 'message.created')).data.data.messageId).toBe(next.message.id);
    const fromReset = await stream(reset.id);
    expect((await fromReset.next((f) => f.event === 'message.created')).data.data.messageId).toBe(next.message.id);
    expect((await fromReset.pending()).filter((f) => f.event === 'reset')).toEqual([]);
  });
});
