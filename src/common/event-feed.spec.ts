import type { TenantRef } from '../../libs/domain/src';
import type { RegionDatabases } from '../database/region-databases';
import type { LoggedEvent } from './domain-event';
import { EventFeed } from './event-feed.service';
import type { EventLogStore } from './event-log.store';

const tenant: TenantRef = { tenantId: 't1', region: 'eu' };
const event = (seq: number): LoggedEvent => ({ tenantId: 't1', type: 'conversation.updated', data: { id: `c${seq}` }, seq, id: `abcd0123-${seq}`, at: '' });

/** A log in memory: `committed` is what a read sees (as it is when the read starts); reads are counted, and can be held. */
function harness(head = 0) {
  const committed: LoggedEvent[] = [];
  let reads = 0;
  const gate: { hold: Promise<void> | null } = { hold: null };
  const store = {
    head: jest.fn(async () => ({ epoch: 'abcd0123', lastSeq: head, firstSeq: null })),
    after: jest.fn(async (_t: TenantRef, after: number, limit: number) => {
      reads++;
      const seen = committed.filter((e) => e.seq > after).slice(0, limit);
      if (gate.hold) await gate.hold;
      return seen;
    }),
  };
  const feed = new EventFeed({ regions: () => [] } as unknown as RegionDatabases, store as unknown as EventLogStore);
  const seen: number[] = [];
  const sub = feed.subscribe(tenant, (e) => seen.push(e.seq));
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { feed, committed, seen, sub, settle, gate, reads: () => reads };
}

describe('EventFeed', () => {
  it('passes on the next numbers this instance committed from memory, without reading', async () => {
    const h = harness(4);
    await h.sub.ready;
    h.committed.push(event(5), event(6));
    h.feed.committed(tenant, [event(5), event(6)]);
    expect(h.seen).toEqual([5, 6]);
    expect(h.reads()).toBe(0);
  });

  it('reads the gap when another instance committed numbers in between, and never repeats one', async () => {
    const h = harness(4);
    await h.sub.ready;
    h.committed.push(event(5), event(6), event(7)); // 5 and 6 came from elsewhere, not yet announced
    h.feed.committed(tenant, [event(7)]);
    await h.settle();
    expect(h.seen).toEqual([5, 6, 7]);
    // Its own commit of 5 and 6 arriving late (callbacks out of order) passes nothing twice.
    h.feed.committed(tenant, [event(5), event(6)]);
    h.feed.sweep();
    await h.settle();
    expect(h.seen).toEqual([5, 6, 7]);
  });

  it('passes on what this instance commits while a read is in flight at once, not after the read, and once', async () => {
    const h = harness(4);
    await h.sub.ready;
    let release = () => {};
    h.gate.hold = new Promise<void>((resolve) => (release = resolve));
    h.committed.push(event(5));
    h.feed.sweep(); // a read of 5 starts and is held
    h.feed.committed(tenant, [event(5)]);
    h.committed.push(event(6));
    h.feed.committed(tenant, [event(6)]);
    expect(h.seen).toEqual([5, 6]);
    release();
    await h.settle();
    expect(h.seen).toEqual([5, 6]);
    expect(h.reads()).toBe(1);
  });

  it('starts after the head it read: what was committed before it is not passed on', async () => {
    const h = harness(2);
    h.committed.push(event(1), event(2));
    await h.sub.ready;
    h.committed.push(event(3));
    h.feed.sweep();
    await h.settle();
    expect(h.seen).toEqual([3]);
  });

  it('forgets a tenant nobody follows any more', async () => {
    const h = harness(0);
    await h.sub.ready;
    h.sub.unsubscribe();
    h.committed.push(event(1));
    h.feed.committed(tenant, [event(1)]);
    h.feed.sweep();
    await h.settle();
    expect(h.seen).toEqual([]);
    expect(h.reads()).toBe(0);
  });
});
