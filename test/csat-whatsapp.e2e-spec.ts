import { CsatService } from '../src/csat/csat.service';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectWhatsApp, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, META_VERIFY_TOKEN, postMetaWebhook, waId, whatsappMessage } from './support/meta';
import { TestApp, TestTenant } from './support/test-app';

/**
 * CSAT on WhatsApp, through the webhook and the (fake) Cloud API: within the 24-hour window the
 * survey is a list message with one row per rating (reply buttons stop at three), checked by the
 * fake against the Cloud API's limits; the row the contact picks comes back as an interactive
 * list_reply and is the survey's rating, shown to agents on the conversation.
 */
describe('CSAT on WhatsApp', () => {
  let graph: FakeGraphServer;
  let t: TestApp;
  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, META_VERIFY_TOKEN }));
  });
  afterAll(async () => {
    await t.close();
    await graph.stop();
  });

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const deliver = async (body: unknown) => {
    expect((await postMetaWebhook(t, body)).status).toBe(200);
    await t.drainInbound();
  };

  it('asks with a list of 1-5 and records the row picked as the rating, shown on the conversation', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const line = await connectWhatsApp(t, graph, owner);
    await call(owner, 'PUT', `/api/csat/settings/${line.channelId}`, { enabled: true });
    const from = waId();
    await deliver(whatsappMessage(line.wabaId, line.phoneNumberId, from, { type: 'text', text: { body: 'My order is late' } }));
    const id = (await call(owner, 'GET', `/api/conversations?channelId=${line.channelId}`)).body.items[0].id as string;
    expect((await call(agent, 'POST', `/api/conversations/${id}/messages`, { text: 'It ships today' })).status).toBe(202);
    await t.drainOutbound();
    expect((await call(owner, 'GET', `/api/conversations/${id}`)).body.satisfaction).toBeNull();

    expect((await call(owner, 'PATCH', `/api/conversations/${id}`, { status: 'resolved', assigneeId: agent.userId })).status).toBe(200);
    await t.app.get(CsatService).settled();
    await t.drainOutbound();
    const sends = graph.callsTo(`/${line.phoneNumberId}/messages`);
    expect(sends).toHaveLength(2);
    expect(sends[1].body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: `+${from}`,
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'How would you rate the help you received?\nReply with a number from 1 (poor) to 5 (excellent).' },
        action: {
          button: 'Rate',
          sections: [
            {
              rows: [
                { id: 'csat:1', title: '1 – poor' },
                { id: 'csat:2', title: '2 – fair' },
                { id: 'csat:3', title: '3 – good' },
                { id: 'csat:4', title: '4 – very good' },
                { id: 'csat:5', title: '5 – excellent' },
              ],
            },
          ],
        },
      },
    });
    const messages = (await call(owner, 'GET', `/api/conversations/${id}/messages`)).body.items as Array<Record<string, unknown>>;
    const survey = messages.find((m) => m.autoReply)!;
    expect(survey).toMatchObject({ status: 'sent', externalId: expect.stringMatching(/^wamid\./) });
    const asked = (await call(agent, 'GET', `/api/conversations/${id}`)).body.satisfaction;
    expect(asked).toEqual({ askedAt: expect.any(String), rating: null, answeredAt: null, answeredVia: null });

    // The contact opens the list and picks "4 – very good" (the title alone would not read as a rating).
    await deliver(
      whatsappMessage(line.wabaId, line.phoneNumberId, from, {
        type: 'interactive',
        context: { from: line.phoneNumberId, id: survey.externalId },
        interactive: { type: 'list_reply', list_reply: { id: 'csat:4', title: '4 – very good' } },
      }),
    );
    const after = (await call(agent, 'GET', `/api/conversations/${id}`)).body;
    expect(after.status).toBe('resolved');
    expect(after.satisfaction).toEqual({ askedAt: asked.askedAt, rating: 4, answeredAt: expect.any(String), answeredVia: 'reply' });
    // The pick is in the thread as the contact's message, and in the reports.
    const thread = (await call(owner, 'GET', `/api/conversations/${id}/messages`)).body.items as Array<Record<string, unknown>>;
    // (Not necessarily first: WhatsApp's timestamps are whole seconds, the survey's are not.)
    expect(thread).toContainEqual(expect.objectContaining({ direction: 'inbound', text: '4 – very good' }));
    const day = new Date().toISOString().slice(0, 10);
    const byChannel = (await call(owner, 'GET', `/api/reports/conversations?from=${day}&to=${day}&groupBy=channel`)).body.items;
    expect(byChannel[0]).toMatchObject({ key: line.channelId, csatAsked: 1, csatAnswered: 1, csatAverage: 4, csatRatings: [0, 0, 0, 1, 0] });
    // Picking again is an ordinary message: the resolution is rated once.
    await deliver(
      whatsappMessage(line.wabaId, line.phoneNumberId, from, {
        type: 'interactive',
        interactive: { type: 'list_reply', list_reply: { id: 'csat:1', title: '1 – poor' } },
      }),
    );
    expect((await call(agent, 'GET', `/api/conversations/${id}`)).body.satisfaction.rating).toBe(4);
  });

  it('the fake Cloud API refuses a list WhatsApp would refuse', async () => {
    const owner = await t.signup();
    const line = await connectWhatsApp(t, graph, owner);
    const post = (interactive: unknown) =>
      fetch(`${graph.url}/${line.phoneNumberId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${line.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '+15550001111', type: 'interactive', interactive }),
      });
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    const list = (action: unknown) => ({ type: 'list', body: { text: 'Pick one' }, action });
    expect((await post(list({ button: 'Choose', sections: [{ rows: rows(5) }] }))).status).toBe(200);
    for (const bad of [
      list({ button: 'Choose', sections: [{ rows: rows(11) }] }),
      list({ button: 'A label longer than twenty', sections: [{ rows: rows(2) }] }),
      list({ button: 'Choose', sections: [{ rows: [{ id: 'x', title: 'A row title longer than 24 characters' }] }] }),
      list({ button: 'Choose', sections: [{ rows: rows(1) }, { rows: rows(1) }] }),
      { type: 'list', action: { button: 'Choose', sections: [{ rows: rows(2) }] } },
    ])
      expect([bad, (await post(bad)).status]).toEqual([bad, 400]);
  });
});
