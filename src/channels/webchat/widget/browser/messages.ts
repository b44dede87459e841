import type { ApiAttachment, ApiMessage } from './api';

/** A message on screen: one of ours is shown at once, before the API confirms it (`id` null until then). */
export interface ShownMessage {
  id: string | null;
  clientMessageId: string | null;
  from: 'visitor' | 'agent';
  text: string | null;
  /** The API's; before it confirms ours, just the names of the files being sent. */
  attachments: ApiAttachment[];
  /** A file of ours waiting to go (kept to send it again after a failure). */
  file?: File;
  uploadId?: string;
  sentAt: string;
  state: 'sending' | 'sent' | 'delivered' | 'failed';
  survey: 'waiting' | 'rated' | null;
}

function newClientId(): string {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** The conversation as shown: in order, each message once, ours matched to the API's copy by clientMessageId. */
export class MessageList {
  items: ShownMessage[] = [];
  private byId: Record<string, ShownMessage> = {};
  private byClientId: Record<string, ShownMessage> = {};

  /** Adds a message from the API, or confirms ours it is the copy of; a message already shown changes nothing. */
  upsert(m: ApiMessage): 'added' | 'confirmed' | 'unchanged' {
    const known = this.byId[m.id];
    if (known) {
      if (!m.survey || known.survey === m.survey) return 'unchanged';
      known.survey = m.survey; // rated meanwhile (another tab, or by a reply)
      return 'confirmed';
    }
    const pending = m.clientMessageId ? this.byClientId[m.clientMessageId] : undefined;
    if (pending && !pending.id) {
      pending.id = m.id;
      pending.sentAt = m.sentAt;
      pending.state = 'delivered';
      pending.text = m.text;
      pending.attachments = m.attachments || [];
      this.byId[m.id] = pending;
      return 'confirmed';
    }
    const msg: ShownMessage = {
      id: m.id,
      clientMessageId: m.clientMessageId,
      from: m.from,
      text: m.text,
      attachments: m.attachments || [],
      sentAt: m.sentAt,
      state: 'delivered',
      survey: m.survey || null,
    };
    this.byId[m.id] = msg;
    if (m.clientMessageId) this.byClientId[m.clientMessageId] = msg;
    this.items.push(msg);
    this.items.sort(function (a, b) {
      if (!a.id || !b.id) return a.id ? -1 : b.id ? 1 : 0; // unconfirmed ones stay last
      return a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0;
    });
    return 'added';
  }

  /** A visitor's message, shown before it is sent. */
  addPending(text: string | null, file?: File): ShownMessage {
    const msg: ShownMessage = {
      id: null,
      clientMessageId: newClientId(),
      from: 'visitor',
      text: text,
      attachments: file ? [{ type: 'file', name: file.name }] : [],
      file: file,
      sentAt: new Date().toISOString(),
      state: 'sending',
      survey: null,
    };
    this.items.push(msg);
    this.byClientId[msg.clientMessageId!] = msg;
    return msg;
  }

  clear(): void {
    this.items = [];
    this.byId = {};
    this.byClientId = {};
  }
}
