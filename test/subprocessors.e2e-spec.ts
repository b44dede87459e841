import { ChannelAdapters } from '../src/channels/channel-adapter';
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
    expect(new Set(names)).toEqual(expected);
    expect(names).toEqual(expect.arrayContaining(['Meta Platforms (WhatsApp Business Cloud API)']));
    const html = await t.request('GET', '/legal/subprocessors', { headers: { accept: 'text/html' } });
    expect(String(html.body)).toContain('<strong>Meta Platforms (Facebook Messenger)</strong>');
  });
});
