import type { AddressInfo } from 'node:net';
import { SseConnections } from '../src/events/sse-connections.service';
import { TestApp, TestTenant } from './support/test-app';

/**
 * When the instance stops (a rolling restart), its event streams end with a short `retry:` hint,
 * and a client that reconnects to it meanwhile is sent on at once: it lands on another instance.
 */
describe('event streams of a stopping instance', () => {
  let t: TestApp;
  let owner: TestTenant;
  let url: string;

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup();
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}/api/events`;
  });
  afterAll(() => t.close());

  const open = async () => {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    return res.text();
  };
  const retries = (text: string) => [...text.matchAll(/^retry: (\d+)$/gm)].map((m) => Number(m[1]));

  it('ends open streams with a reconnect hint, and sends a late reconnect on', async () => {
    const streaming = open();
    const sse = t.app.get(SseConnections);
    while (sse.count() === 0) await new Promise((r) => setTimeout(r, 20));

    sse.beforeApplicationShutdown();
    const ended = retries(await streaming);
    expect(ended).toHaveLength(2); // the opening hint, then the one to come back soon
    expect(ended[1]).toBeGreaterThanOrEqual(500);
    expect(ended[1]).toBeLessThanOrEqual(2500);

    const late = retries(await open());
    expect(late).toHaveLength(2);
    expect(sse.count()).toBe(0);
  });
});
