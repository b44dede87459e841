import type { Label } from './labels.service';
import type { ConversationView, LabelRef } from './triage.store';

// Read models -> responses: whitelists, so nothing internal reaches a client.

export const labelRefResponse = (l: LabelRef) => ({ id: l.id, name: l.name, colour: l.colour });

export const labelResponse = (l: Label) => ({ id: l.id, name: l.name, colour: l.colour, createdAt: l.createdAt, updatedAt: l.updatedAt });

export const conversationViewResponse = (c: ConversationView) => ({
  id: c.id,
  contactId: c.contactId,
  channelId: c.channelId,
  status: c.status,
  assigneeId: c.assigneeId,
  teamId: c.teamId,
  priority: c.priority,
  snoozedUntil: c.snoozedUntil,
  lastMessageAt: c.lastMessageAt,
  lastInboundAt: c.lastInboundAt,
  customAttributes: c.customAttributes,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  contact: { id: c.contact.id, displayName: c.contact.displayName },
  lastMessage: c.lastMessage ? { direction: c.lastMessage.direction, text: c.lastMessage.text, at: c.lastMessage.at } : null,
  subject: c.subject,
  unreadCount: c.unreadCount,
  labels: c.labels.map(labelRefResponse),
  crm: c.crm && { linkedClients: c.crm.linkedClients, name: c.crm.name, nextAppointmentAt: c.crm.nextAppointmentAt, openDeals: c.crm.openDeals },
});
