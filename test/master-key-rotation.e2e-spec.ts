import { KeyRing, SecretBox } from '../libs/crypto/src';
import { rotateChannelCredentials } from '../src/channels/core/credential-rotation';
import { IntegrationSecrets } from '../src/integrations/core/integration-secrets.service';
import { assertSealedKeysInRing } from '../src/startup';
import { AppProcess } from './support/app-process';
import { TestApp, testEnv } from './support/test-app';

jest.setTimeout(120_000);

/**
 * Rotation then a start with the old ring: the app refuses to start (naming the missing key and
 * MM_MASTER_KEYS) instead of starting and failing every send and delivery later.
 */
describe('master key rotation', () => {
  const oldRing = process.env.MM_TEST_MASTER_KEYS!;
  const newRing = `${oldRing},${KeyRing.generateKey('k2')}`;
  let before: TestApp;
  let after: TestApp;

  beforeAll(async () => {
    before = await TestApp.start({ MM_MASTER_KEYS: oldRing });
    const owner = await before.signup();
    const sub = await before.request('POST', '/api/webhook-subscriptions', {
      token: owner.token,
      body: { url: 'https://hooks.example.com/rotation', events: ['message.created'], purpose: 'service_delivery' },
    });
    expect(sub.status).toBe(201);
    await assertSealedKeysInRing(before.app); // everything under the one key there is
  });
  afterAll(async () => {
    await before?.close();
    await after?.close();
  });

  it('refuses a start whose ring lacks a key a stored secret is sealed under', async () => {
    after = await TestApp.start({ MM_MASTER_KEYS: newRing });
    const ring = KeyRing.parse(newRing);
    await rotateChannelCredentials(after.dbs, new SecretBox(ring));
    const rotated = await after.app.get(IntegrationSecrets).rotate(new SecretBox(ring));
    expect(rotated.rewrapped).toBeGreaterThan(0);
    await assertSealedKeysInRing(after.app);

    // The old ring, as an instance that was not given the new key would start.
    await expect(assertSealedKeysInRing(before.app)).rejects.toThrow(
      /MM_MASTER_KEYS: stored secrets are sealed under master key "k2", which is not in the key ring/,
    );

    const stale = new AppProcess(await testEnv({ MM_MASTER_KEYS: oldRing }));
    await expect(stale.start(60_000)).rejects.toThrow(/exited with 1/);
    expect(stale.output).toMatch(/MM_MASTER_KEYS: stored secrets are sealed under master key "k2"/);
    expect(stale.output).not.toMatch(/\n\s+at /); // one message, no stack trace
  });
});
