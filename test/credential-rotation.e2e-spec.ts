import { KeyRing, SecretBox } from '../libs/crypto/src';
import { rotateChannelCredentials } from '../src/channels/core/credential-rotation';
import { InboundProcessor } from '../src/ingest/inbound-processor.worker';
import { OutboundSender } from '../src/ingest/outbound-sender.worker';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { META_APP_SECRET, messengerMessage, platformId, postMetaWebhook } from './support/meta';
import { TestApp, ownerClient } from './support/test-app';

/** Master key rotation: re-encrypt everything under the new key, then retire the old one. */
describe('master key rotation', () => {
  it('re-encrypts every credential so the old key can be removed', async () => {
    const graph = await new FakeGraphServer().start();
    const oldKey = KeyRing.generateKey('old');
    const newKey = KeyRing.generateKey('new');
    const env = { META_APP_SECRET, META_GRAPH_URL: graph.url };

    const before = await TestApp.start({ ...env, MM_MASTER_KEYS: oldKey });
    const owner = await before.signup();
    const pages = [platformId(), platformId(), platformId()];
    for (const pageId of pages) {
      graph.page(pageId, `EAAB-token-${pageId}`);
      const res = await before.request('POST', '/api/channels', {
        token: owner.token,
        body: { kind: 'messenger', name: pageId, config: { pageId }, credentials: { pageAccessToken: `EAAB-token-${pageId}` } },
      });
      expect(res.status).toBe(201);
    }
    const progress: number[] = [];
    const result = await rotateChannelCredentials(before.dbs, new SecretBox(KeyRing.parse(`${oldKey},${newKey}`)), (p) => progress.push(p.done));
    expect(result).toEqual({ total: 3, done: 3, rewrapped: 3 });
    expect(progress.at(-1)).toBe(3);
    const again = await rotateChannelCredentials(before.dbs, new SecretBox(KeyRing.parse(`${oldKey},${newKey}`)));
    expect(again.rewrapped).toBe(0);
    await before.close();

    const db = await ownerClient('eu');
    const { rows } = await db.query(`select credentials from channels where tenant_id = $1`, [owner.tenantId]);
    await db.end();
    expect(rows.map((r) => r.credentials.split('.')[1])).toEqual(['new', 'new', 'new']);

    // Only the new key left: the credentials still open, so sending works.
    const after = await TestApp.start({ ...env, MM_MASTER_KEYS: newKey });
    await postMetaWebhook(after, messengerMessage(pages[0], '777', 'still works?'));
    await after.app.get(InboundProcessor).drain();
    const conversation = (await after.request('GET', '/api/conversations', { token: owner.token })).body.items[0];
    await after.request('POST', `/api/conversations/${conversation.id}/messages`, { token: owner.token, body: { text: 'yes' } });
    await after.app.get(OutboundSender).drain();
    expect(graph.callsTo(`/${pages[0]}/messages`)).toHaveLength(1);
    expect(graph.callsTo(`/${pages[0]}/messages`)[0].authorization).toBe(`Bearer EAAB-token-${pages[0]}`);
    await after.close();
    await graph.stop();
  });
});
