import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { notFound } from '../../libs/domain/src';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { PageQueryDto } from '../conversations/conversation.dto';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { JobQueue } from './job-queue';
import { WorkSignal } from '../common/work-signal';
import { IdParam } from '../common/id-param';

class ListInboundEventsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'done', 'failed'] }) @IsOptional() @IsIn(['pending', 'done', 'failed'])
  state?: 'pending' | 'done' | 'failed';
}

const COLUMNS = 'e.id, e.channel_id, e.dedupe_key, e.state, e.attempts, e.last_error, e.received_at, e.processed_at, e.payload';

/**
 * Where each list starts (see the inbound-events-hot-done migration: no index mentions `state`).
 * Parked events have `parked_at`; pending ones are those with a queue job, found through it
 * (usually there are none, and scanning the tenant's history to learn that would be slow).
 */
const SOURCES: Record<'all' | 'pending' | 'done' | 'failed', string> = {
  all: 'inbound_events',
  done: 'inbound_events',
  failed: `(select * from inbound_events where tenant_id = $1 and parked_at is not null)`,
  pending: `(select x.* from queue.jobs j
             cross join lateral (select * from inbound_events where tenant_id = $1 and id = j.ref_id limit 1) x
             where j.kind = 'inbound' and j.tenant_id = $1)`,
};

interface EventRow {
  id: string;
  channel_id: string;
  dedupe_key: string;
  state: string;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
  payload: unknown;
}


/** Where an admin sees webhook events that could not be processed, and sends them round again. */
@ApiTags('admin')
@Authenticated({ roles: ['owner', 'admin'] })
@Controller('api/admin/inbound-events')
export class InboundEventsController {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly queue: JobQueue,
    private readonly signal: WorkSignal,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Query() q: ListInboundEventsQuery) {
    const limit = q.limit ?? 25;
    const after = decodeCursor(q.cursor);
    const found = await this.dbs.forTenant(p, (tx) =>
      rows<EventRow>(
        tx,
        `select ${COLUMNS} from ${SOURCES[q.state ?? 'all']} e
         where e.tenant_id = $1 and ($2::text is null or e.state = $2) and ($3::timestamptz is null or (e.received_at, e.id) < ($3, $4::uuid))
         order by e.received_at desc, e.id desc limit $5`,
        [p.tenantId, q.state ?? null, after?.at ?? null, after?.id ?? null, limit + 1],
      ),
    );
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        id: r.id,
        channelId: r.channel_id,
        dedupeKey: r.dedupe_key,
        state: r.state,
        attempts: r.attempts,
        lastError: r.last_error,
        receivedAt: r.received_at,
        processedAt: r.processed_at,
        payload: r.payload,
      })),
      nextCursor: found.length > limit ? encodeCursor({ at: last.received_at, id: last.id }) : null,
    };
  }

  @Post(':id/replay')
  @HttpCode(202)
  async replay(@CurrentPrincipal() p: Principal, @IdParam() id: string) {
    await this.dbs.forTenant(p, async (tx) => {
      const updated = await rows(tx, `update inbound_events set state = 'pending', attempts = 0, last_error = null, parked_at = null where tenant_id = $1 and id = $2 returning id`, [p.tenantId, id]);
      if (updated.length === 0) throw notFound('INBOUND_EVENT_NOT_FOUND', 'Inbound event not found');
      await this.queue.enqueue(tx, 'inbound', p.tenantId, id);
    });
    this.signal.notify('inbound');
    return { id, state: 'pending' };
  }
}
