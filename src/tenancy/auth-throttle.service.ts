import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { createHmac } from 'node:crypto';
import { RetryLaterError } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { addressScope } from './client-address';

/** One limit: `attempts` per `windowSeconds`, then a lock of `lockSeconds`, doubling per repeat up to `maxLockSeconds`. */
export interface Limit {
  attempts: number;
  windowSeconds: number;
  lockSeconds: number;
  maxLockSeconds: number;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/**
 * The limits (documented in the README). A login attempt counts until it succeeds: a success
 * gives its own attempt back, so only failures add up, and an attempt is counted before the
 * password is checked, so concurrent guesses cannot slip past the limit.
 */
export const LIMITS = {
  /** Sign-ins to one account from addresses it has not signed in from lately. */
  account: { attempts: 10, windowSeconds: 15 * MINUTE, lockSeconds: 15 * MINUTE, maxLockSeconds: DAY },
  /** Sign-ins to one account from one address it signed in from in the last 30 days. */
  knownAddress: { attempts: 10, windowSeconds: 15 * MINUTE, lockSeconds: 15 * MINUTE, maxLockSeconds: DAY },
  /** Failed sign-ins from one client address (or IPv6 /64), whatever the accounts. */
  address: { attempts: 50, windowSeconds: 15 * MINUTE, lockSeconds: 15 * MINUTE, maxLockSeconds: DAY },
  /** Sign-ups from one client address, successful or not. */
  signupAddress: { attempts: 10, windowSeconds: HOUR, lockSeconds: HOUR, maxLockSeconds: HOUR },
  /** User creations of one organization refused because the address already has an account. */
  emailConflicts: { attempts: 20, windowSeconds: DAY, lockSeconds: DAY, maxLockSeconds: DAY },
  /** Password reset requests for one account (known or not): a mailbox is not to be flooded. */
  resetAccount: { attempts: 5, windowSeconds: HOUR, lockSeconds: HOUR, maxLockSeconds: DAY },
  /** Password reset requests from one client address, whatever the accounts. */
  resetAddress: { attempts: 20, windowSeconds: HOUR, lockSeconds: HOUR, maxLockSeconds: DAY },
} satisfies Record<string, Limit>;

/** An address that signed in successfully stays known this long: a lock by strangers does not apply to it. */
const KNOWN_ADDRESS_DAYS = 30;
/** Repeated locks grow until a day passes without one. */
const LOCKOUT_MEMORY = '1 day';

type Bucket = 'login_account' | 'login_pair' | 'login_address' | 'signup_address' | 'email_conflicts' | 'reset_account' | 'reset_address';

interface Counted {
  locked: boolean;
  waitSeconds: number;
  known: boolean;
}

export interface LoginAttempt {
  keys: Array<[Bucket, string]>;
}

const tooMany = (waitSeconds: number) =>
  new RetryLaterError('TOO_MANY_ATTEMPTS', `Too many attempts; try again in ${Math.max(1, Math.ceil(waitSeconds))} s`, waitSeconds);

/**
 * Brute-force and abuse limits, counted in the directory database so that every app instance
 * shares them (one atomic upsert per counter and attempt). Accounts are keyed by their login
 * hash and client addresses by a keyed hash, so the table holds no personal data.
 *
 * Locking out the owner: a lock on an account applies to addresses the account has not signed
 * in from in the last 30 days. From a known address the owner has a budget of their own (the
 * same 10 per 15 minutes), which strangers cannot spend; an attacker on another network can keep
 * the account closed to new addresses only by keeping on guessing, at a rate the address limit
 * also caps. Successes never reset the per-address or per-account counts, only give back their
 * own attempt, so signing in to one's own account between guesses buys nothing.
 */
@Injectable()
export class AuthThrottle {
  private readonly log = new Logger(AuthThrottle.name);
  private readonly addressKey: Buffer;

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly config: AppConfig,
  ) {
    // Derived, so every instance of a deployment agrees without one more secret to manage.
    this.addressKey = createHmac('sha256', config.jwtSecret).update('mm-client-address-key').digest();
  }

  /** A keyed hash of the client's address scope: unlinkable to the address without the key. */
  addressHash(ip: string | undefined): string {
    return createHmac('sha256', this.addressKey).update(addressScope(ip)).digest('base64url');
  }

  /**
   * Counts a sign-in attempt to the account `loginHash` from `ip`, before the password is
   * checked; throws TOO_MANY_ATTEMPTS (with the wait) when a limit is reached.
   */
  async beginLogin(loginHash: string, ip: string | undefined): Promise<LoginAttempt> {
    const address = this.addressHash(ip);
    const pair = createHmac('sha256', this.addressKey).update(`${loginHash}\0${address}`).digest('base64url');
    const [account, known, fromAddress] = await Promise.all([
      this.take('login_account', loginHash, LIMITS.account),
      this.take('login_pair', pair, LIMITS.knownAddress),
      this.take('login_address', address, LIMITS.address),
    ]);
    const blocking = [fromAddress, known, ...(known.known ? [] : [account])].filter((c) => c.locked);
    if (blocking.length > 0) throw tooMany(Math.max(...blocking.map((c) => c.waitSeconds)));
    return {
      keys: [
        ['login_account', loginHash],
        ['login_pair', pair],
        ['login_address', address],
      ],
    };
  }

  /** The password was right: the attempt is given back, and the address becomes known to the account. */
  async loginSucceeded(attempt: LoginAttempt): Promise<void> {
    const buckets = attempt.keys.map(([b]) => b);
    const keys = attempt.keys.map(([, k]) => k);
    await this.dbs.directory().query(
      `update directory.auth_throttle as t set
         attempts = case when t.bucket = 'login_pair' then 0 else greatest(t.attempts - 1, 0) end,
         lockouts = case when t.bucket = 'login_pair' then 0 else t.lockouts end,
         last_success_at = case when t.bucket = 'login_pair' then now() else t.last_success_at end
       from unnest($1::text[], $2::text[]) as a(bucket, key)
       where t.bucket = a.bucket and t.key = a.key`,
      [buckets, keys],
    );
  }

  /**
   * Counts a password reset request for the account `loginHash` (whether it exists or not) from
   * `ip`; throws TOO_MANY_ATTEMPTS past either limit.
   */
  async countPasswordReset(loginHash: string, ip: string | undefined): Promise<void> {
    const [account, address] = await Promise.all([
      this.take('reset_account', loginHash, LIMITS.resetAccount),
      this.take('reset_address', this.addressHash(ip), LIMITS.resetAddress),
    ]);
    const blocking = [account, address].filter((c) => c.locked);
    if (blocking.length > 0) throw tooMany(Math.max(...blocking.map((c) => c.waitSeconds)));
  }

  /** Counts a sign-up from `ip`, whatever its outcome; throws TOO_MANY_ATTEMPTS past the limit. */
  async countSignup(ip: string | undefined): Promise<void> {
    const c = await this.take('signup_address', this.addressHash(ip), LIMITS.signupAddress);
    if (c.locked) throw tooMany(c.waitSeconds);
  }

  /** Throws TOO_MANY_ATTEMPTS while the organization's budget of "address taken" answers is spent. */
  async checkEmailConflicts(tenantId: string): Promise<void> {
    const row = await firstRow<{ wait: number }>(
      this.dbs.directory(),
      `select extract(epoch from locked_until - now())::float8 as wait from directory.auth_throttle where bucket = 'email_conflicts' and key = $1 and locked_until > now()`,
      [tenantId],
    );
    if (row) throw tooMany(row.wait);
  }

  /** Counts an "address taken" answer; throws TOO_MANY_ATTEMPTS (instead of that answer) past the limit. */
  async countEmailConflict(tenantId: string): Promise<void> {
    const c = await this.take('email_conflicts', tenantId, LIMITS.emailConflicts);
    if (c.locked) throw tooMany(c.waitSeconds);
  }

  /**
   * One attempt on one counter, as one atomic upsert: within the window the count grows; the
   * attempt past the limit starts a lock (15 min, 30, 60 ... up to the limit's maximum while
   * locks keep coming within a day) and opens a new window for when it ends. While locked,
   * attempts change nothing.
   */
  private async take(bucket: Bucket, key: string, limit: Limit): Promise<Counted> {
    const row = await firstRow<{ locked: boolean; wait: number; known: boolean }>(
      this.dbs.directory(),
      `insert into directory.auth_throttle as t (bucket, key, attempts, window_started_at) values ($1, $2, 1, now())
       on conflict (bucket, key) do update set
         attempts = case
           when t.locked_until > now() then t.attempts
           when t.window_started_at <= now() - make_interval(secs => $4) then 1
           when t.attempts + 1 > $3 then 0
           else t.attempts + 1 end,
         window_started_at = case
           when t.locked_until > now() then t.window_started_at
           when t.window_started_at <= now() - make_interval(secs => $4) or t.attempts + 1 > $3 then now()
           else t.window_started_at end,
         lockouts = case
           when coalesce(t.locked_until <= now(), true) and t.window_started_at > now() - make_interval(secs => $4) and t.attempts + 1 > $3
             then case when t.locked_until < now() - interval '${LOCKOUT_MEMORY}' then 0 else t.lockouts end + 1
           else t.lockouts end,
         locked_until = case
           when coalesce(t.locked_until <= now(), true) and t.window_started_at > now() - make_interval(secs => $4) and t.attempts + 1 > $3
             then now() + make_interval(secs => least($5 * power(2, least(case when t.locked_until < now() - interval '${LOCKOUT_MEMORY}' then 0 else t.lockouts end, 16)), $6))
           else t.locked_until end
       returning coalesce(locked_until > now(), false) as locked,
         coalesce(extract(epoch from locked_until - now())::float8, 0) as wait,
         coalesce(last_success_at > now() - interval '${KNOWN_ADDRESS_DAYS} days', false) as known`,
      [bucket, key, limit.attempts, limit.windowSeconds, limit.lockSeconds, limit.maxLockSeconds],
    );
    return { locked: row!.locked, waitSeconds: row!.wait, known: row!.known };
  }

  /** Forgets counters nobody needs any more: no lock or window within a day, no recent success. */
  async cleanup(): Promise<number> {
    let total = 0;
    for (;;) {
      const gone = await rows(
        this.dbs.directory(),
        `delete from directory.auth_throttle where ctid = any(array(
           select ctid from directory.auth_throttle
           where greatest(window_started_at, coalesce(locked_until, window_started_at)) < now() - interval '${LOCKOUT_MEMORY}'
             and coalesce(last_success_at < now() - interval '${KNOWN_ADDRESS_DAYS} days', true)
           limit 5000))
         returning 1`,
      );
      total += gone.length;
      if (gone.length < 5000) return total;
    }
  }

  @Cron(CronExpression.EVERY_HOUR)
  async scheduledCleanup(): Promise<void> {
    if (!this.config.workersEnabled) return;
    await this.cleanup().catch((err) => this.log.error(`cleanup failed: ${(err as Error).message}`));
  }
}
