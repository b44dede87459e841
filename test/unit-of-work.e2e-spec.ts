import { Client } from 'pg';
import { DomainEvent, DomainEvents } from '../src/common/domain-events.service';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/** Steps that each open a tenant transaction become one transaction inside a unit of work. */
describe('unit of work', () => {
  let t: TestApp;
  let db: Client;
  let tenant: TestTenant;
  let channelId: string;
  beforeAll(async () => {
    t = await TestApp.start();
    db = await ownerClient('eu');
    tenant = await t.signup();
    channelId = await t.createChannel(tenant);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const heard: DomainEvent[] = [];
  beforeEach(() => (heard.length = 0));
  const listen = () =>
    t.app
      .get(DomainEvents)
      .forTenant(tenant)
      .subscribe((e) => heard.push(e));
  const messageCount = async (externalId: string) =>
    (await db.query(`select count(*)::int as n from messages where tenant_id = $1 and external_id = $2`, [tenant.tenantId, externalId])).rows[0].n;

  it('commits the joined steps together and publishes their events only after COMMIT', async () => {
    const sub = listen();
    try {
      await t.dbs.unitOfWork(tenant, async (tx) => {
        const [{ pid }] = await tx.query(`select pg_backend_pid() as pid`);
        await t.inbound(tenant, channelId, { externalMessageId: 'uow-1' });
        await t.inbound(tenant, channelId, { externalMessageId: 'uow-2' });
        // Same connection, same transaction; nothing visible outside it, nothing announced yet.
        expect((await tx.query(`select pg_backend_pid() as pid`))[0].pid).toBe(pid);
        expect(await messageCount('uow-1')).toBe(0);
        expect(heard).toEqual([]);
      });
      // Events reach followers from the log, a moment after the commit.
      for (let i = 0; i < 100 && heard.filter((e) => e.type === 'message.created').length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      sub.unsubscribe();
    }
    expect(await messageCount('uow-1')).toBe(1);
    expect(await messageCount('uow-2')).toBe(1);
    expect(heard.filter((e) => e.type === 'message.created')).toHaveLength(2);
  });

  it('rolls every step back when one fails, and publishes nothing (the event log included)', async () => {
    const logged = async () => (await db.query(`select count(*)::int as n from event_log where tenant_id = $1`, [tenant.tenantId])).rows[0].n;
    const before = await logged();
    const sub = listen();
    try {
      await expect(
        t.dbs.unitOfWork(tenant, async () => {
          await t.inbound(tenant, channelId, { externalMessageId: 'uow-rolled-back' });
          throw new Error('a later step failed');
        }),
      ).rejects.toThrow('a later step failed');
      await t.app.get(DomainEvents).settled();
      await new Promise((r) => setTimeout(r, 200)); // anything wrongly published would arrive by now
    } finally {
      sub.unsubscribe();
    }
    expect(await messageCount('uow-rolled-back')).toBe(0);
    expect(heard).toEqual([]);
    expect(await logged()).toBe(before); // nor is anything left in the event log
  });

  it('refuses work for another tenant inside it', async () => {
    const other = await t.signup();
    await expect(t.dbs.unitOfWork(tenant, () => t.dbs.forTenant(other, async () => 'joined'))).rejects.toThrow(/one tenant/);
  });
});
