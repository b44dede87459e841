import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { BrowserFacing, cspNonce } from '../common/security-headers';
import { DashboardFiles, renderIndex } from './dashboard-files';

/**
 * The web dashboard (web/, built into dist/web): index.html at `/` and at every path the
 * single-page app routes itself, and its hashed assets under /assets. The dashboard uses only the
 * public API, like any other client.
 */
@ApiExcludeController()
@Controller()
export class DashboardController {
  constructor(private readonly files: DashboardFiles) {}

  @Get(['', 'login', 'signup', 'inbox', 'inbox/:id', 'reports', 'settings', 'settings/:section', 'account/:page'])
  @BrowserFacing('dashboard')
  page(@Res({ passthrough: true }) reply: FastifyReply): string {
    reply.header('content-type', 'text/html; charset=utf-8');
    reply.header('cache-control', 'no-store');
    return renderIndex(this.files, cspNonce(reply));
  }

  @Get('assets/:name')
  @BrowserFacing('dashboard')
  asset(@Param('name') name: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const asset = this.files.asset(name);
    if (!asset) throw new NotFoundException();
    reply.header('content-type', asset.type);
    // Names carry a hash of their content: a new build makes new names.
    reply.header('cache-control', 'public, max-age=31536000, immutable');
    return asset.body;
  }
}
