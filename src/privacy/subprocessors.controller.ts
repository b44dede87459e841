import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SubprocessorListResponse } from './privacy.responses';
import type { FastifyReply } from 'fastify';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { BrowserFacing } from '../common/security-headers';
import { CrmConnectorKinds } from '../integrations/crm/core/crm-connector-kinds';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The platforms End User data may flow to, generated from the adapters this build registers, so
 * the list cannot fall behind the code.
 */
@ApiTags('legal')
@Controller('legal/subprocessors')
export class SubprocessorsController {
  constructor(
    private readonly adapters: ChannelAdapters,
    private readonly crms: CrmConnectorKinds,
  ) {}

  @Get()
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({ type: SubprocessorListResponse, description: 'JSON, or a page for Accept: text/html' })
  @BrowserFacing('html-page')
  list(@Headers('accept') accept: string | undefined, @Res() reply: FastifyReply) {
    const byProcessor = new Map<string, string[]>();
    for (const adapter of this.adapters.all()) {
      for (const name of adapter.processors) byProcessor.set(name, [...(byProcessor.get(name) ?? []), adapter.kind]);
    }
    const channelItems = [...byProcessor.entries()].map(([name, channels]) => ({
      name,
      purpose: 'Delivering messages between the Customer and its End Users',
      channels,
      integrations: [] as string[],
    }));
    // The CRMs a Customer may connect: their clients, appointments and deals are read from there,
    // and new clients met in chats are written there (with consent where the policy asks for it).
    const crmItems = this.crms
      .all()
      .map((k) => ({ name: k.vendor, purpose: "Syncing the Customer's CRM, when the Customer connects it", channels: [] as string[], integrations: [k.kind] }));
    const items = [...channelItems, ...crmItems].sort((a, b) => a.name.localeCompare(b.name));
    if (accept && /text\/html/.test(accept)) {
      const rows = items
        .map((i) => `<li><strong>${escape(i.name)}</strong>: ${escape(i.purpose)} (${[...i.channels, ...i.integrations].map(escape).join(', ')})</li>`)
        .join('');
      return reply
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Subprocessors</title></head><body><h1>Subprocessors and integrated platforms</h1><ul>${rows}</ul></body></html>`,
        );
    }
    return reply.send({ items });
  }
}
