import type { QueryClient } from '@tanstack/react-query';
import { useEffect, useSyncExternalStore } from 'react';
import { freshAccessToken, refreshSession } from '../api/refresh';
import type { Conversation, Message, Page, Satisfaction } from '../api/types';
import { type SseFrame, openStream } from './sse';

/** One event of GET /api/events. */
export interface LiveEvent {
  id: string;
  type: 'message.created' | 'message.status' | 'conversation.updated' | 'notification.created' | 'channel.updated' | 'reset';
  data: Record<string, unknown>;
}

let connected = false;
const listeners = new Set<() => void>();
const setConnected = (v: boolean) => {
  if (v === connected) return;
  connected = v;
  listeners.forEach((l) => l());
};

/** Whether the live stream is open (the header shows it). */
export function useLiveStatus(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => connected,
  );
}

/**
 * What an event changes in the cached server state: the list and the open conversation refetch
 * what moved; a delivery status is written into the cached message at once.
 */
export function applyLiveEvent(client: QueryClient, e: LiveEvent): void {
  const d = e.data;
  switch (e.type) {
    case 'message.created':
      void client.invalidateQueries({ queryKey: ['conversations'] });
      void client.invalidateQueries({ queryKey: ['messages', d.conversationId] });
      break;
    case 'message.status': {
      client.setQueryData<{ pages: Page<Message>[]; pageParams: unknown[] }>(['messages', d.conversationId], (old) =>
        old
          ? {
              ...old,
              pages: old.pages.map((p) => ({
                ...p,
                items: p.items.map((m) =>
                  m.id === d.messageId ? { ...m, status: d.status as Message['status'], error: (d.error as Message['error']) ?? m.error } : m,
                ),
              })),
            }
          : old,
      );
      void client.invalidateQueries({ queryKey: ['messages', d.conversationId] });
      break;
    }
    case 'conversation.updated':
      // A survey asked or rated carries the conversation's satisfaction: its badge changes at once.
      if (d.satisfaction)
        client.setQueryData<Conversation>(['conversation', d.id], (old) => (old ? { ...old, satisfaction: d.satisfaction as Satisfaction } : old));
      void client.invalidateQueries({ queryKey: ['conversations'] });
      void client.invalidateQueries({ queryKey: ['conversation', d.id] });
      break;
    case 'channel.updated':
      void client.invalidateQueries({ queryKey: ['channels'] });
      break;
    case 'notification.created':
      void client.invalidateQueries({ queryKey: ['notifications'] });
      break;
    case 'reset':
      void client.invalidateQueries();
      break;
  }
}

export function parseFrame(f: SseFrame): LiveEvent | null {
  try {
    const body = JSON.parse(f.data) as { id?: string; type?: string; data?: Record<string, unknown> };
    return { id: body.id ?? f.id ?? '', type: (body.type ?? f.event) as LiveEvent['type'], data: body.data ?? (body as Record<string, unknown>) };
  } catch {
    return null;
  }
}

/** Keeps the live stream open while signed in, feeding the query cache. */
export function useLiveUpdates(client: QueryClient, enabled: boolean): void {
  useEffect(() => {
    if (!enabled) return;
    const stop = openStream({
      url: '/api/events',
      token: freshAccessToken,
      onFrame: (f) => {
        const e = parseFrame(f);
        if (e) applyLiveEvent(client, e);
      },
      onStatus: setConnected,
      onUnauthorized: refreshSession,
    });
    return () => {
      stop();
      setConnected(false);
    };
  }, [client, enabled]);
}
