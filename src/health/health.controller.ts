import { CanActivate, Controller, ExecutionContext, Get, Injectable, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthResponse } from './health.responses';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../../libs/crypto/src';
import { Clock } from '../../libs/domain/src';
import { AppConfig } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { DeletionRequestsService } from '../privacy/deletion-requests.service';
import { PURGE_JOB } from '../privacy/retention-purge.job';
import { JobHeartbeats } from '../queue/job-heartbeats.store';
import { JwtAuthGuard } from '../tenancy/auth.guards';

const PROBE_TIMEOUT_MS = 2000;

const DAY_MS = 24 * 3600_000;

type HealthRequest = FastifyRequest & { healthDetails?: boolean };

/**
 * Lets every caller in, and marks who may read the details (regions, jobs, warnings): a caller
 * with `Authorization: Bearer <HEALTH_TOKEN>`, or any signed-in user (checked exactly as the API
 * checks them). Everyone else learns up or down only: the layout of a deployment is no business
 * of the internet.
 */
@Injectable()
export class HealthDetailsGuard implements CanActivate {
  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtAuthGuard,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<HealthRequest>();
    req.healthDetails = await this.mayReadDetails(ctx, req.headers.authorization);
    return true;
  }

  private async mayReadDetails(ctx: ExecutionContext, authorization: string | undefined): Promise<boolean> {
    const bearer = /^Bearer +(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!bearer) return false;
    if (sameSecret(this.config.healthToken, bearer)) return true;
    try {
      return await this.jwt.canActivate(ctx);
    } catch {
      return false;
    }
  }
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly clock: Clock,
    private readonly deletions: DeletionRequestsService,
    private readonly heartbeats: JobHeartbeats,
  ) {}

  /** Scheduled jobs by region: when they last completed, and whether that is too long ago. */
  private async jobs(): Promise<Record<string, { lastFinishedAt: Date | null; stale: boolean }>> {
    const out: Record<string, { lastFinishedAt: Date | null; stale: boolean }> = {};
    const now = this.clock.now().getTime();
    for (const region of this.dbs.regions()) {
      const last = await this.heartbeats.lastFinishedAt(region, PURGE_JOB);
      out[`${PURGE_JOB}@${region}`] = { lastFinishedAt: last, stale: !last || now - last.getTime() > DAY_MS };
    }
    return out;
  }

  /** 200 when every region's database answers, 503 otherwise; the state of each to those who may see it. */
  @Get()
  @UseGuards(HealthDetailsGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Liveness of the service and its databases',
    description:
      'Anonymous callers get {status: "up"|"down"} (200/503). With a bearer token (any user\'s, or HEALTH_TOKEN): {status: "ok"|"degraded", regions, jobs, warnings}.',
  })
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'A database does not answer' })
  async health(@Req() req: HealthRequest, @Res() reply: FastifyReply) {
    const entries = await Promise.all(
      this.dbs.regions().map(async (region) => {
        const probe = this.dbs.ping(region);
        const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS).unref());
        const state = await Promise.race([probe, timeout]).then(
          () => 'up',
          () => 'down',
        );
        return [region, { database: state }] as const;
      }),
    );
    const healthy = entries.every(([, s]) => s.database === 'up');
    if (!req.healthDetails) return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'up' : 'down' });
    const jobs = healthy ? await this.jobs() : {};
    const warnings = Object.entries(jobs)
      .filter(([, j]) => j.stale)
      .map(([name]) => `${name} has not completed in the last 24 hours`);
    const overdue = healthy ? await this.deletions.overdue() : 0;
    if (overdue) warnings.push(`${overdue} deletion request(s) past their deadline`);
    reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'degraded', regions: Object.fromEntries(entries), jobs, warnings });
  }
}
