import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TcpProxy } from './support/tcp-proxy';
import { TestApp, regionDatabaseUrls, regionUrl } from './support/test-app';

/** A region whose database goes away: health says so, requests get 503, nothing half-written. */
describe('a region database outage', () => {
  const dbName = `mm_outage_${randomUUID().slice(0, 8)}`;
  let proxy: TcpProxy;
  let graph: FakeGraphServer;
  let t: TestApp;
  let admin: Client;
  // /health shows the regions to monitoring only (anonymous callers learn up or down).
  const HEALTH_TOKEN = randomBytes(24).toString('base64url');
  const health = () => t.request('GET', '/health', { headers: { authorization: `Bearer ${HEALTH_TOKEN}` } });

  beforeAll(async () => {
    const server = new URL(await regionUrl('eu'));
    admin = new Client({ connectionString: server.toString() });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    proxy = new TcpProxy(server.hostname, Number(server.port || 5432));
    await proxy.start();
    const viaProxy = new URL(server.toString());
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    viaProxy.pathname = `/${dbName}`;
    graph = await new FakeGraphServer().start();
    t = await TestApp.start({
      META_APP_SECRET,
      META_GRAPH_URL: graph.url,
      HEALTH_TOKEN,
      REGION_DATABASE_URLS: `${await regionDatabaseUrls()},xx=${viaProxy.toString()}`,
    });
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
    await proxy.stop();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it('reports every region healthy while all answer', async () => {
    const res = await health();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', regions: { eu: { database: 'up' }, ru: { database: 'up' }, xx: { database: 'up' } } });
  });

  it('answers 503 while the region is down and leaves no half-made account behind', async () => {
    const owner = await t.signup({ region: 'xx' });
    await proxy.stop();

    const detailed = await health();
    expect(detailed.status).toBe(503);
    expect(detailed.body.regions).toEqual({ eu: { database: 'up' }, ru: { database: 'up' }, xx: { database: 'down' } });
    const anonymous = await t.request('GET', '/health');
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 503, body: { status: 'down' } });

    const list = await t.request('GET', '/api/conversations', { token: owner.token });
    expect(list.status).toBe(503);
    expect(list.body).toEqual({ statusCode: 503, code: 'DATABASE_UNAVAILABLE', message: expect.any(String) });

    const email = `late-${randomUUID()}@example.test`;
    const body = { organizationName: 'Late', email, password: 'a long enough password', region: 'xx' };
    const failed = await t.request('POST', '/api/auth/signup', { body });
    expect(failed.status).toBe(503);

    await proxy.start();
    const retried = await t.request('POST', '/api/auth/signup', { body });
    expect(retried.status).toBe(201); // the directory claim of the failed attempt was withdrawn
    expect((await health()).status).toBe(200);
    expect((await t.request('GET', '/health')).body).toEqual({ status: 'up' });
  });

  it('answers webhooks 503 while their region is down, and processes the redelivery once', async () => {
    const owner = await t.signup({ region: 'xx' });
    const pageId = platformId();
    graph.page(pageId, 'EAAB-outage-token');
    const connected = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'messenger', name: 'P', config: { pageId }, credentials: { pageAccessToken: 'EAAB-outage-token' } },
    });
    expect(connected.status).toBe(201);
    const body = messengerMessage(pageId, '31337', 'are you open?', 'm_during_outage');

    await proxy.stop();
    const refused = await postMetaWebhook(t, body);
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('DATABASE_UNAVAILABLE');

    await proxy.start();
    expect((await postMetaWebhook(t, body)).status).toBe(200);
    expect((await postMetaWebhook(t, body)).status).toBe(200);
    await t.drainInbound();
    const list = await t.request('GET', '/api/conversations', { token: owner.token });
    const messages = await t.request('GET', `/api/conversations/${list.body.items[0].id}/messages`, { token: owner.token });
    expect(messages.body.items.map((m: { externalId: string }) => m.externalId)).toEqual(['m_during_outage']);
  });
});
