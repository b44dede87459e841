import type { Client } from 'pg';
import { makeSignedRequest } from '../src/channels/meta/signed-request';
import { MetaMatchingWorker } from '../src/privacy/meta-matching.worker';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectPage, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const APP_ID = '1234567890123';
const nowS = () => Math.floor(Date.now() / 1000);

/**
 * Meta's data-deletion callback names the person by their app-scoped id (ASID); their Messenger
 * conversations are stored under Page-scoped ids. Graph's `ids_for_pages` maps one to the other,
 * and the status page tells what was matched and deleted.
 */
describe('Meta data deletion through ID matching', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  let eu: Client;

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_ID: APP_ID, META_APP_SECRET, PUBLIC_BASE_URL: 'https://inbox.example' }));
    graph.registerApp(APP_ID, META_APP_SECRET);
    eu = await ownerClient('eu');
  });
  afterAll(async () => {
    await eu.end();
    await t.close();
    await graph.stop();
  });

  /** The request's retry job, due now (its backoff is seconds to minutes), then the worker's pass. */
  const retryNow = async (code: string) => {
    await eu.query(
      `update queue.jobs set available_at = now() where kind = 'meta_matching' and ref_id = (select job_ref from directory.deletion_requests where code = $1)`,
      [code],
    );
    return t.app.get(MetaMatchingWorker).drain();
  };
  const retryJobs = async (code: string) =>
    (
      await eu.query(
        `select attempts, available_at > now() as later from queue.jobs where kind = 'meta_matching' and ref_id = (select job_ref from directory.deletion_requests where code = $1)`,
        [code],
      )
    ).rows;
  /** The person's id as the directory keeps it for the retry: sealed, and only while unfinished. */
  const keptSubject = async (code: string) =>
    (await eu.query(`select sealed_subject from directory.deletion_requests where code = $1`, [code])).rows[0].sealed_subject as string | null;
  const recordedMatches = async (tenantId: string, asid: string) =>
    (await eu.query(`select page_scoped_id, page_id from meta_id_matches where tenant_id = $1 and app_scoped_id = $2`, [tenantId, asid])).rows;
  /** Every call to ids_for_pages was a GET with the app token and its proof, and no body. */
  const expectMatchingCalls = (asid: string, n: number) => {
    const calls = graph.callsTo(`/${asid}/ids_for_pages`);
    expect(calls).toHaveLength(n);
    for (const call of calls) {
      expect(call).toMatchObject({ method: 'GET', authorization: `Bearer ${APP_ID}|${META_APP_SECRET}` });
      expect(call.body ?? '').toEqual(expect.not.stringMatching(/./));
      expect(graph.queryOf(call).appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
    }
  };

  const signed = (userId: string, secret = META_APP_SECRET) => makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: nowS(), user_id: userId }, secret);
  const callback = (signedRequest: string) =>
    t.request('POST', '/webhooks/meta/data-deletion', {
      body: `signed_request=${signedRequest}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  const status = async (code: string) => (await t.request('GET', `/privacy/deletion/${code}`)).body;
  const statusPage = async (code: string) => String((await t.request('GET', `/privacy/deletion/${code}`, { headers: { accept: 'text/html' } })).body);
  const conversations = async (owner: TestTenant) => (await t.request('GET', '/api/conversations', { token: owner.token })).body.items.length;

  /** A tenant's Page where the person (by PSID) and a bystander wrote. */
  async function pageWithPerson(psid: string) {
    const owner = await t.signup();
    const { pageId } = await connectPage(t, graph, owner);
    await postMetaWebhook(t, messengerMessage(pageId, psid, 'please forget me'));
    await postMetaWebhook(t, messengerMessage(pageId, `bystander-${psid}`, 'I stay'));
    await t.drainInbound();
    return { owner, pageId };
  }

  it("deletes the conversation stored under the person's PSID, asking Graph with the app token, through every page of the answer", async () => {
    const asid = platformId();
    const psid = platformId();
    const { owner, pageId } = await pageWithPerson(psid);
    // 100 ids on Pages not connected here come first: the match is on the second page of the answer.
    for (let i = 0; i < 100; i++) graph.pageScopedId(asid, `77${i}`, `88${i}${asid}`);
    graph.pageScopedId(asid, pageId, psid);
    expect(await conversations(owner)).toBe(2);

    const res = await callback(signed(asid));
    expect(res.status).toBe(200);
    expect(await conversations(owner)).toBe(1);
    const calls = graph.callsTo(`/${asid}/ids_for_pages`);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call).toMatchObject({ method: 'GET', authorization: `Bearer ${APP_ID}|${META_APP_SECRET}` });
      expect(graph.queryOf(call).appsecret_proof).toMatch(/^[0-9a-f]{64}$/);
    }
    const s = await status(res.body.confirmation_code);
    expect(s).toMatchObject({ status: 'completed', deleted: { messages: 1, contacts: 1, conversations: 1 } });
    expect(s.outcome).toContain('Meta matched this person to 101 accounts on Facebook Pages; data of 1 account was found here, in 1 organization, and deleted');
    expect(s.matching).toEqual({ state: 'matched', attempts: 1, accountsMatched: 101, accountsFound: 1, organizations: 1 });
    expect(s.note).toMatch(/^Instagram: Meta offers no documented way/);
    // Done: no retry job, and the person's id is not kept.
    expect(await retryJobs(res.body.confirmation_code)).toEqual([]);
    expect(await keptSubject(res.body.confirmation_code)).toBeNull();
    const page = await statusPage(res.body.confirmation_code);
    expect(page).toContain('1 contact records');
    expect(page).toContain('Instagram: Meta offers no documented way');
    expect(page).not.toContain(psid);
    expect(page).not.toContain(asid);
  });

  it('completes an unknown person with "nothing found"', async () => {
    const asid = platformId();
    const res = await callback(signed(asid));
    expect(res.status).toBe(200);
    const s = await status(res.body.confirmation_code);
    expect(s).toMatchObject({ status: 'completed', deleted: {} });
    expect(s.outcome).toMatch(/^Nothing found/);
    expect(s.outcome).toContain('matched this person to 0 accounts');
    expect(s.matching).toMatchObject({ state: 'matched', accountsMatched: 0, accountsFound: 0, organizations: 0 });
  });

  it('keeps the request pending ("in progress") when Graph fails, and finishes it under the same code when Meta repeats it', async () => {
    const asid = platformId();
    const psid = platformId();
    const { owner, pageId } = await pageWithPerson(psid);
    graph.pageScopedId(asid, pageId, psid);
    graph.failNext(`/${asid}/ids_for_pages`, 500, { message: 'An unknown error occurred', type: 'OAuthException', code: 1 });
    const request = signed(asid);

    const first = await callback(request);
    expect(first.status).toBe(200);
    const code = first.body.confirmation_code;
    expect(await status(code)).toMatchObject({
      status: 'pending',
      completedAt: null,
      outcome: expect.stringMatching(/^In progress: pending matching/),
      matching: { state: 'pending', attempts: 1, lastFailure: 'unavailable', nextAttemptAt: expect.any(String) },
    });
    expect(await statusPage(code)).toContain('in progress');
    expect(await conversations(owner)).toBe(2);

    const again = await callback(request);
    expect(again.body).toEqual(first.body);
    expect(await status(code)).toMatchObject({ status: 'completed', deleted: { messages: 1, contacts: 1 } });
    expect(await conversations(owner)).toBe(1);
  });

  it('stays pending when Graph refuses the token', async () => {
    const asid = platformId();
    const { pageId } = await pageWithPerson(platformId());
    graph.pageScopedId(asid, pageId, platformId());
    graph.registerApp(APP_ID, 'not-the-app-secret');
    try {
      const res = await callback(signed(asid));
      expect(res.status).toBe(200);
      expect(await status(res.body.confirmation_code)).toMatchObject({
        status: 'pending',
        outcome: expect.stringMatching(/^In progress/),
        matching: { state: 'pending', lastFailure: 'refused' },
      });
    } finally {
      graph.registerApp(APP_ID, META_APP_SECRET);
    }
  });

  it('retries a failed matching by itself with backoff (no repeat from Meta needed): a rate limit, then Graph down, then done', async () => {
    const asid = platformId();
    const psid = platformId();
    const { owner, pageId } = await pageWithPerson(psid);
    graph.pageScopedId(asid, pageId, psid);
    graph.failNext(`/${asid}/ids_for_pages`, 429, { message: 'Application request limit reached', type: 'OAuthException', code: 4 }, { 'retry-after': '120' });

    const res = await callback(signed(asid));
    const code = res.body.confirmation_code;
    expect(await status(code)).toMatchObject({ status: 'pending', matching: { state: 'pending', attempts: 1, lastFailure: 'rate_limited' } });
    // Graph's Retry-After is honoured: the job waits at least 120 s.
    const [job] = await retryJobs(code);
    expect(job.later).toBe(true);
    const wait = (
      await eu.query(
        `select extract(epoch from available_at - now())::int as s from queue.jobs where kind = 'meta_matching' and ref_id = (select job_ref from directory.deletion_requests where code = $1)`,
        [code],
      )
    ).rows[0].s;
    expect(wait).toBeGreaterThanOrEqual(110);
    // Kept only while it is needed (for the retry), and sealed.
    const kept = await keptSubject(code);
    expect(kept).toMatch(/^v1\./);
    expect(kept).not.toContain(asid);
    expect(await t.app.get(MetaMatchingWorker).drain()).toBe(0); // not due yet

    graph.failNext(`/${asid}/ids_for_pages`, 503, { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2 });
    expect(await retryNow(code)).toBe(1);
    expect(await status(code)).toMatchObject({
      status: 'pending',
      matching: { state: 'pending', attempts: 2, lastFailure: 'unavailable', nextAttemptAt: expect.any(String) },
    });
    expect(await conversations(owner)).toBe(2);
    const [backedOff] = await retryJobs(code);
    expect(backedOff).toMatchObject({ later: true });

    expect(await retryNow(code)).toBe(1);
    const s = await status(code);
    expect(s).toMatchObject({
      status: 'completed',
      deleted: { messages: 1, contacts: 1 },
      matching: { state: 'matched', attempts: 3, accountsMatched: 1, accountsFound: 1, organizations: 1 },
    });
    expect(s.matching.lastFailure).toBeUndefined();
    expect(await conversations(owner)).toBe(1);
    expect(await retryJobs(code)).toEqual([]);
    expect(await keptSubject(code)).toBeNull();
    expectMatchingCalls(asid, 3);
  });

  it('takes up a request whose run died with its process once the run is stale (15 minutes), not before', async () => {
    const asid = platformId();
    const psid = platformId();
    const { owner, pageId } = await pageWithPerson(psid);
    graph.pageScopedId(asid, pageId, psid);
    graph.failNext(`/${asid}/ids_for_pages`, 503, { message: 'Service temporarily unavailable', type: 'OAuthException', code: 2 });
    const code = (await callback(signed(asid))).body.confirmation_code;
    // As an instance that took the request up and was killed mid-run leaves it: running, no outcome.
    const died = (startedMinutesAgo: number) =>
      eu.query(`update directory.deletion_requests set outcome = null, run_started_at = now() - make_interval(mins => $2) where code = $1`, [
        code,
        startedMinutesAgo,
      ]);

    await died(5);
    await retryNow(code); // another run may still be going: the job backs off
    expect(await status(code)).toMatchObject({ status: 'pending' });
    expect(await conversations(owner)).toBe(2);
    expectMatchingCalls(asid, 1);
    expect(await retryJobs(code)).toEqual([expect.objectContaining({ later: true })]);

    await died(16);
    expect(await retryNow(code)).toBe(1);
    expect(await status(code)).toMatchObject({ status: 'completed', deleted: { messages: 1, contacts: 1 }, matching: { state: 'matched' } });
    expect(await conversations(owner)).toBe(1);
    expect(await keptSubject(code)).toBeNull();
    expectMatchingCalls(asid, 2);
  });

  it('records the match on a connected Page where the person has no data yet, and a later request erases them there while Graph is down', async () => {
    const asid = platformId();
    const psid = platformId();
    const owner = await t.signup();
    const { pageId } = await connectPage(t, graph, owner);
    graph.pageScopedId(asid, pageId, psid);
    graph.pageScopedId(asid, `99${platformId()}`, platformId()); // a Page not connected here: not recorded

    // Two requests of the same person, issued a minute apart (a request is known by person and issue time).
    const issued = nowS() - 120;
    const first = await callback(makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: issued, user_id: asid }, META_APP_SECRET));
    expect(await status(first.body.confirmation_code)).toMatchObject({ status: 'completed', deleted: {}, matching: { accountsMatched: 2, accountsFound: 0 } });
    expect(await recordedMatches(owner.tenantId, asid)).toEqual([{ page_scoped_id: psid, page_id: pageId }]);

    // The person writes to the Page later, then asks again while Graph is down.
    await postMetaWebhook(t, messengerMessage(pageId, psid, 'forget me again'));
    await t.drainInbound();
    expect(await conversations(owner)).toBe(1);
    graph.failNext(`/${asid}/ids_for_pages`, 500, { message: 'An unknown error occurred', type: 'OAuthException', code: 1 });
    const later = await callback(makeSignedRequest({ algorithm: 'HMAC-SHA256', issued_at: issued + 60, user_id: asid }, META_APP_SECRET));
    expect(later.body.confirmation_code).not.toBe(first.body.confirmation_code);
    const s = await status(later.body.confirmation_code);
    expect(await conversations(owner)).toBe(0);
    expect(s).toMatchObject({
      status: 'pending',
      deleted: { messages: 1, contacts: 1 },
      matching: { state: 'pending', accountsMatched: 1, accountsFound: 1, organizations: 1 },
    });
    expect(s.outcome).toContain('Meanwhile, data of 1 account known from an earlier match was deleted, in 1 organization.');
    // The erasure took the match with the data it named.
    expect(await recordedMatches(owner.tenantId, asid)).toEqual([]);

    expect(await retryNow(later.body.confirmation_code)).toBe(1);
    expect(await status(later.body.confirmation_code)).toMatchObject({
      status: 'completed',
      deleted: { messages: 1, contacts: 1 },
      matching: { state: 'matched', accountsFound: 1 },
    });
  });

  it("a contact's erasure by the business deletes the matches recorded for it; the status page names no organization", async () => {
    const asid = platformId();
    const psid = platformId();
    const a = await pageWithPerson(psid);
    const b = await pageWithPerson(psid); // the same PSID on another business's Page (ids are per Page; a collision tests the count)
    graph.pageScopedId(asid, a.pageId, psid);
    graph.pageScopedId(asid, b.pageId, psid);
    graph.failNext(`/${asid}/ids_for_pages`, 500, { message: 'An unknown error occurred', type: 'OAuthException', code: 1 });
    const res = await callback(signed(asid));
    const code = res.body.confirmation_code;
    expect(await status(code)).toMatchObject({ status: 'pending' });
    expect(await retryNow(code)).toBe(1);
    const s = await status(code);
    expect(s).toMatchObject({ status: 'completed', matching: { accountsMatched: 2, accountsFound: 1, organizations: 2 }, deleted: { contacts: 2 } });
    const page = await statusPage(code);
    expect(page).toContain('in 2 organizations');
    for (const owner of [a.owner, b.owner]) {
      expect(page).not.toContain(owner.tenantId);
      expect(page).not.toContain(a.pageId);
    }

    // Recorded where the person has no data yet, then the business erases the contact they became.
    const asid2 = platformId();
    const psid2 = platformId();
    const owner = await t.signup();
    const { pageId } = await connectPage(t, graph, owner);
    graph.pageScopedId(asid2, pageId, psid2);
    await callback(signed(asid2));
    expect(await recordedMatches(owner.tenantId, asid2)).toHaveLength(1);
    await postMetaWebhook(t, messengerMessage(pageId, psid2, 'hello'));
    await t.drainInbound();
    const contactId = (await t.request('GET', '/api/conversations', { token: owner.token })).body.items[0].contactId;
    expect((await t.request('DELETE', `/api/contacts/${contactId}`, { token: owner.token })).status).toBe(200);
    expect(await recordedMatches(owner.tenantId, asid2)).toEqual([]);
  });

  it('refuses a forged signed_request without asking Graph', async () => {
    const asid = platformId();
    const res = await callback(signed(asid, 'not-the-app-secret'));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('INVALID_SIGNED_REQUEST');
    expect(graph.callsTo(`/${asid}/ids_for_pages`)).toHaveLength(0);
  });
});
