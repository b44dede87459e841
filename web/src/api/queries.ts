import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, unwrap } from './client';
import type { CannedResponse, Channel, Contact, Conversation, ConversationCounts, ConversationStatus, Label, Message, Note, Page, User } from './types';

export interface ConversationFilters {
  view: 'all' | 'mine' | 'unassigned';
  status: ConversationStatus | 'any';
  channelId: string | null;
  labelId?: string | null;
  unreadOnly?: boolean;
}

const PAGE = 25;

export function useChannels() {
  return useQuery({ queryKey: ['channels'], queryFn: async () => (await unwrap<{ items: Channel[] }>(api.GET('/api/channels'))).items });
}

export function useUsers(enabled: boolean) {
  return useQuery({ queryKey: ['users'], enabled, queryFn: async () => (await unwrap<{ items: User[] }>(api.GET('/api/users'))).items });
}

/** The list, newest activity first, a page at a time (keyset cursors). */
export function useConversations(filters: ConversationFilters, userId: string) {
  return useInfiniteQuery({
    queryKey: ['conversations', filters, userId],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Page<Conversation>) => last.nextCursor ?? undefined,
    queryFn: ({ pageParam }) =>
      unwrap<Page<Conversation>>(
        api.GET('/api/conversations', {
          params: {
            query: {
              limit: PAGE,
              ...(pageParam ? { cursor: pageParam } : {}),
              ...(filters.status !== 'any' ? { status: filters.status } : {}),
              ...(filters.channelId ? { channelId: filters.channelId } : {}),
              ...(filters.view !== 'all' ? { assignee: filters.view === 'mine' ? 'me' : 'unassigned' } : {}),
              ...(filters.labelId ? { labels: filters.labelId } : {}),
              ...(filters.unreadOnly ? { unread: 'true' as const } : {}),
            },
          },
        }),
      ),
  });
}

export function useConversation(id: string | null) {
  return useQuery({
    queryKey: ['conversation', id],
    enabled: !!id,
    queryFn: () => unwrap<Conversation>(api.GET('/api/conversations/{id}', { params: { path: { id: id! } } })),
  });
}

/** Newest first from the API; older pages follow the cursor. */
export function useMessages(id: string | null) {
  return useInfiniteQuery({
    queryKey: ['messages', id],
    enabled: !!id,
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Page<Message>) => last.nextCursor ?? undefined,
    queryFn: ({ pageParam }) =>
      unwrap<Page<Message>>(
        api.GET('/api/conversations/{id}/messages', { params: { path: { id: id! }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } }),
      ),
  });
}

export function useNotes(id: string | null) {
  return useQuery({
    queryKey: ['notes', id],
    enabled: !!id,
    queryFn: async () => (await unwrap<{ items: Note[] }>(api.GET('/api/conversations/{id}/notes', { params: { path: { id: id! } } }))).items,
  });
}

export function useContact(id: string | null | undefined) {
  return useQuery({
    queryKey: ['contact', id],
    enabled: !!id,
    staleTime: 5 * 60_000,
    queryFn: () => unwrap<Contact>(api.GET('/api/contacts/{id}', { params: { path: { id: id! } } })),
  });
}

/** The numbers next to the views: per status, and mine / unassigned within the status shown. */
export function useCounts(status: ConversationStatus | 'any') {
  return useQuery({
    queryKey: ['conversation-counts', status],
    queryFn: () => unwrap<ConversationCounts>(api.GET('/api/conversations/counts', { params: { query: status === 'any' ? {} : { status } } })),
  });
}

export function useLabels() {
  return useQuery({ queryKey: ['labels'], staleTime: 60_000, queryFn: async () => (await unwrap<{ items: Label[] }>(api.GET('/api/labels'))).items });
}

/** Canned responses whose short code (first) or text matches what follows the `/`. */
export function useCannedResponses(q: string | null) {
  return useQuery({
    queryKey: ['canned-responses', q],
    enabled: q !== null,
    staleTime: 30_000,
    queryFn: async () => (await unwrap<{ items: CannedResponse[] }>(api.GET('/api/canned-responses', { params: { query: q ? { q } : {} } }))).items,
  });
}
