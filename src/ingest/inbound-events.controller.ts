import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { invalid, notFound } from '../../libs/domain/src';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { PageQueryDto } from '../conversations/conversation.dto';
import { RegionDatabases } from '../database/region-databases';
import { rows } from '../database/sql';
import { CurrentPrincipal, JwtAuthGuard, Roles, RolesGuard } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { JobQueue } from './job-queue';
import { WorkSignal } from '../common/work-signal';

class ListInboundEventsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'done', 'failed'] }) @IsOptional() @IsIn(['pending', 'done', 'failed'])
  state?: 'pending' | 'done' | 'failed';
}

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

const Id = () => Param('id', new ParseUUIDPipe({ exceptionFactory: () => invalid('INVALID_ID', 'id must be a UUID') }));

/** Where an admin sees webhook events that could not be processed, and sends them round again. */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, RolesGuard)
@Roles('owner', 'admin')
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
        `select id, channel_id, dedupe_key, state, attempts, last_error, received_at, processed_at, payload from inbound_events
         where tenant_id = $1 and ($2::text is null or state = $2) and ($3::timestamptz is null or (received_at, id) < ($3, $4::uuid))
         order by received_at desc, id desc limit $5`,
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
  async replay(@CurrentPrincipal() p: Principal, @Id() id: string) {
    await this.dbs.forTenant(p, async (tx) => {
      const updated = await rows(tx, `update inbound_events set state = 'pending', attempts = 0, last_error = null where tenant_id = $1 and id = $2 returning id`, [p.tenantId, id]);
      if (updated.length === 0) throw notFound('INBOUND_EVENT_NOT_FOUND', 'Inbound event not found');
      await this.queue.enqueue(tx, 'inbound', p.tenantId, id);
    });
    this.signal.notify('inbound');
    return { id, state: 'pending' };
  }
}
