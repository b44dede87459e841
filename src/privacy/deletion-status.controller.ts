import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import { DeletionStatusResponse } from './privacy.responses';
import type { FastifyReply } from 'fastify';
import { BrowserFacing, cspNonce } from '../common/security-headers';
import { DeletionRequestsService, DeletionStatus } from './deletion-requests.service';
import { INSTAGRAM_NOTE } from './meta-deletion.service';

const TABLE_NAMES: Record<string, string> = {
  messages: 'messages',
  conversations: 'conversations',
  notes: 'internal notes about the conversations',
  contacts: 'contact records',
  contact_identities: 'account links (ids on messaging platforms)',
  contact_consents: 'recorded consents',
  inbound_events: 'raw platform notifications',
  queue_jobs: 'pending processing tasks',
};

/** Meta's callbacks cannot reach Instagram conversations (see MetaDeletionService). */
const noteOf = (s: DeletionStatus): string | null => (s.origin === 'meta_callback' ? INSTAGRAM_NOTE : null);

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(s: DeletionStatus, nonce: string): string {
  const lines = Object.entries(s.deleted).map(([table, n]) => `<li>${n} ${escape(TABLE_NAMES[table] ?? table)}</li>`);
  const when = s.completedAt
    ? `completed on ${s.completedAt.toISOString()}`
    : `requested on ${s.requestedAt.toISOString()}, due by ${s.deadlineAt.toISOString()}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Data deletion ${escape(s.code)}</title>
<style nonce="${escape(nonce)}">body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style></head><body>
<h1>Your data deletion request</h1>
<p>Confirmation code: <strong>${escape(s.code)}</strong></p>
<p>Status: <strong>${escape(s.status === 'pending' ? 'in progress' : s.status)}</strong> (${escape(when)}).</p>
<p>${escape(s.outcome ?? 'We are working on it.')}</p>
${lines.length ? `<p>What was deleted:</p><ul>${lines.join('')}</ul>` : ''}
${noteOf(s) ? `<p>${escape(noteOf(s)!)}</p>` : ''}
<p>Nothing that identifies you is kept about this request: only this code, its dates and the counts above.</p>
</body></html>`;
}

/** The public status page of a deletion request: JSON for programs, a readable page for people. */
@ApiTags('privacy')
@Controller('privacy/deletion')
export class DeletionStatusController {
  constructor(private readonly deletions: DeletionRequestsService) {}

  @Get(':code')
  @ApiProduces('application/json', 'text/html')
  @ApiOkResponse({ type: DeletionStatusResponse, description: 'JSON, or a page for a browser (Accept: text/html)' })
  @ApiErrors('DELETION_REQUEST_NOT_FOUND')
  @BrowserFacing('html-page')
  async status(@Param('code') code: string, @Headers('accept') accept: string | undefined, @Res() reply: FastifyReply) {
    const s = await this.deletions.status(code);
    if (accept && /text\/html/.test(accept) && !/application\/json/.test(accept.split(',')[0])) {
      return reply.type('text/html; charset=utf-8').send(page(s, cspNonce(reply)));
    }
    return reply.send({
      code: s.code,
      status: s.status,
      requestedAt: s.requestedAt,
      deadlineAt: s.deadlineAt,
      completedAt: s.completedAt,
      deleted: s.deleted,
      outcome: s.outcome,
      matching: s.matching,
      note: noteOf(s),
    });
  }
}
