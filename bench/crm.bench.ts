/**
 * CRM sync benchmark (a script that prints figures, not a test): `npm run bench:crm`.
 *
 * Runs the real app in this process on fresh databases (DATABASE_URL's server, or an embedded
 * PostgreSQL when unset), connects one tenant to each CRM fake (test/fakes) holding
 * BENCH_CRM_CLIENTS clients (10,000): YCLIENTS, amoCRM (OAuth authorized first) and Bitrix24, and
 * times one full sync of each through the sync engine.
 * Each fake enforces the vendor's documented limit (BENCH_CRM_RATE_SCALE, default 1, multiplies
 * it, and the app's rate with it: CrmConnectors.rateScale). At the real rates the run shows that
 * the sync keeps to the limit; scaled up, it shows how fast the app stores pages instead, since
 * storing a page then takes longer than the interval between requests. Printed per CRM: the
 * requests sent next to the minimum the vendor's page size allows, the run time next to the time
 * those requests need at the allowed rate (requests − burst) / rate, and their ratio (1.00 = at
 * the limit, < 1.10 the target), and the 429s the fake answered (0: the limit was kept).
 * Only 127.0.0.1 and the database server are contacted; every run is bounded in time.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { KeyRing } from '../libs/crypto/src';
import { createApp } from '../src/app.factory';
import { loadConfig } from '../src/config/app-config';
import { CrmConnectorKinds } from '../src/integrations/crm/core/crm-connector-kinds';
import { CrmConnectors } from '../src/integrations/crm/core/crm-connectors.service';
import { CrmSyncEngine } from '../src/integrations/crm/core/crm-sync.engine';
import { FakeAmo } from '../test/fakes/fake-amocrm.server';
import { FakeBitrix24 } from '../test/fakes/fake-bitrix24.server';
import { FakeYclients } from '../test/fakes/fake-yclients.server';
import { TestDatabases, createTestDatabases } from '../test/support/test-databases';
import { envNumber, note, withTimeout } from './bench-environment';
import { appPeakRssLine } from './app-memory';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { runScript } from './run-script';

const CLIENTS = envNumber('BENCH_CRM_CLIENTS', 10_000, 1_000, 100_000);
const SCALE = envNumber('BENCH_CRM_RATE_SCALE', 1, 1, 100);
const RUN_BOUND_MS = 300_000;

interface Row {
  crm: string;
  requests: number;
  minimum: string;
  seconds: number;
  expected: number;
  rateLimited: number;
  stored: number;
}

async function main(): Promise<void> {
  recordPrintedFigures('crm', benchKnobs());
  const t0 = performance.now();
  let dbs: TestDatabases | undefined;
  let app: NestFastifyApplication | undefined;
  const fakes: Array<{ stop(): Promise<void> }> = [];
  const appRole = `mm_bench_${randomBytes(4).toString('hex')}`;
  const rows: Row[] = [];
  try {
    dbs = await createTestDatabases();
    const config = loadConfig({
      REGION_DATABASE_URLS: Object.entries(dbs.urls)
        .map(([r, u]) => `${r}=${u}`)
        .join(','),
      DEFAULT_REGION: 'eu',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      DATABASE_APP_ROLE: appRole,
      MM_MASTER_KEYS: KeyRing.generateKey('bench1'),
      WORKERS: 'off',
      SMTP_PORT: '0',
      WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on',
    });
    app = await createApp(config, { logger: false });
    app.get(CrmConnectors).rateScale = SCALE;
    const engine = app.get(CrmSyncEngine);
    const kinds = app.get(CrmConnectorKinds);
    const inject = async (method: 'POST' | 'GET', url: string, body?: unknown, token?: string) => {
      const res = await app!.inject({ method, url, payload: body as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.statusCode, body: res.json() };
    };
    const signup = await inject('POST', '/api/auth/signup', {
      organizationName: 'Bench Org',
      email: `bench-${randomUUID()}@example.test`,
      password: 'a long enough password',
    });
    if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
    const tenant = { tenantId: signup.body.tenant.id, region: signup.body.tenant.region };
    const token = signup.body.accessToken;
    const owner = new Client({ connectionString: dbs.urls[tenant.region] });
    await owner.connect();

    /** One full sync of a fresh connection to `fake`, timed, next to what the vendor's rate allows. */
    const measure = async (
      label: string,
      kindName: string,
      fake: { rateLimited: number },
      integrationId: string,
      minimumNote: (pageSize: number) => string,
    ) => {
      const kind = kinds.find(kindName)!;
      const started = performance.now();
      const run = await withTimeout(engine.run(tenant, integrationId), RUN_BOUND_MS, `the ${label} sync`);
      const seconds = (performance.now() - started) / 1000;
      const errors = Object.entries(run.entities).filter(([, e]) => e?.error);
      if (errors.length) throw new Error(`${label} sync errors: ${JSON.stringify(errors)}`);
      const { requests, perSeconds, burst } = kind.capabilities.rate;
      const rate = (requests / perSeconds) * SCALE;
      const [{ n }] = (
        await owner.query(`select count(*)::int as n from crm_records where tenant_id = $1 and connection_id = $2 and entity = 'client'`, [
          tenant.tenantId,
          integrationId,
        ])
      ).rows;
      rows.push({
        crm: label,
        requests: run.stats.requests,
        minimum: minimumNote(kind.capabilities.pageSize.client!),
        seconds,
        expected: Math.max(0, run.stats.requests - burst) / rate,
        rateLimited: fake.rateLimited,
        stored: n,
      });
    };
    const connect = async (body: Record<string, unknown>) => {
      const created = await inject('POST', '/api/integrations', body, token);
      if (created.status !== 201) throw new Error(`connect ${String(body.kind)}: ${created.status} ${JSON.stringify(created.body)}`);
      return created.body as { id: string; authorizeUrl?: string };
    };
    const clientPages = (pageSize: number) => Math.ceil(CLIENTS / pageSize);

    // YCLIENTS: 5 requests/s, clients by the paged search (200 a page).
    {
      const fake = new FakeYclients().seed(CLIENTS, 0);
      fake.ratePerSecond = 5 * SCALE;
      fake.burst = 5 * SCALE;
      await fake.start();
      fakes.push(fake);
      const { id } = await connect({
        kind: 'yclients',
        name: 'bench',
        config: { baseUrl: `${fake.url}/api/v1`, companyId: String(fake.companyId) },
        credentials: { partnerToken: fake.partnerToken, userToken: fake.userToken },
      });
      await measure('YCLIENTS', 'yclients', fake, id, (size) => `${clientPages(size)} client pages of ${size} + 3 (staff, services, one empty records page)`);
    }

    // amoCRM: 7 requests/s per account, contacts by page (250 a page), OAuth authorized first.
    {
      const fake = new FakeAmo().seed(CLIENTS, 0);
      fake.ratePerSecond = 7 * SCALE;
      fake.burst = 7 * SCALE;
      await fake.start();
      fakes.push(fake);
      const created = await connect({
        kind: 'amocrm',
        name: 'bench',
        config: { baseUrl: fake.url, clientId: fake.clientId, oauthBaseUrl: fake.url },
        credentials: { clientSecret: fake.clientSecret },
      });
      const state = new URL(created.authorizeUrl!).searchParams.get('state')!;
      const done = await inject(
        'GET',
        `/integrations/oauth/callback?code=${fake.issueCode()}&state=${encodeURIComponent(state)}&referer=${new URL(fake.url).host}`,
      );
      if (done.status !== 200) throw new Error(`amoCRM authorization: ${done.status} ${JSON.stringify(done.body)}`);
      await measure('amoCRM', 'amocrm', fake, created.id, (size) => `${clientPages(size)} contact pages of ${size} + one empty page per other entity`);
    }

    // Bitrix24: a leaky bucket draining 2 requests/s (50 held), crm.item.list pages of 50.
    {
      const fake = new FakeBitrix24().seed(CLIENTS, 0);
      fake.drainPerSecond = 2 * SCALE;
      await fake.start();
      fakes.push(fake);
      const { id } = await connect({
        kind: 'bitrix24',
        name: 'bench',
        config: { baseUrl: fake.url },
        credentials: { webhookUserId: fake.userId, webhookCode: fake.code, applicationToken: fake.applicationToken },
      });
      await measure('Bitrix24', 'bitrix24', fake, id, (size) => `${clientPages(size)} contact pages of ${size} + one empty page per other entity`);
    }
    await owner.end();

    process.stdout.write(
      `\nCRM sync: ${CLIENTS.toLocaleString('en-US')} clients per CRM, one full sync each; fakes and app at ${SCALE}× the vendors' documented rates\n` +
        (SCALE > 1 ? `(scaled up, a page's storing can outlast the interval between requests: the ratio then measures the app, not the limit)\n` : '') +
        '\n',
    );
    for (const r of rows) {
      process.stdout.write(
        `${r.crm.padEnd(10)} requests ${r.requests} (minimum ${r.minimum}); ${r.seconds.toFixed(2)} s vs ${r.expected.toFixed(2)} s at the allowed rate: ` +
          `ratio ${(r.seconds / r.expected).toFixed(3)}; 429s from the fake: ${r.rateLimited}; clients stored: ${r.stored.toLocaleString('en-US')}\n`,
      );
    }
    process.stdout.write(appPeakRssLine(process.pid, true));
  } finally {
    for (const f of fakes) await f.stop().catch(() => undefined);
    await app?.close().catch((err: Error) => note(`app close: ${err.message}`));
    await dbs?.dispose().catch((err: Error) => note(`dropping databases: ${err.message}`));
    if (dbs && process.env.DATABASE_URL) {
      const c = new Client({ connectionString: dbs.serverUrl });
      await c.connect();
      await c.query(`drop role if exists "${appRole}"`).catch(() => undefined);
      await c.end();
    }
    process.stdout.write(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
}

runScript(main);
