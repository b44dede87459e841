import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { invalid } from '../../libs/domain/src';
import { RegionDatabases } from '../database/region-databases';
import { UserStore } from '../tenancy/user.store';
import { CannedResponseService, hasVariables, renderVariables } from './canned-responses.service';
import { ConversationService } from './conversation.service';

export const MAX_REPLY_LENGTH = 4096;

/**
 * The text a reply sends: a canned response's or the agent's own, with its variables filled in
 * for the conversation's contact and the sending agent (whose name is, until users have names,
 * the part of their e-mail address before the @).
 */
@Injectable()
export class ReplyRenderer {
  constructor(
    private readonly conversations: ConversationService,
    private readonly canned: CannedResponseService,
    private readonly users: UserStore,
    private readonly dbs: RegionDatabases,
  ) {}

  async text(tenant: TenantRef, conversationId: string, agentId: string, input: { text?: string; cannedResponseId?: string }): Promise<string | undefined> {
    const raw = input.cannedResponseId ? (await this.canned.get(tenant, input.cannedResponseId)).text : input.text;
    if (raw === undefined || !hasVariables(raw)) return raw;
    const conversation = await this.conversations.get(tenant, conversationId);
    const [contact, agent] = await Promise.all([
      this.conversations.getContact(tenant, conversation.contactId),
      this.dbs.forTenant(tenant, (tx) => this.users.find(tx, tenant.tenantId, agentId)),
    ]);
    const text = renderVariables(raw, { contact: { name: contact.displayName }, agent: { name: agent ? agent.email.split('@')[0] : null } });
    if (!/\S/.test(text)) throw invalid('EMPTY_MESSAGE', 'The reply is empty once its variables are filled in');
    if (text.length > MAX_REPLY_LENGTH)
      throw invalid('MESSAGE_TOO_LONG', `The reply is longer than ${MAX_REPLY_LENGTH} characters once its variables are filled in`);
    return text;
  }
}
