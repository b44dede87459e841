import { ChannelAdapters } from '../src/channels/core/channel-adapters';
import { CrmConnectorKinds } from '../src/integrations/crm/core/crm-connector-kinds';
import { TestApp } from './support/test-app';

describe('subprocessors page', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(() => t.close());

  it('lists every platform a registered adapter sends data to', async () => {
    const res = await t.request('GET', '/legal/subprocessors');
    expect(res.status).toBe(200);
    const names = res.body.items.map((i: { name: string }) => i.name);
    const expected = new Set(
      t.app
        .get(ChannelAdapters)
        .all()
        .flatMap((a) => a.processors),
    );
    // The CRMs, from the connectors this build registers.
    for (const k of t.app.get(CrmConnectorKinds).all()) expected.add(k.vendor);
    expect(new Set(names)).toEqual(expected);
    expect(names).toEqual(expect.arrayContaining(['Meta Platforms (WhatsApp Business Cloud API)', 'Altegio']));
    expect(res.body.items.find((i: { name: string }) => i.name === 'Altegio')).toMatchObject({ integrations: ['altegio'] });
    const html = await t.request('GET', '/legal/subprocessors', { headers: { accept: 'text/html' } });
    expect(String(html.body)).toContain('<strong>Meta Platforms (Facebook Messenger)</strong>');
  });
});
