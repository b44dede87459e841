import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RegionDatabases } from '../database/region-databases';

const PROBE_TIMEOUT_MS = 2000;

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly dbs: RegionDatabases) {}

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
    reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', regions: Object.fromEntries(entries) });
  }
}
