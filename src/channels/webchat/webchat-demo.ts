import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { TenancyService } from '../../tenancy/tenancy.service';
import { ChannelService } from '../core/channel.service';

interface DemoState {
  email: string;
  password: string;
  tenantId: string;
  region: string;
  channelId: string;
  channelKey: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const isLoopbackAddress = (a: string | undefined) => !!a && (a === '::1' || /^(::ffff:)?127\./.test(a));

/**
 * The name the browser used to reach us (Host, port dropped). A page of any site can have its
 * name resolve to 127.0.0.1 (DNS rebinding) and then read what this machine serves under that
 * name, so the console is shown only to a browser that asked for a loopback name itself.
 */
function requestedHostIsLoopback(host: string | undefined): boolean {
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(host ?? '');
  return !!m && LOOPBACK_HOSTS.has(m[1].toLowerCase());
}

/**
 * The local demo of /widget-demo: on the first visit of a local run it creates its own demo
 * organization with a web chat channel for this very page, remembered in DATA_DIR. It exists
 * only when the deployment runs on localhost (PUBLIC_BASE_URL is a loopback URL) and the browser
 * is on this machine, talks to the app directly (loopback peer, no proxy headers) and asked for a
 * loopback name (Host: localhost, 127.0.0.1 or [::1], not a rebound name), so a
 * deployed instance never creates it nor shows its credentials. The demo organization holds only
 * what is typed into the demo; no other tenant's data is ever involved.
 */
@Injectable()
export class WebchatDemo {
  private readonly log = new Logger(WebchatDemo.name);
  private pending?: Promise<{ state: DemoState; accessToken: string }>;

  constructor(
    private readonly config: AppConfig,
    private readonly tenancy: TenancyService,
    private readonly channels: ChannelService,
  ) {}

  allowedFor(req: FastifyRequest): boolean {
    let host: string;
    try {
      host = new URL(this.config.publicBaseUrl).hostname;
    } catch {
      return false;
    }
    const proxied = ['x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip'].some((h) => req.headers[h] !== undefined);
    return LOOPBACK_HOSTS.has(host) && !proxied && isLoopbackAddress(req.raw.socket.remoteAddress) && requestedHostIsLoopback(req.headers.host);
  }

  /** The origins the demo page is reachable at on this machine. */
  origins(): string[] {
    const url = new URL(this.config.publicBaseUrl);
    const port = url.port ? `:${url.port}` : '';
    return [...new Set([url.origin, `${url.protocol}//localhost${port}`, `${url.protocol}//127.0.0.1${port}`])];
  }

  /** Finds the demo organization of this data directory, or creates it (one at a time). */
  ensure(): Promise<{ state: DemoState; accessToken: string }> {
    this.pending ??= this.findOrCreate().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private get file(): string {
    return join(this.config.dataDir, 'widget-demo.json');
  }

  private async findOrCreate(): Promise<{ state: DemoState; accessToken: string }> {
    const saved = this.read();
    if (saved) {
      try {
        const { accessToken } = await this.tenancy.login(saved.email, saved.password, undefined);
        const channel = await this.channels.get({ tenantId: saved.tenantId, region: saved.region }, saved.channelId);
        if (channel.status === 'active') return { state: saved, accessToken };
      } catch (err) {
        this.log.warn(`the saved widget demo is gone (${(err as Error).message}); making a new one`);
      }
    }
    const email = `widget-demo-${randomBytes(4).toString('hex')}@example.com`;
    const password = randomBytes(18).toString('base64url');
    const signup = await this.tenancy.signup({ organizationName: 'Widget demo', email, password }, undefined);
    const tenant = { tenantId: signup.tenant.id, region: signup.tenant.region };
    const { channel } = await this.channels.connect(tenant, {
      kind: 'webchat',
      name: 'Widget demo',
      config: { allowedOrigins: this.origins() },
      credentials: {},
    });
    const state: DemoState = {
      email,
      password,
      tenantId: tenant.tenantId,
      region: tenant.region,
      channelId: channel.id,
      channelKey: String(channel.config.channelKey),
    };
    mkdirSync(this.config.dataDir, { recursive: true });
    writeFileSync(this.file, JSON.stringify(state, null, 2), { mode: 0o600 });
    this.log.log(`created the widget demo organization ${email} (saved in ${this.file})`);
    return { state, accessToken: signup.accessToken };
  }

  private read(): DemoState | null {
    try {
      return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as DemoState) : null;
    } catch {
      return null;
    }
  }
}
