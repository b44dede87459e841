import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { ChannelKind, Clock, TenantRef, notFound } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { DeletionOrigin, DeletionRequestRow, DeletionRequestStore } from './deletion-request.store';
import { MetaIdMatching } from './meta-id-matching';
import { ErasureCounts, ErasureService, ErasureSubject, addCounts } from './erasure.service';

export type { DeletionOrigin } from './deletion-request.store';

export interface DeletionStatus {
  code: string;
  origin: DeletionOrigin;
  status: 'pending' | 'completed' | 'failed';
  requestedAt: Date;
  deadlineAt: Date;
  completedAt: Date | null;
  deleted: ErasureCounts;
  outcome: string | null;
}

/** Answer within 30 days (GDPR art. 12(3)); most requests complete at once. */
export const DEADLINE_DAYS = 30;
const ALPHANUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** An unguessable confirmation code, letters and digits only (Meta requires alphanumeric). */
export function confirmationCode(): string {
  return [...randomBytes(16)].map((b) => ALPHANUM[b % ALPHANUM.length]).join('');
}

/**
 * Deletion requests from every origin, executed at once, each leaving a receipt per tenant
 * (in that tenant's region) and a public status with counts only.
 */
@Injectable()
export class DeletionRequestsService {
  private readonly log = new Logger(DeletionRequestsService.name);

  constructor(
    private readonly dbs: RegionDatabases,
    private readonly requests: DeletionRequestStore,
    private readonly erasure: ErasureService,
    private readonly clock: Clock,
    private readonly matching: MetaIdMatching,
  ) {}

  /**
   * Meta's data-deletion callback: the person is named by their app-scoped id, their
   * conversations by Page-scoped ids, so Graph is asked which are theirs. When Graph cannot
   * answer, the request stays pending (the status page says so) and runs again, under the same
   * code, when Meta repeats it. The same request again otherwise answers with its first status.
   */
  async eraseMetaUser(appScopedId: string, requestKey: string): Promise<DeletionStatus> {
    const request = await this.open('meta_callback', requestKey);
    if ('answered' in request) return request.answered;
    let matched: string[];
    try {
      matched = (await this.matching.pageScopedIds(appScopedId)).map((m) => m.id);
    } catch (err) {
      this.log.warn(`deletion ${request.code}: Graph could not match the person's ids, left pending: ${(err as Error).message}`);
      return this.park(
        request.code,
        request.earlier ?? {},
        "In progress: Meta could not tell us yet which accounts on connected Pages are this person's; the request is retried when Meta sends it again",
      );
    }
    // The id itself too: an app-scoped id can be what a channel stored (and it costs nothing).
    const ids = [...new Set([appScopedId, ...matched])];
    return this.eraseEverywhere(request, ['messenger', 'instagram'], ids, (found) =>
      this.matching.enabled
        ? ` Meta matched this person to ${plural(matched.length, 'account')} on Pages; data of ${plural(found, 'account')} was found here.`
        : '',
    );
  }

  /** Erases each id in each tenant and region holding it; the outcome says how many accounts were found. */
  private async eraseEverywhere(
    request: { code: string; requestedAt: Date; earlier?: ErasureCounts },
    channelKinds: readonly ChannelKind[],
    externalIds: readonly string[],
    matchedWords: (found: number) => string,
  ): Promise<DeletionStatus> {
    const total: ErasureCounts = { ...request.earlier };
    let found = 0;
    try {
      for (const externalId of externalIds) {
        const subject: ErasureSubject = { channelKinds, externalId };
        let held = false;
        for (const region of this.dbs.regions()) {
          for (const tenant of await this.erasure.tenantsHolding(region, channelKinds, externalId)) {
            held = true;
            addCounts(
              total,
              await this.erasure.eraseWithReceipt(tenant, subject, {
                code: request.code,
                scope: `platform-user:${channelKinds.join(',')}`,
                requestedAt: request.requestedAt,
              }),
            );
          }
        }
        if (held) found++;
      }
    } catch (err) {
      await this.close(request.code, 'failed', total, 'The deletion could not finish; it will be retried when the platform repeats the request');
      throw err;
    }
    const words = matchedWords(found);
    return this.close(
      request.code,
      'completed',
      total,
      (Object.keys(total).length ? 'All data about this person was deleted.' : 'Nothing found: no data about this person was found.') + words,
    );
  }

  /** One contact of one tenant (the Customer's own request, or an End User's through them). */
  async eraseContact(tenant: TenantRef, origin: DeletionOrigin, subject: ErasureSubject): Promise<DeletionStatus> {
    if (!(await this.erasure.holds(tenant, subject))) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
    const request = await this.open(origin);
    if ('answered' in request) return request.answered; // only a request with a key can be answered already
    const counts = await this.erasure.eraseWithReceipt(tenant, subject, {
      code: request.code,
      scope: 'contactId' in subject ? 'contact' : 'platform-user',
      requestedAt: request.requestedAt,
    });
    return this.close(request.code, 'completed', counts, 'All data about this person was deleted');
  }

  async status(code: string): Promise<DeletionStatus> {
    if (!/^[A-Z0-9]{8,64}$/.test(code)) throw notFound('DELETION_REQUEST_NOT_FOUND', 'No deletion request has this code');
    const row = await this.requests.findByCode(code);
    if (!row) throw notFound('DELETION_REQUEST_NOT_FOUND', 'No deletion request has this code');
    return toStatus(row);
  }

  /** Requests still pending past their deadline (reported by /health). */
  async overdue(): Promise<number> {
    return this.requests.countOverdue(this.clock.now());
  }

  /**
   * A new request, or the one `requestKey` already names: a failed or parked one is taken up again
   * (by one caller only) with what it had erased so far; any other is answered as it stands.
   */
  private async open(
    origin: DeletionOrigin,
    requestKey?: string,
  ): Promise<{ code: string; requestedAt: Date; earlier?: ErasureCounts } | { answered: DeletionStatus }> {
    const now = this.clock.now();
    const code = confirmationCode();
    const inserted = await this.requests.insert({
      code,
      origin,
      requestedAt: now,
      deadlineAt: new Date(now.getTime() + DEADLINE_DAYS * 86_400_000),
      requestKey: requestKey ?? null,
    });
    // Only a request with a key can exist already.
    if (inserted || !requestKey) return { code, requestedAt: now };
    const retry = await this.requests.reopenUnfinished(requestKey);
    if (retry) return { code: retry.code, requestedAt: retry.requested_at, earlier: retry.counts };
    const row = await this.requests.findByKey(requestKey);
    this.log.log(`deletion ${row!.code}: the same request again, answered as it stands (${row!.status})`);
    return { answered: toStatus(row!) };
  }

  /** Left pending with the reason, to be taken up again (see `open`). */
  private async park(code: string, counts: ErasureCounts, outcome: string): Promise<DeletionStatus> {
    const row = await this.requests.close(code, 'pending', counts, outcome, this.clock.now());
    return toStatus(row);
  }

  private async close(code: string, status: 'completed' | 'failed', counts: ErasureCounts, outcome: string): Promise<DeletionStatus> {
    const row = await this.requests.close(code, status, counts, outcome, this.clock.now());
    this.log.log(`deletion ${code}: ${status} ${JSON.stringify(counts)}`);
    return toStatus(row);
  }
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function toStatus(r: DeletionRequestRow): DeletionStatus {
  return {
    code: r.code,
    origin: r.origin,
    status: r.status,
    requestedAt: r.requested_at,
    deadlineAt: r.deadline_at,
    completedAt: r.completed_at,
    deleted: r.counts,
    outcome: r.outcome,
  };
}
