import { createHash, createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { cleanEnv, makeValidator, str, url } from 'envalid';
import { KeyRing } from '../../libs/crypto/src';
import { LARGEST_MEDIA_BYTES } from '../../libs/policy/src';
import { TrustProxy, parseTrustProxy } from './trust-proxy';

/**
 * The whole configuration, typed and validated once at start. Provided to Nest under this
 * abstract class so services inject it like any other dependency.
 */
export abstract class AppConfig {
  abstract readonly port: number;
  abstract readonly host: string;
  /** LOG_LEVEL: the least severe level printed; Nest's route-mapping lines only from `debug`. */
  abstract readonly logLevel?: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** `json`: one JSON object per line with request and tenant ids, plus an access line per request. */
  abstract readonly logFormat?: 'text' | 'json';
  abstract readonly publicBaseUrl: string;
  /** Region name -> owner connection URL (the role that runs migrations). */
  abstract readonly regionDatabaseUrls: Readonly<Record<string, string>>;
  abstract readonly defaultRegion: string;
  /** The role the app queries as: owns nothing, no BYPASSRLS, so row-level security applies. */
  abstract readonly appDatabaseRole: string;
  abstract readonly appDatabasePassword: string;
  /** Connections per region for requests; the queue workers get half as many of their own. */
  abstract readonly databasePoolSize: number;
  abstract readonly jwtSecret: string;
  /** Lifetime of access tokens (short: a refresh token gets the next one). */
  abstract readonly jwtTtlSeconds: number;
  /** Lifetime of a sign-in session, and so of its refresh tokens, from the sign-in. */
  abstract readonly sessionTtlSeconds: number;
  abstract readonly bodyLimitBytes: number;
  /** Bytes of files each tenant may keep, unless its own row says otherwise. */
  abstract readonly mediaQuotaBytes: number;
  /** The largest file an upload takes before a channel is named (the largest any platform takes, unless lowered). */
  abstract readonly mediaMaxUploadBytes: number;
  /**
   * Uploads read at once per process (`POST /api/uploads` and web chat files); the others wait
   * before their body is parsed. One reading for longer than `mediaUploadTurnSeconds` stops counting.
   */
  abstract readonly mediaUploadsAtOnce: number;
  abstract readonly mediaUploadTurnSeconds: number;
  /**
   * Region -> directory holding that region's media bytes (`MEDIA_DIR_<REGION>`, e.g. MEDIA_DIR_RU);
   * a region without one keeps them in its database. Each directory must sit on storage in its region.
   */
  abstract readonly mediaDirs: Readonly<Record<string, string>>;
  abstract readonly dataDir: string;
  /** `kid:base64key,…`, newest last: master keys of the credentials envelope encryption. */
  abstract readonly masterKeys: string;
  /** `appId` (META_APP_ID) with the secret makes the app access token, which maps a deletion callback's app-scoped id to Page-scoped ids. */
  abstract readonly meta: { readonly appId?: string; readonly appSecret?: string; readonly verifyToken?: string; readonly graphUrl: string };
  /** Off in tests that drive the queue workers by hand. */
  abstract readonly workersEnabled: boolean;
  abstract readonly workerIdleMs: number;
  /** How long a claimed job stays with its worker unless renewed (a heartbeat renews it while the work runs); after a crash another instance takes it then. */
  abstract readonly workerLeaseSeconds: number;
  /** How long the event log keeps events, i.e. how long a dropped stream can resume with Last-Event-ID. */
  abstract readonly eventLogRetentionHours: number;
  /** On SIGTERM: how long in-flight work may take to finish before it is handed back and the process exits. */
  abstract readonly shutdownGraceMs: number;
  /** Bearer token for GET /metrics; unset: /metrics is not served. */
  abstract readonly metricsToken?: string;
  /** Operator overrides of the platforms' send limits, per limit name (SEND_LIMITS=whatsapp:1000,...). */
  abstract readonly sendLimits: Readonly<Record<string, number>>;
  /**
   * How long a platform call (Graph, Telegram, Twilio) may go without a byte either way before it
   * fails as retryable (PLATFORM_TIMEOUT_SECONDS, 15).
   */
  abstract readonly platformTimeoutMs: number;
  abstract readonly telegramApiUrl: string;
  abstract readonly twilioApiUrl: string;
  /**
   * The base URL of a platform's API: `<NAME>_API_URL` when set (tests point it at a fake), else
   * `fallback`. A channel kind reads its own this way, without an entry in this class; every
   * `*_API_URL` given is checked to be an http(s) URL at start.
   */
  abstract platformApiUrl(name: string, fallback: string): string;
  /** Inbound SMTP listener; 0 disables it. */
  abstract readonly smtp: {
    readonly port: number;
    readonly host: string;
    readonly tlsCertFile?: string;
    readonly tlsKeyFile?: string;
    readonly maxMessageBytes: number;
  };
  /** Domain of channel inbound addresses and reply+token addresses. */
  abstract readonly emailDomain: string;
  /** Outgoing webhooks may target http://localhost and private addresses (development and tests only). */
  abstract readonly webhooksAllowLocalTargets: boolean;
  /** Which proxies may report the client's address (X-Forwarded-For): none unless configured. */
  abstract readonly trustProxy: TrustProxy;
  /** A bearer token that shows /health's details to monitoring (signed-in users see them too). */
  abstract readonly healthToken?: string;
  /** Which variable the database URLs came from (DATABASE_URL or REGION_DATABASE_URLS), to name it in errors. */
  abstract readonly databaseUrlVariable?: 'DATABASE_URL' | 'REGION_DATABASE_URLS';
  /**
   * System mail (invitations, verification, password reset): `smtp://user:pass@host:587` or
   * `smtps://…`; unset: mails are written as .eml files under DATA_DIR/mail.
   */
  abstract readonly mail: { readonly url?: string; readonly from: string };
  /** SANDBOX=on (`npm run sandbox`): every platform simulated in-process, a sandbox organization seeded. Never in production. */
  abstract readonly sandbox?: boolean;
}

/** `SANDBOX=on` in the environment, or `--sandbox` on the command line (`npm run sandbox`). */
export function sandboxRequested(env: NodeJS.ProcessEnv, argv: readonly string[] = process.argv): boolean {
  return argv.includes('--sandbox') || /^(on|true|1)$/i.test(env.SANDBOX ?? '');
}

/** Why the sandbox may not start with this environment (null: it may, or it was not asked for). Checked before anything starts. */
export function sandboxRefusal(env: NodeJS.ProcessEnv, argv: readonly string[] = []): string | null {
  if (!sandboxRequested(env, argv) || env.NODE_ENV !== 'production') return null;
  return 'SANDBOX: the sandbox simulates every platform and seeds an organization with a printed password, so it never runs with NODE_ENV=production: unset SANDBOX (or, for a trial on this machine, unset NODE_ENV)';
}

/** A command that prints fresh values for the secrets a deployment needs; errors about them show it. */
export const GENERATE_SECRETS_COMMAND =
  "npm run --silent secrets:generate >> .env   (anywhere Node runs: node -e \"const c=require('crypto');process.stdout.write('JWT_SECRET='+c.randomBytes(48).toString('base64url')+'\\nMM_MASTER_KEYS=k1:'+c.randomBytes(32).toString('base64')+'\\n')\")";

export class InvalidConfigError extends Error {}

/** Docker and Podman leave these files in every container. */
export function runsInContainer(): boolean {
  return existsSync('/.dockerenv') || existsSync('/run/.containerenv');
}

/**
 * The app role's default name: the directory database's name and `_app` (`monkeymachine_app`),
 * so deployments sharing a server get distinct roles without configuration.
 */
export function defaultAppRoleName(directoryUrl: string): string {
  let base =
    decodeURIComponent(new URL(directoryUrl).pathname.slice(1))
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_') || 'monkeymachine';
  if (!/^[a-z_]/.test(base)) base = `mm_${base}`;
  if (base.length > 59) base = `${base.slice(0, 50)}_${createHash('sha256').update(base).digest('hex').slice(0, 8)}`;
  return `${base}_app`;
}

const REGION_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** `eu=postgres://…,ru=postgres://…` (newest entries may be added; names are lowercase). */
export function parseRegionUrls(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(/,(?=\s*[a-z][a-z0-9_-]*=)/)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0 || !REGION_NAME.test(name)) throw new Error(`"${part.trim()}" is not region=url`);
    if (!/^postgres(ql)?:\/\//.test(value)) throw new Error(`region ${name}: "${value}" is not a postgres:// URL`);
    if (out[name]) throw new Error(`region ${name} is listed twice`);
    out[name] = value;
  }
  if (Object.keys(out).length === 0) throw new Error('no regions listed');
  return out;
}

const integer = (min: number, max: number) =>
  makeValidator<number>((input) => {
    const n = Number(input);
    if (!/^\d+$/.test(input.trim()) || n < min || n > max) throw new Error(`expected a whole number from ${min} to ${max}, got "${input}"`);
    return n;
  });
const tcpPort = integer(1, 65535);

const onOff = makeValidator<boolean>((input) => {
  if (/^(on|true|1)$/i.test(input)) return true;
  if (/^(off|false|0)$/i.test(input)) return false;
  throw new Error(`expected on or off, got "${input}"`);
});
// Parsed here only to fail fast with the variable's name; the key ring itself is built by the crypto module.
const masterKeys = makeValidator<string>((input) => {
  KeyRing.parse(input);
  return input;
});

const trustProxy = makeValidator<TrustProxy>((input) => parseTrustProxy(input));
const regionMap = makeValidator<Record<string, string>>((input) => parseRegionUrls(input));
const postgresUrl = makeValidator<string>((input) => {
  if (!/^postgres(ql)?:\/\/.+/.test(input)) throw new Error('expected a postgres://user@host:port/database URL');
  return input;
});
const regionName = makeValidator<string>((input) => {
  if (!REGION_NAME.test(input)) throw new Error('expected a lowercase region name such as eu or ru');
  return input;
});
const secret = makeValidator<string>((input) => {
  if (input.length < 32) throw new Error('expected at least 32 characters of random secret');
  return input;
});
// `name:messages per second,...`; which names exist is the send limiter's to say (it refuses unknown ones at start).
const sendLimits = makeValidator<Record<string, number>>((input) => {
  const out: Record<string, number> = {};
  for (const part of input
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([a-z_]+):(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || Number(m[2]) <= 0) throw new Error(`expected name:messages-per-second pairs such as whatsapp:1000,sms:100, got "${part}"`);
    out[m[1]] = Number(m[2]);
  }
  return out;
});
// Empty counts as unset (compose files often pass `VAR=` through).
const optionalSecret = makeValidator<string>((input) => {
  if (input !== '' && input.length < 32) throw new Error('expected at least 32 characters of random secret, or nothing');
  return input;
});

// Empty counts as unset; the message never repeats the URL (it may hold a password).
const mailUrl = makeValidator<string>((input) => {
  if (input === '') return input;
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw new Error('expected smtp://user:password@host:port or smtps://…');
  }
  if (!['smtp:', 'smtps:'].includes(u.protocol) || !u.hostname) throw new Error('expected smtp://user:password@host:port or smtps://…');
  return input;
});

/**
 * Reads and validates the environment. Fails with one message naming every bad variable and
 * what it expects, so a misconfigured deployment stops before it touches anything.
 */
function isHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value.trim()).protocol);
  } catch {
    return false;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv, machine: { inContainer: boolean } = { inContainer: runsInContainer() }): AppConfig {
  const problems: string[] = [];
  const e = cleanEnv(
    env,
    {
      PORT: tcpPort({ default: 3000 }),
      HOST: str({ default: undefined }),
      LOG_LEVEL: str({ choices: ['error', 'warn', 'log', 'debug', 'verbose'], default: 'log' }),
      LOG_FORMAT: str({ choices: ['text', 'json'], default: 'text' }),
      PUBLIC_BASE_URL: url({ default: undefined }),
      DATABASE_URL: postgresUrl({ default: undefined }),
      REGION_DATABASE_URLS: regionMap({ default: undefined }),
      DEFAULT_REGION: regionName({ default: 'eu' }),
      DATABASE_APP_ROLE: str({ default: undefined }),
      DATABASE_APP_PASSWORD: str({ default: undefined }),
      DATABASE_POOL_SIZE: integer(2, 500)({ default: 20 }),
      JWT_SECRET: secret(),
      JWT_TTL_SECONDS: integer(60, 30 * 24 * 3600)({ default: 15 * 60 }),
      SESSION_TTL_SECONDS: integer(300, 365 * 24 * 3600)({ default: 30 * 24 * 3600 }),
      BODY_LIMIT_BYTES: integer(1024, 64 * 1024 * 1024)({ default: 1024 * 1024 }),
      MEDIA_QUOTA_BYTES: integer(0, Number.MAX_SAFE_INTEGER)({ default: 5 * 1024 * 1024 * 1024 }),
      MEDIA_MAX_UPLOAD_BYTES: integer(1, LARGEST_MEDIA_BYTES)({ default: LARGEST_MEDIA_BYTES }),
      MEDIA_UPLOADS_AT_ONCE: integer(1, 10_000)({ default: 16 }),
      MEDIA_UPLOAD_TURN_SECONDS: integer(1, 3600)({ default: 10 }),
      DATA_DIR: str({ default: './data' }),
      MM_MASTER_KEYS: masterKeys(),
      META_APP_ID: str({ default: undefined }),
      META_APP_SECRET: str({ default: undefined }),
      META_VERIFY_TOKEN: str({ default: undefined }),
      META_GRAPH_URL: url({ default: 'https://graph.facebook.com/v24.0' }),
      WORKERS: onOff({ default: true }),
      WORKER_IDLE_MS: integer(10, 60_000)({ default: 500 }),
      EVENT_LOG_RETENTION_HOURS: integer(1, 24 * 30)({ default: 24 }),
      WORKER_LEASE_SECONDS: integer(1, 3600)({ default: 10 }),
      SHUTDOWN_GRACE_MS: integer(0, 10 * 60_000)({ default: 8000 }),
      METRICS_TOKEN: optionalSecret({ default: undefined }),
      SEND_LIMITS: sendLimits({ default: {} }),
      PLATFORM_TIMEOUT_SECONDS: integer(1, 600)({ default: 15 }),
      TELEGRAM_API_URL: url({ default: 'https://api.telegram.org' }),
      TWILIO_API_URL: url({ default: 'https://api.twilio.com' }),
      SMTP_PORT: integer(0, 65535)({ default: 2525 }),
      SMTP_HOST: str({ default: undefined }),
      SMTP_TLS_CERT_FILE: str({ default: undefined }),
      SMTP_TLS_KEY_FILE: str({ default: undefined }),
      SMTP_MAX_MESSAGE_BYTES: integer(1024, 100 * 1024 * 1024)({ default: 25 * 1024 * 1024 }),
      EMAIL_DOMAIN: str({ default: 'localhost' }),
      WEBHOOKS_ALLOW_LOCAL_TARGETS: onOff({ default: false }),
      TRUST_PROXY: trustProxy({ default: false }),
      HEALTH_TOKEN: optionalSecret({ default: undefined }),
      MAIL_URL: mailUrl({ default: undefined }),
      MAIL_FROM: str({ default: undefined }),
      SANDBOX: onOff({ default: false }),
    },
    {
      reporter: ({ errors }) => {
        for (const [name, err] of Object.entries(errors)) {
          const reason = (err as Error).name === 'EnvMissingError' ? 'required, not set' : (err as Error).message;
          problems.push(`${name}: ${reason}`);
        }
      },
    },
  );
  const refusal = sandboxRefusal(env);
  if (refusal) problems.push(refusal);
  if (problems.length === 0) {
    if (!e.DATABASE_URL && !e.REGION_DATABASE_URLS)
      problems.push('DATABASE_URL: set it, or REGION_DATABASE_URLS (or leave both unset to use the embedded PostgreSQL)');
    if (e.REGION_DATABASE_URLS && !e.REGION_DATABASE_URLS[e.DEFAULT_REGION]) {
      problems.push(`DEFAULT_REGION: "${e.DEFAULT_REGION}" is not one of REGION_DATABASE_URLS (${Object.keys(e.REGION_DATABASE_URLS).join(', ')})`);
    }
    if (e.DATABASE_APP_ROLE !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(e.DATABASE_APP_ROLE))
      problems.push('DATABASE_APP_ROLE: expected a plain lowercase role name');
  }
  const apiUrls = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Z][A-Z0-9_]*_API_URL$/.test(name) || !value || problems.some((p) => p.startsWith(`${name}:`))) continue;
    if (isHttpUrl(value)) apiUrls.set(name, value.trim().replace(/\/$/, ''));
    else problems.push(`${name}: expected an http(s) URL`);
  }
  const mediaDirs: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const m = /^MEDIA_DIR_([A-Z][A-Z0-9_]*)$/.exec(name);
    if (!m || value === undefined) continue;
    const region = m[1].toLowerCase();
    const regions = e.REGION_DATABASE_URLS ? Object.keys(e.REGION_DATABASE_URLS) : [e.DEFAULT_REGION];
    if (!regions.includes(region)) problems.push(`${name}: no region "${region}" (regions: ${regions.join(', ')})`);
    else if (!value.trim()) problems.push(`${name}: expected a directory path`);
    else mediaDirs[region] = resolvePath(value.trim());
  }
  if (problems.some((p) => /^(JWT_SECRET|MM_MASTER_KEYS): required/.test(p))) {
    problems.push(`generate the secrets with: ${GENERATE_SECRETS_COMMAND}`);
  }
  if (problems.length > 0) throw new InvalidConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);

  // In a container the port is published from outside, so every interface; on a developer's machine, loopback only.
  const defaultHost = machine.inContainer ? '0.0.0.0' : '127.0.0.1';
  const regionDatabaseUrls = e.REGION_DATABASE_URLS ?? { [e.DEFAULT_REGION]: e.DATABASE_URL! };
  return Object.freeze({
    port: e.PORT,
    host: e.HOST || defaultHost,
    logLevel: e.LOG_LEVEL as AppConfig['logLevel'],
    logFormat: e.LOG_FORMAT as AppConfig['logFormat'],
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    regionDatabaseUrls: Object.freeze(regionDatabaseUrls),
    defaultRegion: e.DEFAULT_REGION,
    appDatabaseRole: e.DATABASE_APP_ROLE || defaultAppRoleName(regionDatabaseUrls[e.DEFAULT_REGION]),
    // One derived default keeps every instance of a deployment agreeing without another secret to manage.
    appDatabasePassword: e.DATABASE_APP_PASSWORD ?? createHmac('sha256', e.JWT_SECRET).update('mm-app-db-role').digest('base64url'),
    databasePoolSize: e.DATABASE_POOL_SIZE,
    jwtSecret: e.JWT_SECRET,
    jwtTtlSeconds: e.JWT_TTL_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    mediaQuotaBytes: e.MEDIA_QUOTA_BYTES,
    mediaMaxUploadBytes: e.MEDIA_MAX_UPLOAD_BYTES,
    mediaUploadsAtOnce: e.MEDIA_UPLOADS_AT_ONCE,
    mediaUploadTurnSeconds: e.MEDIA_UPLOAD_TURN_SECONDS,
    mediaDirs: Object.freeze(mediaDirs),
    dataDir: e.DATA_DIR,
    masterKeys: e.MM_MASTER_KEYS,
    meta: Object.freeze({
      appId: e.META_APP_ID || undefined,
      appSecret: e.META_APP_SECRET || undefined,
      verifyToken: e.META_VERIFY_TOKEN || undefined,
      graphUrl: e.META_GRAPH_URL.replace(/\/$/, ''),
    }),
    workersEnabled: e.WORKERS,
    workerIdleMs: e.WORKER_IDLE_MS,
    workerLeaseSeconds: e.WORKER_LEASE_SECONDS,
    eventLogRetentionHours: e.EVENT_LOG_RETENTION_HOURS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    metricsToken: e.METRICS_TOKEN || undefined,
    sendLimits: Object.freeze(e.SEND_LIMITS),
    platformTimeoutMs: e.PLATFORM_TIMEOUT_SECONDS * 1000,
    telegramApiUrl: e.TELEGRAM_API_URL.replace(/\/$/, ''),
    twilioApiUrl: e.TWILIO_API_URL.replace(/\/$/, ''),
    platformApiUrl: (name: string, fallback: string) => apiUrls.get(`${name.toUpperCase()}_API_URL`) ?? fallback.replace(/\/$/, ''),
    smtp: Object.freeze({
      port: e.SMTP_PORT,
      host: e.SMTP_HOST || defaultHost,
      tlsCertFile: e.SMTP_TLS_CERT_FILE || undefined,
      tlsKeyFile: e.SMTP_TLS_KEY_FILE || undefined,
      maxMessageBytes: e.SMTP_MAX_MESSAGE_BYTES,
    }),
    emailDomain: e.EMAIL_DOMAIN,
    webhooksAllowLocalTargets: e.WEBHOOKS_ALLOW_LOCAL_TARGETS,
    trustProxy: e.TRUST_PROXY,
    healthToken: e.HEALTH_TOKEN || undefined,
    databaseUrlVariable: e.REGION_DATABASE_URLS ? 'REGION_DATABASE_URLS' : 'DATABASE_URL',
    mail: Object.freeze({ url: e.MAIL_URL || undefined, from: e.MAIL_FROM || `MonkeyMachine <no-reply@${e.EMAIL_DOMAIN}>` }),
    sandbox: e.SANDBOX,
  });
}
