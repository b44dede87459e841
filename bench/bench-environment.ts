import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Pool } from 'pg';
import { KeyRing } from '../libs/crypto/src';
import { FakeGraphServer } from '../test/fakes/fake-graph.server';
import { AppProcess } from '../test/support/app-process';
import { META_APP_SECRET } from '../test/support/meta';
import { TestDatabases, createTestDatabases } from '../test/support/test-databases';

// What the load benches share: fresh databases, the real app as a child process with a database
// role of its own, bounded run time, and a cleanup that runs once whatever happens.

/** A number from the environment, clamped to [min, max], rounded. */
export const envNumber = (name: string, fallback: number, min: number, max: number) => {
  const v = Number(process.env[name] ?? fallback);
  return Number.isFinite(v) ? Math.round(Math.min(max, Math.max(min, v))) : fallback;
};

export const note = (msg: string) => process.stderr.write(`· ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0)) : 'n/a');

export async function withTimeout<T>(p: Promise<T>, bound: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${bound} ms`)), bound)))]);
  } finally {
    clearTimeout(timer);
  }
}

export const describeServer = () => (process.env.DATABASE_URL ? `DATABASE_URL server (${new URL(process.env.DATABASE_URL).host})` : 'embedded PostgreSQL');

/** How a database URL reaches its server: a Unix socket's directory, or TCP host:port. */
export function transport(url: string): string {
  const u = new URL(url);
  const host = u.searchParams.get('host') ?? decodeURIComponent(u.hostname);
  return host.startsWith('/') ? `Unix socket in ${host}` : `TCP ${host}:${u.port || 5432}`;
}

export class BenchEnvironment {
  dbs?: TestDatabases;
  app?: AppProcess;
  owner?: Pool;
  /** The Graph API the app talks to: connecting a Page proves control of it there. */
  readonly graph: FakeGraphServer;
  /** The app's environment: region URLs, its own role, fresh secrets, workers on. */
  env: NodeJS.ProcessEnv = {};
  // The app role is cluster-wide; ours has its own name so a concurrent test run's mm_app keeps its password.
  private readonly appRole: string;
  private readonly cleanups: Array<() => unknown> = [];
  private cleaning?: Promise<void>;

  /** `graph`: a fake Graph server of the bench's own (one that times the calls it receives, say). */
  constructor(
    rolePrefix: string,
    private readonly runBoundMs: number,
    graph: FakeGraphServer = new FakeGraphServer(),
  ) {
    this.appRole = `${rolePrefix}_${randomBytes(3).toString('hex')}`;
    this.graph = graph;
  }

  /** Runs before the app and databases go away (stop load generators, threads...). */
  onCleanup(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  /**
   * Creates the databases and starts the app; the owner pool reaches the eu database. `app.env`
   * adds to (or overrides) the app's environment, `app.nodeArgs` are flags for its node.
   */
  async start(
    ownerPool: { max: number; idleTimeoutMillis?: number } = { max: 3 },
    appOptions: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {},
  ): Promise<{ dbs: TestDatabases; app: AppProcess; owner: Pool }> {
    note(`creating databases on the ${describeServer()}`);
    const dbs = (this.dbs = await createTestDatabases());
    await this.graph.start();
    this.env = {
      REGION_DATABASE_URLS: `eu=${dbs.urls.eu},ru=${dbs.urls.ru}`,
      DEFAULT_REGION: 'eu',
      DATABASE_APP_ROLE: this.appRole,
      DATABASE_APP_PASSWORD: randomBytes(18).toString('base64url'),
      JWT_SECRET: randomBytes(48).toString('base64url'),
      MM_MASTER_KEYS: KeyRing.generateKey('bench'),
      META_APP_SECRET,
      META_GRAPH_URL: this.graph.url,
      WORKERS: process.env.BENCH_WORKERS ?? 'on',
      SMTP_PORT: '0', // no inbound e-mail here, and 2525 may belong to a running app
      ...appOptions.env,
    };
    const app = (this.app = new AppProcess(this.env, appOptions.nodeArgs));
    note('starting the app (migrates at start)');
    await app.start(90_000);
    const owner = (this.owner = new Pool({ connectionString: dbs.urls.eu, ...ownerPool }));
    return { dbs, app, owner };
  }

  /**
   * Runs the bench with a deadline (past it: clean up, exit 2) and Ctrl-C handling; prints the
   * app's last output on failure; always cleans up.
   */
  async run(bench: () => Promise<number>): Promise<number> {
    const deadline = setTimeout(() => {
      note(`the run exceeded ${this.runBoundMs / 1000} s: cleaning up`);
      void this.cleanup().finally(() => process.exit(2));
    }, this.runBoundMs);
    process.once('SIGINT', () => void this.cleanup().finally(() => process.exit(130)));
    try {
      return await bench();
    } catch (err) {
      note(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      if (this.app?.output) note(`app output (tail):\n${this.app.output.slice(-2000)}`);
      return 1;
    } finally {
      note('cleaning up');
      await this.cleanup();
      clearTimeout(deadline);
    }
  }

  cleanup(): Promise<void> {
    this.cleaning ??= this.tearDown();
    return this.cleaning;
  }

  private async tearDown(): Promise<void> {
    for (const fn of this.cleanups) await Promise.resolve(fn()).catch(() => undefined);
    await this.owner?.end().catch(() => undefined);
    if (this.app) await withTimeout(this.app.stop(), 15_000, 'stopping the app').catch(() => this.app!.kill9());
    await this.graph.stop();
    if (!this.dbs) return;
    await withTimeout(this.dbs.dispose(), 30_000, 'disposing the databases').catch((e) => note(`cleanup: ${(e as Error).message}`));
    if (process.env.DATABASE_URL) {
      const c = new Client({ connectionString: process.env.DATABASE_URL });
      await c
        .connect()
        .then(() => c.query(`drop role if exists ${this.appRole}`))
        .catch((e) => note(`cleanup: could not drop role ${this.appRole}: ${(e as Error).message}`))
        .finally(() => c.end().catch(() => undefined));
    }
  }
}

/** The app's options for a read bench: no workers, and the CPU profile preload when a path is given. */
export function readBenchAppOptions(cpuProfile?: string): { env: NodeJS.ProcessEnv; nodeArgs: string[] } {
  return cpuProfile
    ? { nodeArgs: ['-r', join(__dirname, 'cpu-profile.preload.js')], env: { WORKERS: 'off', BENCH_CPU_PROFILE: cpuProfile } }
    : { nodeArgs: [], env: { WORKERS: 'off' } };
}

export interface SignedUpOwner {
  accessToken: string;
  tenant: { id: string; region: string };
  user: { id: string };
}

/** A new organization's owner, signed up over HTTP; the benches' owner pools reach the eu region only. */
export async function signUpEuOwner(appUrl: string): Promise<SignedUpOwner> {
  const signup = await fetch(`${appUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organizationName: 'Bench Org', email: `bench-${randomUUID()}@example.test`, password: 'a long enough password' }),
  });
  if (signup.status !== 201) throw new Error(`signup: ${signup.status} ${await signup.text()}`);
  const account = (await signup.json()) as SignedUpOwner;
  if (account.tenant.region !== 'eu') throw new Error(`signed up in ${account.tenant.region}, the owner pool reaches eu`);
  return account;
}
