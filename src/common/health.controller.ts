import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Clock } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { DeletionRequestsService } from '../privacy/deletion-requests.service';
import { PURGE_JOB } from '../privacy/retention-purge.job';

const PROBE_TIMEOUT_MS = 2000;

const DAY_MS = 24 * 3600_000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly clock: Clock,
    private readonly deletions: DeletionRequestsService,
  ) {}

  /** Scheduled jobs by region: when they last completed, and whether that is too long ago. */
  private async jobs(): Promise<Record<string, { lastFinishedAt: Date | null; stale: boolean }>> {
    const out: Record<string, { lastFinishedAt: Date | null; stale: boolean }> = {};
    const now = this.clock.now().getTime();
    for (const region of this.dbs.regions()) {
      const [beat] = await this.dbs.region(region).query(`select last_finished_at from queue.heartbeats where job = $1`, [PURGE_JOB]);
      const last: Date | null = beat?.last_finished_at ?? null;
      out[`${PURGE_JOB}@${region}`] = { lastFinishedAt: last, stale: !last || now - last.getTime() > DAY_MS };
    }
    return out;
  }

  /** 200 when every region's database answers, 503 otherwise, with the state of each. */
  @Get()
  async health(@Res() reply: FastifyReply) {
    const entries = await Promise.all(
      this.dbs.regions().map(async (region) => {
        const probe = this.dbs.region(region).query('select 1');
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref());
        const state = await Promise.race([probe, timeout]).then(() => 'up', () => 'down');
        return [region, { database: state }] as const;
      }),
    );
    const healthy = entries.every(([, s]) => s.database === 'up');
    const jobs = healthy ? await this.jobs() : {};
    const warnings = Object.entries(jobs)
      .filter(([, j]) => j.stale)
      .map(([name]) => `${name} has not completed in the last 24 hours`);
    const overdue = healthy ? await this.deletions.overdue() : 0;
    if (overdue) warnings.push(`${overdue} deletion request(s) past their deadline`);
    reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', regions: Object.fromEntries(entries), jobs, warnings });
  }
}
