import { randomUUID } from 'node:crypto';
import { TestApp } from './support/test-app';

describe('GET /api/contacts/:id/consents (the contact panel reads them)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await TestApp.start();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('lists what was recorded, by whom, when and from where; empty before anything is recorded', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const { conversation } = await t.inbound(owner, channelId);
    const url = `/api/contacts/${conversation.contactId}/consents`;

    const before = await t.request('GET', url, { token: agent.token });
    expect(before.status).toBe(200);
    expect(before.body).toEqual({ items: [] });

    const put = await t.request('PUT', url, {
      token: agent.token,
      body: {
        consents: [
          { purpose: 'whatsapp_opt_in', granted: true, source: 'checkout form' },
          { purpose: 'data_export', granted: false, source: 'asked by phone' },
        ],
      },
    });
    expect(put.status).toBe(200);

    const after = await t.request('GET', url, { token: owner.token });
    expect(after.status).toBe(200);
    expect(after.body.items).toEqual([
      { purpose: 'data_export', granted: false, source: 'asked by phone', recordedBy: agent.userId, recordedAt: expect.any(String) },
      { purpose: 'whatsapp_opt_in', granted: true, source: 'checkout form', recordedBy: agent.userId, recordedAt: expect.any(String) },
    ]);
  });

  it("another organization's contact, an unknown one and a malformed id: 404, 404, 400", async () => {
    const owner = await t.signup();
    const other = await t.signup();
    const { conversation } = await t.inbound(owner, await t.createChannel(owner));
    expect((await t.request('GET', `/api/contacts/${conversation.contactId}/consents`, { token: other.token })).body).toMatchObject({
      statusCode: 404,
      code: 'CONTACT_NOT_FOUND',
    });
    expect((await t.request('GET', `/api/contacts/${randomUUID()}/consents`, { token: owner.token })).status).toBe(404);
    expect((await t.request('GET', '/api/contacts/not-an-id/consents', { token: owner.token })).body).toMatchObject({ statusCode: 400, code: 'INVALID_ID' });
    expect((await t.request('GET', `/api/contacts/${conversation.contactId}/consents`)).status).toBe(401);
  });
});
