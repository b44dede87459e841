import type { Client } from 'pg';
import { makeSignedRequest } from '../src/channels/meta/signed-request';
import { allTables, rowsMentioning } from './support/db-catalog';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, platformId, postMetaWebhook } from './support/meta';
import { TestApp, ownerClient } from './support/test-app';

/**
 * The erasure verifier: a platform user with every kind of row in two tenants and two regions,
 * each deletion path run, then every table of every database searched for their identifiers.
 */
describe('erasure', () => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let eu: Client;
  let ru: Client;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, PUBLIC_BASE_URL: 'https://inbox.example' }));
    [eu, ru] = await Promise.all([ownerClient('eu'), ownerClient('ru')]);
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ru.end()]);
    await t.close();
    await graph.stop();
  });

  /** A tenant with a Page where `userId` and a bystander have written, been answered, noted, consented. */
  async function seed(region: 'eu' | 'ru', kind: 'messenger' | 'instagram', userId: string, secret: string) {
    const owner = await t.signup({ region });
    const account = platformId();
    if (kind === 'messenger') graph.page(account, `EAAB-erasure-token-${account}`);
    else graph.instagram(account, `IGQ-erasure-token-${account}`);
    // The name Graph gives for them is personal data too: it must go with the rest.
    graph.profile(account, userId, kind === 'messenger' ? { first_name: secret, last_name: 'Profilename' } : { name: `${secret} Profilename` });
    const channel = await t.request('POST', '/api/channels', {
      token: owner.token,
      body:
        kind === 'messenger'
          ? { kind, name: 'p', config: { pageId: account }, credentials: { pageAccessToken: `EAAB-erasure-token-${account}` } }
          : { kind, name: 'i', config: { igAccountId: account }, credentials: { accessToken: `IGQ-erasure-token-${account}` } },
    });
    expect(channel.status).toBe(201);
    const webhook = (sender: string, mid: string, text: string) => ({
      object: kind === 'messenger' ? 'page' : 'instagram',
      entry: [
        { id: account, time: Date.now(), messaging: [{ sender: { id: sender }, recipient: { id: account }, timestamp: Date.now(), message: { mid, text } }] },
      ],
    });
    for (const [sender, mid, text] of [
      [userId, `${secret}-m1`, `${secret} my phone is 555-0199`],
      [userId, `${secret}-m2`, `${secret} and my address`],
      // lower case: the searches for the user's upper-case secret must not find the bystander
      [`bystander-${secret.toLowerCase()}`, `bystander-${secret.toLowerCase()}-m1`, `bystander of ${secret.toLowerCase()} stays`],
    ]) {
      expect((await postMetaWebhook(t, webhook(sender, mid, text))).status).toBe(200);
    }
    // One more that is stored but not processed yet: raw payload plus a queue job.
    await postMetaWebhook(t, webhook(userId, `${secret}-m3`, `${secret} unprocessed`));
    await t.drainInbound();
    await postMetaWebhook(t, webhook(userId, `${secret}-m4`, `${secret} still queued`));

    const conversations = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items;
    const contacts = await Promise.all(
      conversations.map(async (c: { id: string; contactId: string }) => ({
        conversation: c.id,
        contact: (await t.request('GET', `/api/contacts/${c.contactId}`, { token: owner.token })).body,
      })),
    );
    const theirs = contacts.find((c) => c.contact.identities[0].externalId === userId)!;
    const bystander = contacts.find((c) => c.contact.identities[0].externalId !== userId)!;
    await t.request('POST', `/api/conversations/${theirs.conversation}/notes`, { token: owner.token, body: { text: `${secret} VIP customer` } });
    await t.request('POST', `/api/conversations/${theirs.conversation}/messages`, { token: owner.token, body: { text: `${secret} reply still queued` } });
    await t.request('PUT', `/api/contacts/${theirs.contact.id}/consents`, {
      token: owner.token,
      body: { consents: [{ purpose: 'crm_enrichment', granted: true, source: `${secret} form` }] },
    });
    // Directory data: an e-mail address typed by an agent, and a duplicate contact merged in.
    expect((await t.request('PATCH', `/api/contacts/${theirs.contact.id}`, { token: owner.token, body: { email: `${secret}@example.com` } })).status).toBe(200);
    const duplicate = await t.request('POST', '/api/contacts', { token: owner.token, body: { displayName: `${secret} duplicate`, phone: '+44 20 7946 0958' } });
    const merged = await t.request('POST', `/api/contacts/${theirs.contact.id}/merge`, { token: owner.token, body: { otherContactId: duplicate.body.id } });
    expect(merged.body.contact.phone).toBe('+442079460958');
    return { owner, theirs, bystander, db: region === 'eu' ? eu : ru };
  }

  async function traces(needles: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const [name, db] of [
      ['eu', eu],
      ['ru', ru],
    ] as const) {
      for (const table of await allTables(db)) {
        for (const needle of needles) if ((await rowsMentioning(db, table, needle)) > 0) found.push(`${name}:${table}:${needle}`);
      }
    }
    return found;
  }

  it("Meta's data deletion callback erases the user in every tenant and region, with a status page", async () => {
    const userId = `U${platformId()}`;
    const a = await seed('eu', 'messenger', userId, 'SECRET-A');
    const b = await seed('ru', 'instagram', userId, 'SECRET-B');
    expect(await traces([userId, 'SECRET-A', 'SECRET-B'])).not.toEqual([]);
    expect([a.theirs.contact.displayName, b.theirs.contact.displayName]).toEqual(['SECRET-A Profilename', 'SECRET-B Profilename']);

    const res = await t.request('POST', '/webhooks/meta/data-deletion', {
      body: `signed_request=${makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: userId }, META_APP_SECRET)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      url: expect.stringMatching(/^https:\/\/inbox\.example\/privacy\/deletion\/[A-Z0-9]+$/),
      confirmation_code: expect.stringMatching(/^[A-Z0-9]{16}$/),
    });

    expect(await traces([userId, 'SECRET-A', 'SECRET-B'])).toEqual([]);
    // The bystanders keep everything.
    for (const s of [a, b]) expect((await t.request('GET', `/api/contacts/${s.bystander.contact.id}`, { token: s.owner.token })).status).toBe(200);
    expect((await t.request('GET', `/api/contacts/${a.theirs.contact.id}`, { token: a.owner.token })).status).toBe(404);

    const status = await t.request('GET', `/privacy/deletion/${res.body.confirmation_code}`);
    // A: four inbound (its last one processed while B was seeded) + one queued reply; B: three + one.
    expect(status.body).toMatchObject({
      status: 'completed',
      deleted: { messages: 9, conversations: 2, contacts: 2, contact_identities: 2, notes: 2, contact_consents: 2, inbound_events: 8 },
    });
    const html = await t.request('GET', `/privacy/deletion/${res.body.confirmation_code}`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(html.headers['content-type']).toMatch(/text\/html/);
    expect(String(html.body)).toContain('All data about this person was deleted');

    // Receipts: one per tenant, in that tenant's region, without the identifiers.
    expect((await a.db.query(`select scope, counts from deletion_receipts where request_code = $1`, [res.body.confirmation_code])).rows).toHaveLength(1);
    expect((await b.db.query(`select scope, counts from deletion_receipts where request_code = $1`, [res.body.confirmation_code])).rows).toHaveLength(1);
  });

  it('refuses a forged or wrong-algorithm signed_request and records nothing', async () => {
    const before = (await eu.query(`select count(*)::int as n from directory.deletion_requests`)).rows[0].n;
    for (const signed of [
      makeSignedRequest({ algorithm: 'HMAC-SHA256', user_id: '1' }, 'not-our-secret'),
      makeSignedRequest({ algorithm: 'none', user_id: '1' }, META_APP_SECRET),
      'garbage',
    ]) {
      const res = await t.request('POST', '/webhooks/meta/data-deletion', {
        body: `signed_request=${signed}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_SIGNED_REQUEST');
    }
    expect((await eu.query(`select count(*)::int as n from directory.deletion_requests`)).rows[0].n).toBe(before);
    expect((await t.request('GET', '/privacy/deletion/NOSUCHCODE123')).status).toBe(404);
  });

  it('DELETE /api/contacts/:id and End User requests erase within the tenant, leaving receipts', async () => {
    const userId = `U${platformId()}`;
    const s = await seed('ru', 'messenger', userId, 'SECRET-C');
    const del = await t.request('DELETE', `/api/contacts/${s.theirs.contact.id}`, { token: s.owner.token });
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ confirmationCode: expect.any(String), status: 'completed', deleted: { messages: 4, inbound_events: 4, queue_jobs: 2 } });
    expect(await traces([userId, 'SECRET-C'])).toEqual([]);
    expect((await t.request('DELETE', `/api/contacts/${s.theirs.contact.id}`, { token: s.owner.token })).status).toBe(404);

    const byIdentity = await t.request('POST', '/api/privacy/deletion-requests', {
      token: s.owner.token,
      body: { channelKind: 'messenger', externalId: 'bystander-secret-c' },
    });
    expect(byIdentity.status).toBe(201);
    expect(await traces(['bystander-secret-c'])).toEqual([]);
    const receipts = (await s.db.query(`select subject_hash, scope from deletion_receipts where tenant_id = $1 order by completed_at`, [s.owner.tenantId]))
      .rows;
    expect(receipts).toEqual([
      { subject_hash: expect.stringMatching(/^[0-9a-f]{64}$/), scope: 'contact' },
      { subject_hash: expect.stringMatching(/^[0-9a-f]{64}$/), scope: 'platform-user' },
    ]);
  });

  it('another tenant cannot delete a contact it does not own', async () => {
    const s = await seed('eu', 'messenger', `U${platformId()}`, 'SECRET-D');
    const other = await t.signup();
    expect((await t.request('DELETE', `/api/contacts/${s.theirs.contact.id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('GET', `/api/contacts/${s.theirs.contact.id}`, { token: s.owner.token })).status).toBe(200);
    const agent = await t.addUser(s.owner, 'agent');
    expect((await t.request('DELETE', `/api/contacts/${s.theirs.contact.id}`, { token: agent.token })).status).toBe(403);
  });

  it('the deauthorize callback disconnects the Page at once and schedules its purge', async () => {
    const owner = await t.signup();
    const pageId = platformId();
    graph.page(pageId, 'EAAB-deauth-token');
    const channel = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'messenger', name: 'p', config: { pageId }, credentials: { pageAccessToken: 'EAAB-deauth-token' } },
    });
    const res = await t.request('POST', '/webhooks/meta/deauthorize', {
      body: `signed_request=${makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: Math.floor(Date.now() / 1000), user_id: '999', profile_id: pageId }, META_APP_SECRET)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(200);
    const after = await t.request('GET', `/api/channels/${channel.body.id}`, { token: owner.token });
    expect(after.body).toMatchObject({ status: 'disconnected', purgeAfter: expect.any(String) });
    expect((await eu.query(`select credentials from channels where id = $1`, [channel.body.id])).rows[0].credentials).toBeNull();
  });
});
