import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { ChannelKind, InboundMessage, TenantRef } from '../../libs/domain/src';
import { createApp } from '../../src/app.factory';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { ConversationService } from '../../src/conversations/conversation.service';
import { RegionDatabases } from '../../src/database/region-databases';
import { InboundProcessor } from '../../src/ingest/inbound-processor.worker';
import { InboundMediaCopier } from '../../src/media/inbound-media.worker';
import { OutboundSender } from '../../src/ingest/outbound-sender.worker';
import { IntegrationDispatcher } from '../../src/integrations/core/integration-dispatcher.service';
import { ProfileNames } from '../../src/conversations/profile-names.service';
import { contractViolation } from './api-contract';
import { databaseUrl } from './test-databases';

export interface TestTenant extends TenantRef {
  token: string;
  userId: string;
  email: string;
  password: string;
}

export interface HttpResult {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

let fileDatabases: Promise<Record<string, string>> | undefined;

let signups = 0;
/** A client address per sign-up, from the benchmarking range 198.18.0.0/15. */
const signupAddress = () => `198.18.${(++signups >> 8) & 255}.${signups & 255}`;

/**
 * This test file's own databases (region -> owner URL), cloned from the run's migrated templates
 * on first use. Jest loads this module once per file, so files never share a database.
 */
export function testDatabases(): Promise<Record<string, string>> {
  fileDatabases ??= cloneTemplates();
  return fileDatabases;
}

async function cloneTemplates(): Promise<Record<string, string>> {
  const serverUrl = process.env.MM_TEST_SERVER_URL!;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  const suffix = randomBytes(4).toString('hex');
  const urls: Record<string, string> = {};
  try {
    for (const entry of process.env.MM_TEST_TEMPLATES!.split(',')) {
      const [region, template] = entry.split('=');
      const name = `${process.env.MM_TEST_RUN}_${suffix}_${region}`;
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.query(`create database ${name} template ${template}`);
          break;
        } catch (err) {
          // Two files cloning the same template at the same instant: PostgreSQL lets one wait.
          if (attempt >= 20 || !/being accessed by other users/.test((err as Error).message)) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
      urls[region] = databaseUrl(serverUrl, name);
    }
  } finally {
    await admin.end();
  }
  return urls;
}

export async function regionDatabaseUrls(): Promise<string> {
  return Object.entries(await testDatabases())
    .map(([r, u]) => `${r}=${u}`)
    .join(',');
}

/** The env the whole app would get in production, pointing at this file's test databases. */
export async function testEnv(overrides: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  return {
    REGION_DATABASE_URLS: await regionDatabaseUrls(),
    DEFAULT_REGION: 'eu',
    JWT_SECRET: process.env.MM_TEST_JWT_SECRET!,
    DATABASE_APP_ROLE: process.env.MM_TEST_APP_ROLE!,
    DATABASE_APP_PASSWORD: process.env.MM_TEST_APP_PASSWORD!,
    MM_MASTER_KEYS: process.env.MM_TEST_MASTER_KEYS!,
    // Tests drive the queue workers by hand (drain) unless they ask for the background loops.
    WORKERS: 'off',
    // No inbound SMTP listener unless a test asks for one (port 0 = off).
    SMTP_PORT: '0',
    // System mail (no MAIL_URL) is written under DATA_DIR/mail: never into the working tree.
    DATA_DIR: join(tmpdir(), `mm-test-${process.env.MM_TEST_RUN ?? 'data'}`),
    ...overrides,
  };
}

export async function regionUrl(region: string): Promise<string> {
  return (await testDatabases())[region];
}

/** Connects straight to a region's database as the owner (what a DBA sees). */
export async function ownerClient(region: string): Promise<Client> {
  const c = new Client({ connectionString: await regionUrl(region) });
  await c.connect();
  return c;
}

export class TestApp {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly config: AppConfig,
  ) {}

  static async start(overrides: Record<string, string> = {}): Promise<TestApp> {
    const config = loadConfig(await testEnv(overrides));
    const app = await createApp(config, { logger: false });
    return new TestApp(app, config);
  }

  get dbs(): RegionDatabases {
    return this.app.get(RegionDatabases);
  }

  get conversations(): ConversationService {
    return this.app.get(ConversationService);
  }

  close(): Promise<void> {
    return this.app.close();
  }

  /**
   * Processes every stored webhook event that is due (tests run with WORKERS off), then waits
   * until the integrations recorded the deliveries of the events that raised; answers how many
   * events were processed.
   */
  async drainInbound(): Promise<number> {
    const processed = await this.app.get(InboundProcessor).drain();
    await this.app.get(IntegrationDispatcher).settled();
    await this.app.get(ProfileNames).settled();
    return processed;
  }

  /** Copies the files of inbound messages that are due (media jobs); answers how many jobs ran. */
  drainMedia(): Promise<number> {
    return this.app.get(InboundMediaCopier).drain();
  }

  /** Sends every queued message that is due; answers how many jobs ran. */
  drainOutbound(): Promise<number> {
    return this.app.get(OutboundSender).drain();
  }

  /** `remoteAddress`: the client's address as the socket reports it (127.0.0.1 unless given). */
  async request(
    method: string,
    url: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string>; remoteAddress?: string } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let payload: string | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await this.app.inject({ method: method as 'GET', url, headers, payload, ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}) });
    let body: unknown = res.body;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      // not JSON: keep the text
    }
    const broken = contractViolation(method, url, res.statusCode, res.headers, body);
    if (broken) throw new Error(`API contract: ${broken}`);
    return { status: res.statusCode, body, headers: res.headers };
  }

  /**
   * `POST /api/uploads` with one file as multipart/form-data (part `file`, or `field`), the
   * answer checked against the API contract like `request`'s.
   */
  async upload(token: string, bytes: Buffer, opts: { fileName?: string; contentType?: string; field?: string; query?: string } = {}): Promise<HttpResult> {
    const boundary = `----mm${randomBytes(8).toString('hex')}`;
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${opts.field ?? 'file'}"; filename="${opts.fileName ?? 'file.bin'}"\r\n` +
          `Content-Type: ${opts.contentType ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const url = `/api/uploads${opts.query ? `?${opts.query}` : ''}`;
    const res = await this.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    const body = res.body ? JSON.parse(res.body) : undefined;
    const broken = contractViolation('POST', url, res.statusCode, res.headers, body);
    if (broken) throw new Error(`API contract: ${broken}`);
    return { status: res.statusCode, body, headers: res.headers };
  }

  /**
   * Signs up a fresh organization; every test makes its own tenants, nothing is truncated. Each
   * comes from an address of its own, as different businesses would (sign-ups are limited per address).
   */
  async signup(opts: { region?: string; organizationName?: string } = {}): Promise<TestTenant> {
    const email = `owner-${randomUUID()}@example.test`;
    const password = 'a long enough password';
    const res = await this.request('POST', '/api/auth/signup', {
      body: { organizationName: opts.organizationName ?? 'Test Org', email, password, ...(opts.region ? { region: opts.region } : {}) },
      remoteAddress: signupAddress(),
    });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { token: res.body.accessToken, tenantId: res.body.tenant.id, region: res.body.tenant.region, userId: res.body.user.id, email, password };
  }

  /** A user of `role` in the tenant of `by`, logged in. */
  async addUser(by: TestTenant, role: 'admin' | 'agent'): Promise<TestTenant> {
    const email = `${role}-${randomUUID()}@example.test`;
    const password = 'another long password';
    const created = await this.request('POST', '/api/users', { token: by.token, body: { email, password, role } });
    if (created.status !== 201) throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await this.request('POST', '/api/auth/login', { body: { email, password } });
    return { ...by, token: login.body.accessToken, userId: created.body.id, email, password };
  }

  /** Channels get an API of their own later; until then tests create them directly. */
  async createChannel(tenant: TenantRef, kind: ChannelKind = 'messenger'): Promise<string> {
    const id = randomUUID();
    await this.dbs.forTenant(tenant, (tx) =>
      tx.query(`insert into channels (tenant_id, id, kind, name) values ($1, $2, $3, $4)`, [tenant.tenantId, id, kind, `${kind} test channel`]),
    );
    return id;
  }

  /** Delivers an inbound message the way a channel adapter will. */
  inbound(tenant: TenantRef, channelId: string, over: Partial<InboundMessage> = {}) {
    return this.conversations.receiveInbound(tenant, {
      channelId,
      channelKind: 'messenger',
      externalContactId: `psid-${randomUUID()}`,
      externalMessageId: `mid-${randomUUID()}`,
      text: 'hello',
      sentAt: new Date(),
      ...over,
    });
  }
}
