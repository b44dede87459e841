import type { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../libs/domain/src';
import { RetentionPurgeJob } from '../src/privacy/retention-purge.job';
import { allTables, rowsMentioning } from './support/db-catalog';
import { FakeGraphServer } from './fakes/fake-graph.server';
import { connectWhatsApp, startWithFakeGraph } from './support/channels';
import { META_APP_SECRET, postMetaWebhook, waId, whatsappMessage } from './support/meta';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

const DAY = 24 * 3600_000;

/** Every file under `dir` (recursively), by path. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Media is personal data: its bytes stay in the tenant's region and go with every deletion. The
 * verifier looks for a file's own bytes (a random pattern) in every table of every region and,
 * with a media directory per region (MEDIA_DIR_<REGION>), in every file of those directories.
 */
describe.each(['database', 'directory'] as const)('media privacy, bytes in the region %s', (mode) => {
  let t: TestApp;
  let graph: FakeGraphServer;
  let eu: Client;
  let ru: Client;
  let now: Date;
  const dirs = mode === 'directory' ? { eu: mkdtempSync(join(tmpdir(), 'mm-media-eu-')), ru: mkdtempSync(join(tmpdir(), 'mm-media-ru-')) } : null;
  /** Where a file's bytes are expected in this mode. */
  const home = (region: 'eu' | 'ru') => (dirs ? `${region}:files` : `${region}:public.media_chunks`);

  beforeAll(async () => {
    ({ t, graph } = await startWithFakeGraph({ META_APP_SECRET, ...(dirs ? { MEDIA_DIR_EU: dirs.eu, MEDIA_DIR_RU: dirs.ru } : {}) }));
    [eu, ru] = await Promise.all([ownerClient('eu'), ownerClient('ru')]);
    now = new Date();
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => now);
  });
  afterAll(async () => {
    await Promise.all([eu.end(), ru.end()]);
    await t.close();
    await graph.stop();
    if (dirs) for (const dir of Object.values(dirs)) rmSync(dir, { recursive: true, force: true });
  });

  /** A PDF whose body is a pattern no other test writes; `needle` is how PostgreSQL prints those bytes (bytea hex). */
  function secretFile() {
    const pattern = randomBytes(48);
    return { bytes: Buffer.concat([Buffer.from('%PDF-1.7\n'), pattern, Buffer.alloc(300 * 1024, 1), pattern]), needle: pattern.toString('hex') };
  }

  async function regionsHolding(needle: string): Promise<string[]> {
    const found: string[] = [];
    for (const [name, db] of [
      ['eu', eu],
      ['ru', ru],
    ] as const) {
      for (const table of await allTables(db)) if ((await rowsMentioning(db, table, needle)) > 0) found.push(`${name}:${table}`);
      const pattern = Buffer.from(needle, 'hex');
      if (dirs && filesUnder(dirs[name]).some((f) => readFileSync(f).includes(pattern))) found.push(`${name}:files`);
    }
    return found;
  }

  /** A WhatsApp contact who wrote, and an agent's reply with the file, sent. */
  async function sentFile(owner: TestTenant, bytes: Buffer) {
    const wa = await connectWhatsApp(t, graph, owner);
    await postMetaWebhook(t, whatsappMessage(wa.wabaId, wa.phoneNumberId, waId(), { type: 'text', text: { body: 'the contract please' } }));
    await t.drainInbound();
    const conversation = (await t.request('GET', `/api/conversations?channelId=${wa.channelId}`, { token: owner.token })).body.items[0];
    const upload = await t.upload(owner.token, bytes, { fileName: 'contract.pdf' });
    expect(upload.status).toBe(201);
    const sent = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
      token: owner.token,
      body: { attachments: [{ uploadId: upload.body.id }] },
    });
    expect(sent.status).toBe(202);
    await t.drainOutbound();
    return { channelId: wa.channelId, conversation, upload: upload.body };
  }

  it('serves a stored file back byte for byte, and counts it against the quota', async () => {
    const owner = await t.signup();
    const file = secretFile();
    const upload = await t.upload(owner.token, file.bytes, { fileName: 'contract.pdf' });
    expect(upload.status).toBe(201);
    const back = await t.app.inject({ method: 'GET', url: `/api/uploads/${upload.body.id}/content`, headers: { authorization: `Bearer ${owner.token}` } });
    expect(back.statusCode).toBe(200);
    expect(Buffer.compare(back.rawPayload, file.bytes)).toBe(0);
    const [{ n }] = (await eu.query(`select coalesce(sum(size), 0)::int as n from media_blobs where tenant_id = $1`, [owner.tenantId])).rows;
    expect(n).toBe(file.bytes.length);
    if (dirs) expect((await eu.query(`select count(*)::int as n from media_chunks where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
  });

  it("keeps a ru tenant's file bytes in the ru database only", async () => {
    const owner = await t.signup({ region: 'ru' });
    const file = secretFile();
    await sentFile(owner, file.bytes);
    expect(await regionsHolding(file.needle)).toEqual([home('ru')]);
  });

  it('erasing a contact deletes the bytes of the files sent to them, and only theirs', async () => {
    const owner = await t.signup();
    const theirs = secretFile();
    const bystanders = secretFile();
    const { conversation, upload } = await sentFile(owner, theirs.bytes);
    await sentFile(owner, bystanders.bytes);
    expect(await regionsHolding(theirs.needle)).toEqual([home('eu')]);

    const erased = await t.request('DELETE', `/api/contacts/${conversation.contactId}`, { token: owner.token });
    expect(erased.status).toBe(200);
    expect(await regionsHolding(theirs.needle)).toEqual([]);
    expect(await regionsHolding(bystanders.needle)).toEqual([home('eu')]);
    expect((await t.request('GET', `/api/uploads/${upload.id}`, { token: owner.token })).status).toBe(404);
  });

  it('keeps bytes another upload still refers to (the same file sent to two people)', async () => {
    const owner = await t.signup();
    const file = secretFile();
    const first = await sentFile(owner, file.bytes);
    await sentFile(owner, file.bytes);
    expect((await eu.query(`select count(*)::int as n from media_blobs where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(1);
    await t.request('DELETE', `/api/contacts/${first.conversation.contactId}`, { token: owner.token });
    expect(await regionsHolding(file.needle)).toEqual([home('eu')]);
  });

  it('retention deletes the bytes with the messages past it, and files never sent after a day', async () => {
    const owner = await t.signup();
    const sent = secretFile();
    const unsent = secretFile();
    const { channelId } = await sentFile(owner, sent.bytes);
    expect((await t.upload(owner.token, unsent.bytes)).status).toBe(201);
    await t.request('PUT', '/api/settings/retention', { token: owner.token, body: { defaultDays: null, channels: { [channelId]: 1 } } });

    now = new Date(Date.now() + 2 * DAY);
    try {
      await t.app.get(RetentionPurgeJob).run();
    } finally {
      now = new Date();
    }
    expect(await regionsHolding(sent.needle)).toEqual([]);
    expect(await regionsHolding(unsent.needle)).toEqual([]);
    expect((await eu.query(`select count(*)::int as n from uploads where tenant_id = $1`, [owner.tenantId])).rows[0].n).toBe(0);
  });
});
