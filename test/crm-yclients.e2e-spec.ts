import { CrmSyncEngine } from '../src/integrations/crm/core/crm-sync.engine';
import { FakeYclients } from './fakes/fake-yclients.server';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * YCLIENTS end to end against its fake: connecting (credentials write-only), the initial sync over
 * several pages at the documented rate, incremental updates and deletions, webhook hints read
 * back, and a storm of 429/503 answers survived with nothing lost or duplicated.
 */
describe('YCLIENTS integration', () => {
  let t: TestApp;
  let fake: FakeYclients;
  let engine: CrmSyncEngine;

  beforeAll(async () => {
    fake = await new FakeYclients().seed(450, 300).start();
    t = await TestApp.start({ WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on' });
    engine = t.app.get(CrmSyncEngine);
  });
  afterAll(async () => {
    await t.close();
    await fake.stop();
  });

  const body = (over: Record<string, unknown> = {}) => ({
    kind: 'yclients',
    name: 'Salon',
    config: { baseUrl: `${fake.url}/api/v1`, companyId: String(fake.companyId) },
    credentials: { partnerToken: fake.partnerToken, userToken: fake.userToken },
    ...over,
  });

  async function connect(owner: TestTenant): Promise<{ id: string; webhookUrl: string }> {
    const res = await t.request('POST', '/api/integrations', { token: owner.token, body: body() });
    expect(res.status).toBe(201);
    return res.body;
  }

  const rows = async (owner: TestTenant, sql: string, params: unknown[] = []) => {
    const c = await ownerClient(owner.region);
    try {
      return (await c.query(sql, [owner.tenantId, ...params])).rows;
    } finally {
      await c.end();
    }
  };
  /** What a complete sync holds, from the fake's state now (earlier tests change it). */
  const complete = () => ({ client: fake.clients.size, appointment: [...fake.records.values()].filter((r) => !r.deleted).length, service: 2, staff: 2 });

  const counts = async (owner: TestTenant, id: string) =>
    Object.fromEntries(
      (
        await rows(owner, `select entity, count(*)::int as n from crm_records where tenant_id = $1 and connection_id = $2 and not deleted group by entity`, [
          id,
        ])
      ).map((r) => [r.entity, r.n]),
    );

  it('connects with write-only credentials, shows the webhook URL once, and keeps other tenants and agents out', async () => {
    const owner = await t.signup();
    const res = await t.request('POST', '/api/integrations', { token: owner.token, body: body() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'yclients',
      name: 'Salon',
      status: 'active',
      config: { companyId: String(fake.companyId), baseUrl: `${fake.url}/api/v1` },
    });
    expect(res.body.webhookUrl).toMatch(new RegExp(`/webhooks/crm/${res.body.id}/[A-Za-z0-9_-]{20,}$`));
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(fake.partnerToken);
    expect(text).not.toContain(fake.userToken);

    const listed = await t.request('GET', '/api/integrations', { token: owner.token });
    expect(listed.body.items).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toMatch(new RegExp(`${fake.userToken}|webhookUrl|credentials`));
    const [stored] = await rows(owner, `select credentials::text as c from crm_connections where tenant_id = $1`);
    expect(stored.c).not.toContain(fake.userToken);

    const other = await t.signup();
    for (const [method, path] of [
      ['GET', `/api/integrations/${res.body.id}`],
      ['GET', `/api/integrations/${res.body.id}/status`],
      ['POST', `/api/integrations/${res.body.id}/sync`],
      ['DELETE', `/api/integrations/${res.body.id}`],
      ['DELETE', `/api/integrations/${res.body.id}/data`],
    ]) {
      expect((await t.request(method, path, { token: other.token })).status).toBe(404);
    }
    const agent = await t.addUser(owner, 'agent');
    expect((await t.request('GET', '/api/integrations', { token: agent.token })).status).toBe(403);
    expect((await t.request('POST', '/api/integrations', { token: agent.token, body: body() })).status).toBe(403);
  });

  it('refuses bad input with stable codes', async () => {
    const owner = await t.signup();
    const bad = async (over: Record<string, unknown>) => (await t.request('POST', '/api/integrations', { token: owner.token, body: body(over) })).body.code;
    expect(await bad({ kind: 'salesforce' })).toBe('VALIDATION_FAILED');
    expect(await bad({ config: { companyId: 'abc' } })).toBe('INVALID_CRM_CONFIG');
    expect(await bad({ credentials: { partnerToken: 'x' } })).toBe('INVALID_CRM_CREDENTIALS');
    expect(await bad({ config: { companyId: '1', baseUrl: 'ftp://example.com' } })).toBe('INVALID_CRM_BASE_URL');
    const strict = await TestApp.start();
    try {
      const o = await strict.signup();
      for (const baseUrl of ['http://api.yclients.com/api/v1', 'https://10.0.0.1/api', 'https://localhost/api', 'https://user:pw@api.yclients.com/api/v1']) {
        const r = await strict.request('POST', '/api/integrations', { token: o.token, body: body({ config: { companyId: '1', baseUrl } }) });
        expect({ baseUrl, status: r.status, code: r.body.code }).toEqual({ baseUrl, status: 400, code: 'INVALID_CRM_BASE_URL' });
      }
    } finally {
      await strict.close();
    }
  });

  it('syncs every record on the first run, page by page, within the rate limit', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    const before = fake.log.length;
    const run = await engine.run(owner, id);
    expect(run.ran).toBe(true);
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner, id)).toEqual(complete());
    const requests = fake.log.slice(before);
    const recordPages = requests.filter((r) => r.path === `/records/${fake.companyId}`);
    expect(recordPages.map((r) => [r.query.page, r.query.count, r.query.with_deleted])).toEqual([
      ['1', '200', '1'],
      ['2', '200', '1'],
    ]);
    expect(requests.filter((r) => r.path.endsWith('/clients/search'))).toHaveLength(3);
    expect(fake.rateLimited).toBe(0);
    expect(fake.refused).toEqual({ auth: 0, accept: 0, paging: 0 });

    const [appointment] = await rows(
      owner,
      `select data, phone, starts_at, client_external_id from crm_records where tenant_id = $1 and connection_id = $2 and entity = 'appointment' limit 1`,
      [id],
    );
    expect(appointment.data).toMatchObject({ services: [{ title: 'Стрижка', cost: 1500 }], amount: 1500, durationSeconds: 3600, staffName: 'Анна' });
    const [client] = await rows(owner, `select phone from crm_records where tenant_id = $1 and connection_id = $2 and entity = 'client' and external_id = $3`, [
      id,
      appointment.client_external_id,
    ]);
    expect(client.phone).toMatch(/^\+7916\d{7}$/);

    const status = await t.request('GET', `/api/integrations/${id}/status`, { token: owner.token });
    expect(status.status).toBe(200);
    const appointments = status.body.entities.find((e: any) => e.entity === 'appointment');
    expect(appointments).toMatchObject({ lastError: null, counts: { fetched: fake.records.size, written: fake.records.size }, passInProgress: false });
    expect(appointments.cursor).not.toBeNull();
    expect(new Date(appointments.nextRunAt).getTime()).toBeGreaterThan(Date.now());
    expect(status.body.records.appointment).toEqual({ live: complete().appointment, deleted: fake.records.size - complete().appointment });
  });

  it('picks up an update and a deletion incrementally, and nothing else', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    await engine.run(owner, id);
    const [changed, removed] = [...fake.records.values()].slice(5, 7);
    fake.updateRecord(changed.id, { attendance: 2, services: [{ id: 12, title: 'Окрашивание', cost: 5000 }] });
    fake.deleteRecord(removed.id);

    const before = fake.log.length;
    const run = await engine.run(owner, id);
    expect(run.entities.appointment).toMatchObject({ written: 2, tombstoned: 0 });
    expect(run.entities.appointment!.fetched).toBeLessThan(10);
    const asked = fake.log.slice(before).find((r) => r.path === `/records/${fake.companyId}`)!;
    // From the newest change seen, less the overlap window.
    const newestSeen = Math.max(
      ...[...fake.records.values()].filter((r) => r.id !== changed.id && r.id !== removed.id).map((r) => Date.parse(r.last_change_date)),
    );
    expect(Date.parse(asked.query.changed_after)).toBe(newestSeen - 5 * 60_000);
    // Clients are listed whole only once a day (or when asked to): not on this run.
    expect(run.entities.client).toMatchObject({ pages: 0 });

    const byId = async (external: number) =>
      (
        await rows(owner, `select data, deleted from crm_records where tenant_id = $1 and connection_id = $2 and entity = 'appointment' and external_id = $3`, [
          id,
          String(external),
        ])
      )[0];
    expect(await byId(changed.id)).toMatchObject({ deleted: false, data: { status: 'confirmed', amount: 5000 } });
    expect(await byId(removed.id)).toMatchObject({ deleted: true, data: { status: 'cancelled' } });
    expect(await counts(owner, id)).toEqual(complete());

    // The same changes again (the overlap window) write nothing.
    expect((await engine.run(owner, id)).entities.appointment).toMatchObject({ written: 0 });
  });

  it('reads back what a webhook names, never trusting its body', async () => {
    const owner = await t.signup();
    const { id, webhookUrl } = await connect(owner);
    await engine.run(owner, id);
    const path = new URL(webhookUrl).pathname;
    const client = [...fake.clients.values()][10];
    fake.updateClient(client.id, { name: 'Ирина Новая' });
    const hook = await t.request('POST', path, {
      body: { company_id: fake.companyId, resource: 'client', resource_id: client.id, status: 'update', data: { id: client.id, name: 'Forged name' } },
    });
    expect(hook.status).toBe(200);
    expect(hook.body).toEqual({ accepted: 1 });
    await engine.settled();
    const [stored] = await rows(owner, `select data from crm_records where tenant_id = $1 and connection_id = $2 and entity = 'client' and external_id = $3`, [
      id,
      String(client.id),
    ]);
    expect(stored.data.name).toBe('Ирина Новая');

    const record = [...fake.records.values()][20];
    fake.deleteRecord(record.id);
    await t.request('POST', path, { body: { company_id: fake.companyId, resource: 'record', resource_id: record.id, status: 'delete' } });
    await engine.settled();
    const [gone] = await rows(
      owner,
      `select deleted from crm_records where tenant_id = $1 and connection_id = $2 and entity = 'appointment' and external_id = $3`,
      [id, String(record.id)],
    );
    expect(gone.deleted).toBe(true);

    // A wrong secret, another company's hint, or an unknown integration: nothing is read.
    expect((await t.request('POST', path.replace(/[^/]+$/, 'wrong-secret-000000000000000000'), { body: {} })).status).toBe(404);
    expect((await t.request('POST', `/webhooks/crm/00000000-0000-4000-8000-000000000000/x`, { body: {} })).status).toBe(404);
    expect((await t.request('POST', path, { body: { company_id: 1, resource: 'client', resource_id: client.id, status: 'update' } })).body).toEqual({
      accepted: 0,
    });
    expect((await t.request('POST', path, { body: 'x=1', headers: { 'content-type': 'text/csv' } })).status).toBeGreaterThanOrEqual(400);
  });

  it('survives a storm of 429 and 503 answers with nothing lost or duplicated', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    // Hints where the CRM gives them (Retry-After), the engine's own backoff where not.
    fake.storm([
      { status: 429, retryAfter: '0' },
      { status: 503 },
      { status: 429, retryAfter: '1' },
      { status: 503, retryAfter: '0' },
      { status: 502 },
      { status: 429, retryAfter: '0' },
    ]);
    const stormedBefore = fake.stormed;
    const run = await engine.run(owner, id);
    expect(fake.stormed - stormedBefore).toBe(6);
    expect(run.stats.throttled).toBeGreaterThanOrEqual(6);
    expect(
      Object.values(run.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner, id)).toEqual(complete());
    const [{ dupes }] = await rows(
      owner,
      `select count(*) - count(distinct (entity, external_id)) as dupes from crm_records where tenant_id = $1 and connection_id = $2`,
      [id],
    );
    expect(Number(dupes)).toBe(0);

    // A storm longer than one request's patience: that entity's pass fails and is done by the next run.
    const owner2 = await t.signup();
    const second = await connect(owner2);
    fake.storm(Array.from({ length: 8 }, () => ({ status: 503, retryAfter: '0' })));
    const failed = await engine.run(owner2, second.id);
    expect(Object.values(failed.entities).some((e) => e?.error)).toBe(true);
    const resumed = await engine.run(owner2, second.id, { force: true });
    expect(
      Object.values(resumed.entities)
        .map((e) => e?.error)
        .filter(Boolean),
    ).toEqual([]);
    expect(await counts(owner2, second.id)).toEqual(complete());
  });

  it('pauses and tells the Customer when the CRM stops accepting the tokens', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    const saved = fake.userToken;
    fake.userToken = 'changed-after-a-password-change';
    try {
      const run = await engine.run(owner, id);
      expect(run.reason).toMatch(/paused/);
    } finally {
      fake.userToken = saved;
    }
    const got = await t.request('GET', `/api/integrations/${id}`, { token: owner.token });
    expect(got.body).toMatchObject({ status: 'paused' });
    const notes = await t.request('GET', '/api/notifications', { token: owner.token });
    expect(notes.body.items.map((n: any) => n.kind)).toContain('crm_integration_paused');
    expect((await t.request('POST', `/api/integrations/${id}/sync`, { token: owner.token })).body.code).toBe('CRM_INTEGRATION_NOT_ACTIVE');
  });

  it('disconnecting stops the sync at once and keeps the data until it is deleted', async () => {
    const owner = await t.signup();
    const { id, webhookUrl } = await connect(owner);
    await engine.run(owner, id);
    const off = await t.request('DELETE', `/api/integrations/${id}`, { token: owner.token });
    expect(off.body).toMatchObject({ id, status: 'disconnected' });
    const [{ credentials }] = await rows(owner, `select credentials from crm_connections where tenant_id = $1 and id = $2`, [id]);
    expect(credentials).toBeNull();
    const before = fake.log.length;
    expect((await engine.run(owner, id)).ran).toBe(false);
    expect(
      (await t.request('POST', new URL(webhookUrl).pathname, { body: { company_id: fake.companyId, resource: 'client', resource_id: 1, status: 'update' } }))
        .body,
    ).toEqual({ accepted: 0 });
    await engine.settled();
    expect(fake.log.length).toBe(before);
    const held = complete();
    expect(await counts(owner, id)).toEqual(held);

    const deleted = await t.request('DELETE', `/api/integrations/${id}/data`, { token: owner.token });
    expect(deleted.body).toMatchObject({ id, status: 'deleted', counts: { crm_records: fake.clients.size + fake.records.size + 4 } });
    expect(await counts(owner, id)).toEqual({});
    expect((await t.request('GET', `/api/integrations/${id}`, { token: owner.token })).status).toBe(404);
  });

  it('POST /sync runs in the background and the status shows it', async () => {
    const owner = await t.signup();
    const { id } = await connect(owner);
    const res = await t.request('POST', `/api/integrations/${id}/sync`, { token: owner.token });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id, status: expect.stringMatching(/started|running/) });
    await engine.settled();
    const status = await t.request('GET', `/api/integrations/${id}/status`, { token: owner.token });
    expect(status.body.records.client).toEqual({ live: fake.clients.size, deleted: 0 });
  });
});
