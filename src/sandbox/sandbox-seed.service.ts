import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError, type TenantRef } from '../../libs/domain/src';
import { ChannelService } from '../channels/core/channel.service';
import { AppConfig } from '../config/app-config';
import { TenancyService } from '../tenancy/tenancy.service';
import { TenantDirectory } from '../tenancy/tenant-directory.store';
import { SandboxAccounts, admitAccounts, sandboxAccounts } from './sandbox-accounts';
import { SandboxRuntime } from './sandbox-runtime';

/** What the sandbox keeps between starts, in DATA_DIR/sandbox.json: the login it printed and the seed of its accounts. */
interface SandboxState {
  email: string;
  password: string;
  seed: string;
}

const ORGANIZATION = 'Sandbox Shop';
const EMAIL = 'owner@sandbox.example';

/**
 * Makes the sandbox organization on the first start (an owner whose login is printed) and
 * connects one channel of each kind to the simulated platforms, through the same connect path as
 * POST /api/channels; later starts connect the same accounts again (the simulations forget
 * everything when the process ends, Telegram's webhook included).
 */
@Injectable()
export class SandboxSeed {
  private readonly log = new Logger('Sandbox');

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly config: AppConfig,
    private readonly tenancy: TenancyService,
    private readonly directory: TenantDirectory,
    private readonly channels: ChannelService,
  ) {}

  /** Seeds, and answers the lines to print: the login, the channels, how to simulate a customer. */
  async seed(): Promise<string[]> {
    const platforms = this.runtime.require();
    const { state, tenant } = await this.organization();
    const accounts = sandboxAccounts(state.seed);
    admitAccounts(platforms, accounts);
    const connected: string[] = [];
    for (const input of this.channelInputs(accounts)) {
      const existing = (await this.channels.list(tenant)).find((c) => c.kind === input.kind && c.status === 'active');
      // A web chat has no platform account to reconnect by: connecting again would make a second one.
      const channel = input.kind === 'webchat' && existing ? existing : (await this.channels.connect(tenant, input)).channel;
      connected.push(`${channel.kind} ${channel.id}`);
    }
    const base = this.config.publicBaseUrl;
    return [
      'SANDBOX: every platform is simulated on this machine and nothing reaches a real one; never expose this instance',
      `Sandbox login: ${state.email} / ${state.password}   (dashboard ${base}/, or POST ${base}/api/auth/login)`,
      `Sandbox channels: ${connected.join(', ')}`,
      `Simulate a customer: POST ${base}/api/sandbox/inbound {"channelId":"<id>","text":"Hello"}; what the platforms received: GET ${base}/api/sandbox/outbox?channelId=<id>`,
    ];
  }

  private channelInputs(a: SandboxAccounts) {
    return [
      { kind: 'messenger', name: 'Sandbox Page', config: { pageId: a.pageId }, credentials: { pageAccessToken: a.pageToken } },
      { kind: 'instagram', name: 'Sandbox Instagram', config: { igAccountId: a.igAccountId }, credentials: { accessToken: a.igToken } },
      {
        kind: 'whatsapp',
        name: 'Sandbox WhatsApp',
        config: { phoneNumberId: a.phoneNumberId, wabaId: a.wabaId },
        credentials: { accessToken: a.whatsappToken },
      },
      { kind: 'telegram', name: 'Sandbox Telegram bot', config: {}, credentials: { botToken: a.botToken } },
      {
        kind: 'sms',
        name: 'Sandbox SMS',
        config: { provider: 'twilio', phoneNumber: a.smsNumber, accountSid: a.accountSid },
        credentials: { authToken: a.authToken },
      },
      {
        kind: 'email',
        name: 'Sandbox e-mail',
        config: {
          address: `${a.mailboxLocalPart}@${this.config.emailDomain}`,
          smtp: { host: '127.0.0.1', port: this.runtime.require().smtp.port, user: a.smtpUser, from: '"Sandbox Shop" <support@sandbox.example>' },
        },
        credentials: { smtpPassword: a.smtpPassword },
      },
      { kind: 'webchat', name: 'Sandbox web chat', config: { allowedOrigins: [new URL(this.config.publicBaseUrl).origin] }, credentials: {} },
    ];
  }

  /** The organization of an earlier start (its state file and its owner's login still there), else a new one. */
  private async organization(): Promise<{ state: SandboxState; tenant: TenantRef }> {
    const file = join(this.config.dataDir, 'sandbox.json');
    const earlier = await readFile(file, 'utf8').then(
      (text) => JSON.parse(text) as SandboxState,
      () => null,
    );
    const route = earlier ? await this.directory.findLogin(earlier.email) : null;
    if (earlier && route) return { state: earlier, tenant: { tenantId: route.tenantId, region: route.region } };

    const state: SandboxState = { email: EMAIL, password: randomBytes(15).toString('base64url'), seed: randomBytes(32).toString('hex') };
    let signedUp;
    try {
      signedUp = await this.tenancy.signup({ organizationName: ORGANIZATION, email: state.email, password: state.password }, undefined);
    } catch (err) {
      if (!(err instanceof DomainError) || err.code !== 'EMAIL_TAKEN') throw err;
      // The address belongs to a sandbox organization whose state file is gone (its password with it): make another.
      state.email = `owner-${randomBytes(3).toString('hex')}@sandbox.example`;
      signedUp = await this.tenancy.signup({ organizationName: ORGANIZATION, email: state.email, password: state.password }, undefined);
    }
    await mkdir(this.config.dataDir, { recursive: true });
    await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    this.log.log(`sandbox organization created; its login is kept in ${file}`);
    return { state, tenant: { tenantId: signedUp.tenant.id, region: signedUp.tenant.region } };
  }
}
