import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock, DeliveryFailure, RateLimitedFailure } from '../../libs/domain/src';
import { ChannelRoutes } from '../channels/core/channel-routes';
import { RegionDatabases } from '../database/region-databases';
import { JobQueue, backoffMs } from '../queue/job-queue.service';
import type { RetryHint } from '../queue/queue-worker';
import { DeletionRequestRow, DeletionRequestStore, MatchingReport, STALE_RUN_MINUTES } from './deletion-request.store';
import { DeletionRequestsService, DeletionStatus, toStatus } from './deletion-requests.service';
import { ErasureCounts, ErasureService, addCounts } from './erasure.service';
import { MetaIdMatchesStore } from './meta-id-matches.store';
import { MetaIdMatching, PageScopedId } from './meta-id-matching';
import { SealedSubjects } from './sealed-subjects';

/** Queue jobs name a tenant; a deletion request belongs to none (it lives in the directory). */
export const NO_TENANT = '00000000-0000-0000-0000-000000000000';
export const MATCHING_JOB = 'meta_matching';
/** Graph's first retry waits at least this long (its outages last minutes, not seconds). */
export const FIRST_RETRY_MS = 30_000;

/** The channels whose ids a Meta callback can name: Messenger's PSIDs, and the id itself on either. */
const META_KINDS = ['messenger', 'instagram'] as const;

/** The matching is still to be done: the retry job waits (Graph's Retry-After, if it gave one). */
export class MatchingPending extends Error implements RetryHint {
  constructor(
    readonly code: string,
    readonly retryAfterMs?: number,
  ) {
    super(`deletion ${code}: Graph could not match the person's ids yet`);
    this.name = 'MatchingPending';
  }
}

/**
 * How a run's outcome is committed with its queue job: a callback ends the request's job or
 * moves it to the retry time; the retry job itself is ended (or backed off) by its worker.
 */
export interface RunCommit {
  done(record: (tx: EntityManager) => Promise<DeletionRequestRow>): Promise<DeletionRequestRow>;
  later(record: (tx: EntityManager) => Promise<DeletionRequestRow>, delayMs: number): Promise<DeletionRequestRow>;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Why Graph did not answer, in a word: nothing of its message (it can name ids) reaches the status page. */
function failureWord(err: unknown): NonNullable<MatchingReport['lastFailure']> {
  if (err instanceof RateLimitedFailure) return 'rate_limited';
  if (err instanceof DeliveryFailure && err.kind !== 'retryable') return 'refused';
  return 'unavailable';
}

const FAILURE_WORDS: Record<NonNullable<MatchingReport['lastFailure']>, string> = {
  unavailable: 'Meta’s service did not answer',
  rate_limited: 'Meta asked us to slow down',
  refused: 'Meta refused the request (we are fixing our side)',
};

/** Said on every Meta request's status: Graph matches Facebook Page ids only (see the README). */
export const INSTAGRAM_NOTE =
  'Instagram: Meta offers no documented way to match this request to the ids of Instagram conversations, so conversations with a business on Instagram cannot be found from it; ask that business to delete them.';

/**
 * Meta's data-deletion callback. The person is named by their app-scoped id (ASID); Messenger
 * conversations are stored under Page-scoped ids (PSIDs), which Graph's ID matching gives
 * (MetaIdMatching). Each PSID Graph gives on a connected Page is recorded in that Page's tenant
 * (MetaIdMatchesStore) before its data is erased, so a later request for the same person finds it
 * there even while Graph is down (erasure deletes the record with the data it names).
 *
 * Durable: the ASID (sealed, see SealedSubjects) and a retry job are written with the request
 * before anything else happens, so a request whose matching fails (Graph 5xx, network, rate
 * limit), or whose run dies with its process, is taken up again by MetaMatchingWorker with
 * backoff until Graph answers; the ASID is forgotten when the request completes. The status page says which stage it is at and counts
 * what was matched and deleted, never which organizations.
 */
@Injectable()
export class MetaDeletionService {
  private readonly log = new Logger(MetaDeletionService.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly deletions: DeletionRequestsService,
    private readonly requests: DeletionRequestStore,
    private readonly erasure: ErasureService,
    private readonly matching: MetaIdMatching,
    private readonly matches: MetaIdMatchesStore,
    private readonly routes: ChannelRoutes,
    private readonly queue: JobQueue,
    private readonly clock: Clock,
    private readonly subjects: SealedSubjects,
  ) {}

  /**
   * The callback: a new request, or the same one again (Meta repeats it), which takes a parked or
   * failed request up at once and otherwise answers with its status as it stands.
   */
  async callback(appScopedId: string, requestKey: string): Promise<DeletionStatus> {
    const opened = await this.deletions.open('meta_callback', requestKey);
    if ('answered' in opened) return opened.answered;
    // Should this run die with its process, the job takes the request up once the run is stale.
    const row = await this.dbs.directory().transaction(async (tx) => {
      const kept = await this.requests.keepSubject(tx, opened.code, this.subjects.seal(opened.code, appScopedId));
      await this.queue.schedule(tx, MATCHING_JOB, NO_TENANT, kept.job_ref, (STALE_RUN_MINUTES + 1) * 60_000);
      return kept;
    });
    return (await this.run(row, appScopedId, this.callbackCommit(row.job_ref))).status;
  }

  /**
   * The retry job's attempt on the request `jobRef` names: 'done' when it has completed (now, or
   * already); throws MatchingPending when Graph still cannot answer, another error when the
   * request is being run elsewhere or the erasure failed (the job backs off and tries again).
   */
  async retry(jobRef: string, commit: RunCommit): Promise<'done'> {
    const row = await this.requests.findByJobRef(jobRef);
    if (!row || row.status === 'completed') return 'done';
    const taken = await this.requests.reopenByCode(row.code);
    if (!taken) throw new Error(`deletion ${row.code} is being run elsewhere`);
    if (!taken.sealed_subject) {
      // Nothing to ask Graph with (cannot happen: the subject is kept until completion).
      await commit.done((tx) =>
        this.requests.report(tx, taken.code, this.completion(taken, taken.counts, taken.matching ?? emptyReport('not_configured'), taken.matched_tenants)),
      );
      return 'done';
    }
    const { status, retryAfterMs } = await this.run(taken, this.subjects.open(taken.code, taken.sealed_subject), commit);
    if (status.status !== 'completed') throw new MatchingPending(taken.code, retryAfterMs);
    return 'done';
  }

  /** Matches, records, erases and reports; pending (with Graph's Retry-After) when Graph has not answered. */
  private async run(row: DeletionRequestRow, appScopedId: string, commit: RunCommit): Promise<{ status: DeletionStatus; retryAfterMs?: number }> {
    const enabled = this.matching.enabled;
    const before = row.matching;
    const report: MatchingReport = {
      ...emptyReport(enabled ? 'pending' : 'not_configured'),
      attempts: (before?.attempts ?? 0) + (enabled ? 1 : 0),
      accountsFound: before?.accountsFound ?? 0,
    };
    const counts: ErasureCounts = { ...row.counts };
    const tenants = new Set(row.matched_tenants);

    // Recorded matches first: they need no Graph.
    const recorded = enabled ? await this.matches.find(appScopedId) : [];
    let matched: PageScopedId[] | null = null;
    let failure: unknown;
    try {
      matched = await this.matching.pageScopedIds(appScopedId);
      await this.recordMatches(appScopedId, matched);
    } catch (err) {
      failure = err;
      this.log.warn(`deletion ${row.code}: Graph could not match the person's ids (attempt ${report.attempts}): ${(err as Error).message}`);
    }
    report.accountsMatched = matched ? matched.length : new Set(recorded.map((r) => r.pageScopedId)).size;
    // The id itself too: an app-scoped id can be what a channel stored (and it costs nothing).
    const ids = [...new Set([appScopedId, ...recorded.map((r) => r.pageScopedId), ...(matched ?? []).map((m) => m.id)])];
    try {
      report.accountsFound += await this.eraseEverywhere(row, ids, counts, tenants);
    } catch (err) {
      report.organizations = tenants.size;
      const delayMs = FIRST_RETRY_MS;
      await commit.later(
        (tx) =>
          this.requests.report(tx, row.code, {
            status: 'failed',
            counts,
            outcome: 'The deletion could not finish; it is retried automatically.',
            matching: { ...report, state: !enabled ? 'not_configured' : matched ? 'matched' : 'pending', nextAttemptAt: this.at(delayMs) },
            tenants: [...tenants],
            at: this.clock.now(),
          }),
        delayMs,
      );
      throw err;
    }
    report.organizations = tenants.size;

    if (matched || !enabled) {
      const done = await commit.done((tx) =>
        this.requests.report(tx, row.code, this.completion(row, counts, { ...report, state: enabled ? 'matched' : 'not_configured' }, [...tenants])),
      );
      this.log.log(`deletion ${row.code}: completed ${JSON.stringify(counts)}`);
      return { status: toStatus(done) };
    }

    const retryAfterMs = (failure as { retryAfterMs?: number } | undefined)?.retryAfterMs;
    const delayMs = Math.max(FIRST_RETRY_MS, backoffMs(report.attempts), retryAfterMs ?? 0);
    report.lastFailure = failureWord(failure);
    report.nextAttemptAt = this.at(delayMs);
    const parked = await commit.later(
      (tx) =>
        this.requests.report(tx, row.code, {
          status: 'pending',
          counts,
          outcome: pendingOutcome(report),
          matching: report,
          tenants: [...tenants],
          at: this.clock.now(),
        }),
      delayMs,
    );
    this.log.log(`deletion ${row.code}: matching pending, retried automatically`);
    return { status: toStatus(parked), retryAfterMs };
  }

  private completion(row: DeletionRequestRow, counts: ErasureCounts, report: MatchingReport, tenants: readonly string[]) {
    return { status: 'completed' as const, counts, outcome: completedOutcome(counts, report), matching: report, tenants, at: this.clock.now() };
  }

  /** Each match on a Page some tenant connected, recorded in that tenant (Pages not connected here are not kept). */
  private async recordMatches(appScopedId: string, matched: readonly PageScopedId[]): Promise<void> {
    const byPage = new Map<string, string[]>();
    for (const m of matched) byPage.set(m.pageId, [...(byPage.get(m.pageId) ?? []), m.id]);
    if (byPage.size === 0) return;
    for (const [pageId, psids] of byPage) {
      // Uncached: a route cache may still remember the Page as unknown from before it was connected.
      const route = await this.routes.find('messenger', pageId);
      if (route) await this.matches.record({ tenantId: route.tenantId, region: route.region }, appScopedId, pageId, psids);
    }
  }

  /** Erases each id in each tenant and region holding it; answers how many ids had data here. */
  private async eraseEverywhere(row: DeletionRequestRow, ids: readonly string[], counts: ErasureCounts, tenants: Set<string>): Promise<number> {
    let found = 0;
    for (const externalId of ids) {
      let held = false;
      for (const region of this.dbs.regions()) {
        for (const tenant of await this.erasure.tenantsHolding(region, META_KINDS, externalId)) {
          held = true;
          tenants.add(tenant.tenantId);
          addCounts(
            counts,
            await this.erasure.eraseWithReceipt(
              tenant,
              { channelKinds: META_KINDS, externalId },
              { code: row.code, scope: `platform-user:${META_KINDS.join(',')}`, requestedAt: row.requested_at },
            ),
          );
        }
      }
      if (held) found++;
    }
    return found;
  }

  /** The callback's own commit: its request's job ends with it, or waits for the retry time. */
  private callbackCommit(jobRef: string): RunCommit {
    const directory = this.dbs.directory();
    return {
      done: (record) =>
        directory.transaction(async (tx) => {
          const row = await record(tx);
          await this.queue.discard(tx, MATCHING_JOB, NO_TENANT, [jobRef]);
          return row;
        }),
      later: (record, delayMs) =>
        directory.transaction(async (tx) => {
          const row = await record(tx);
          await this.queue.schedule(tx, MATCHING_JOB, NO_TENANT, jobRef, delayMs);
          return row;
        }),
    };
  }

  private at(delayMs: number): string {
    return new Date(this.clock.now().getTime() + delayMs).toISOString();
  }
}

function emptyReport(state: MatchingReport['state']): MatchingReport {
  return { state, attempts: 0, accountsMatched: 0, accountsFound: 0, organizations: 0 };
}

function completedOutcome(counts: ErasureCounts, r: MatchingReport): string {
  const deleted = Object.keys(counts).length ? 'All data about this person was deleted.' : 'Nothing found: no data about this person was found.';
  if (r.state === 'not_configured') return deleted;
  return `${deleted} Meta matched this person to ${plural(r.accountsMatched, 'account')} on Facebook Pages; data of ${plural(r.accountsFound, 'account')} was found here, in ${plural(r.organizations, 'organization')}, and deleted.`;
}

function pendingOutcome(r: MatchingReport): string {
  const earlier = r.accountsFound
    ? ` Meanwhile, data of ${plural(r.accountsFound, 'account')} known from an earlier match was deleted, in ${plural(r.organizations, 'organization')}.`
    : '';
  return `In progress: pending matching. Meta could not tell us yet which accounts on Facebook Pages are this person's (${FAILURE_WORDS[r.lastFailure ?? 'unavailable']}); we ask again automatically, next at ${r.nextAttemptAt}.${earlier}`;
}
