import type { TenantRef } from '../../libs/domain/src';
import type { RegionDatabases } from '../database/region-databases';
import type { StampedEvent } from './event-replay.service';
import { REFRESH_AHEAD_MS, SharedVisibility, StreamVisibility, VISIBILITY_TTL_MS, visibleInOrder } from './stream-visibility';

const tenant: TenantRef = { tenantId: '00000000-0000-4000-8000-0000000000a1', region: 'eu' };
const conversation = '00000000-0000-4000-8000-0000000000c1';
const viewer = '00000000-0000-4000-8000-0000000000e1';

let seq = 0;
const event = (type: string, data: Record<string, unknown>): StampedEvent =>
  ({ id: `00000000-${++seq}`, seq, type, at: new Date(0).toISOString(), tenantId: tenant.tenantId, data }) as unknown as StampedEvent;
const message = () => event('message.created', { conversationId: conversation, messageId: 'm', direction: 'inbound' });

/** The database's answer to the visibility query, changed by the test; every query is counted and can be held. */
function fakeDatabase() {
  const db = {
    visible: true,
    queries: 0,
    hold: null as Promise<void> | null,
    async statementForTenant(_t: TenantRef, _sql: string, [, viewers]: [string, string[]]) {
      db.queries++;
      const answer = db.visible;
      if (db.hold) await db.hold;
      return viewers.map((v) => ({ viewer: v, visible: answer }));
    },
  };
  return db;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('StreamVisibility', () => {
  let clock: number;
  let db: ReturnType<typeof fakeDatabase>;
  let shared: SharedVisibility;
  let stream: StreamVisibility;
  beforeEach(() => {
    clock = 1_000_000;
    db = fakeDatabase();
    shared = new SharedVisibility(db as unknown as RegionDatabases);
    stream = new StreamVisibility(shared, tenant, viewer, () => clock);
  });

  it('reads an answer in use again before it ends, so a busy conversation never makes its stream wait', async () => {
    expect(stream.answerNow(message())).toBeUndefined();
    expect(await stream.allows(message())).toBe(true);
    expect(db.queries).toBe(1);

    clock += VISIBILITY_TTL_MS - REFRESH_AHEAD_MS - 1;
    expect(stream.answerNow(message())).toBe(true);
    expect(db.queries).toBe(1);

    clock += 2;
    expect(stream.answerNow(message())).toBe(true);
    expect(db.queries).toBe(2);
    await settle();

    // Past the end of the first answer: the renewed one answers at once.
    clock += REFRESH_AHEAD_MS;
    expect(stream.answerNow(message())).toBe(true);
    expect(db.queries).toBe(2);
  });

  it('never uses an answer past its time: a conversation left alone is asked about again, and a change is seen', async () => {
    expect(await stream.allows(message())).toBe(true);
    db.visible = false;
    clock += VISIBILITY_TTL_MS;
    expect(stream.answerNow(message())).toBeUndefined();
    expect(await stream.allows(message())).toBe(false);
    expect(db.queries).toBe(2);
  });

  it('keeps an answer renewed in the background no longer than its own time', async () => {
    expect(await stream.allows(message())).toBe(true);
    clock += VISIBILITY_TTL_MS - REFRESH_AHEAD_MS + 1;
    const refreshedAt = clock;
    db.visible = false;
    expect(stream.answerNow(message())).toBe(true);
    await settle();
    expect(stream.answerNow(message())).toBe(false);
    db.visible = true;
    clock = refreshedAt + VISIBILITY_TTL_MS;
    expect(stream.answerNow(message())).toBeUndefined();
  });

  it('lets a move answer for itself: a renewal read before it does not overwrite what was read after it', async () => {
    expect(await stream.allows(message())).toBe(true);
    clock += VISIBILITY_TTL_MS - REFRESH_AHEAD_MS + 1;
    let release = () => {};
    db.hold = new Promise<void>((resolve) => (release = resolve));
    expect(stream.answerNow(message())).toBe(true); // the renewal starts, and is held (it read "visible")
    db.hold = null;
    db.visible = false;
    const moved = event('conversation.updated', { id: conversation, teamId: '00000000-0000-4000-8000-0000000000f1' });
    expect(stream.answerNow(moved)).toBeUndefined();
    // Delivered once more to someone who could see it (their screen drops it), then no longer visible.
    expect(await stream.allows(moved)).toBe(true);
    release();
    await settle();
    await settle();
    // Another stream of the same agent, which knows nothing yet, gets the answer read after the move.
    const tab = new StreamVisibility(shared, tenant, viewer, () => clock);
    expect(tab.answerNow(message())).toBe(false);
  });

  it('asks at once about every waiting event: a burst about new conversations waits for one round trip, and goes out in order', async () => {
    const sent: StampedEvent[] = [];
    const send = visibleInOrder(stream, (e) => sent.push(e));
    let release = () => {};
    db.hold = new Promise<void>((resolve) => (release = resolve));
    const burst = ['c2', 'c3', 'c4'].map((c) => event('message.created', { conversationId: `00000000-0000-4000-8000-0000000000${c}`, messageId: c }));
    burst.forEach(send);
    await settle();
    // One query per conversation is on its way, not only the first event's.
    expect(db.queries).toBe(3);
    expect(sent).toEqual([]);
    release();
    for (let i = 0; i < 5 && sent.length < 3; i++) await settle();
    expect(sent).toEqual(burst);
    expect(db.queries).toBe(3);
  });

  it('still decides in order: an event behind a move is judged by the answer read after the move', async () => {
    const sent: StampedEvent[] = [];
    const send = visibleInOrder(stream, (e) => sent.push(e));
    expect(await stream.allows(message())).toBe(true);
    db.visible = false;
    const moved = event('conversation.updated', { id: conversation, teamId: '00000000-0000-4000-8000-0000000000f1' });
    const after = message();
    send(moved);
    send(after);
    for (let i = 0; i < 5; i++) await settle();
    // The move goes once more to someone who could see it; the message behind it no longer does.
    expect(sent).toEqual([moved]);
  });

  it('waits for a query already on its way that asks for this viewer instead of sending another', async () => {
    let release = () => {};
    db.hold = new Promise<void>((resolve) => (release = resolve));
    stream.prefetch(message());
    await settle();
    expect(db.queries).toBe(1);
    const answer = stream.allows(message());
    await settle();
    expect(db.queries).toBe(1);
    release();
    expect(await answer).toBe(true);
    expect(db.queries).toBe(1);
  });
});
