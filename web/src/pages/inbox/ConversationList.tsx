import { Alert, Badge, Button, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useChannels, useContact } from '../../api/queries';
import type { ConversationFilters } from '../../api/queries';
import type { Channel, Conversation } from '../../api/types';
import { formatDuration, formatNumber, formatTime } from '../../lib/format';
import { FilterSelects } from './ViewsPane';

export interface ConversationListProps {
  filters: ConversationFilters;
  onFilters: (f: ConversationFilters) => void;
  items: Conversation[];
  current: string | null;
  onOpen: (id: string) => void;
  loading: boolean;
  error: unknown;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

const STATUS_COLORS: Record<string, string> = { open: 'blue', pending: 'orange', resolved: 'green', snoozed: 'gray' };

/** The middle pane: conversations with their contact, preview, status and waiting time; more load as it scrolls. */
export function ConversationList(p: ConversationListProps) {
  const { t, i18n } = useTranslation();
  const channels = useChannels();
  const sentinel = useRef<HTMLDivElement>(null);
  const { hasMore, loadingMore, loadMore } = p;

  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && hasMore && !loadingMore) loadMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, loadingMore, loadMore]);

  const byId = new Map((channels.data ?? []).map((c) => [c.id, c]));
  return (
    <div>
      <Group justify="space-between" p="sm" pb={4}>
        <Title order={2} size="h5" id="list-title">
          {t('inbox.conversations')}
        </Title>
        <Badge variant="light" color="gray" aria-label={`${t('inbox.conversations')}: ${p.items.length}`}>
          {formatNumber(p.items.length, i18n.language)}
          {p.hasMore ? '+' : ''}
        </Badge>
      </Group>
      <Stack gap="xs" px="sm" pb="sm" className="mm-narrow-only">
        <FilterSelects filters={p.filters} onChange={p.onFilters} />
      </Stack>
      {p.loading && (
        <Center p="md">
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      )}
      {p.error ? (
        <Alert color="red" m="sm" role="alert">
          {t('errors.generic', { message: (p.error as Error).message })}
        </Alert>
      ) : null}
      {!p.loading && !p.error && p.items.length === 0 && (
        <Stack p="md" gap={4}>
          <Text>{t('inbox.empty')}</Text>
          <Text size="sm" c="dimmed">
            {t('inbox.emptyHint')}
          </Text>
        </Stack>
      )}
      <ul aria-labelledby="list-title" style={{ listStyle: 'none', margin: 0, padding: 0 }} data-testid="conversation-list">
        {p.items.map((c) => (
          <li key={c.id}>
            <ConversationRow conversation={c} channel={byId.get(c.channelId)} current={c.id === p.current} onOpen={p.onOpen} />
          </li>
        ))}
      </ul>
      <div ref={sentinel} />
      {p.hasMore && (
        <Center p="sm">
          <Button variant="subtle" size="xs" onClick={p.loadMore} loading={p.loadingMore}>
            {t('inbox.loadMore')}
          </Button>
        </Center>
      )}
    </div>
  );
}

function ConversationRow({
  conversation: c,
  channel,
  current,
  onOpen,
}: {
  conversation: Conversation;
  channel?: Channel;
  current: boolean;
  onOpen: (id: string) => void;
}) {
  const { t, i18n } = useTranslation();
  // Rows carry the contact once the API lists it (triage); until then it is fetched (and cached) per contact.
  const contact = useContact(c.contact ? null : c.contactId);
  const name = c.contact?.displayName ?? contact.data?.displayName ?? t('inbox.unknownContact');
  const waiting = c.status === 'open' && c.lastInboundAt && c.lastInboundAt === c.lastMessageAt ? Date.now() - new Date(c.lastInboundAt).getTime() : null;
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (current) ref.current?.scrollIntoView?.({ block: 'nearest' });
  }, [current]);
  return (
    <button ref={ref} type="button" className="mm-row" aria-current={current ? 'true' : undefined} onClick={() => onOpen(c.id)} data-conversation-id={c.id}>
      <Group justify="space-between" wrap="nowrap" gap="xs">
        <Text fw={600} truncate>
          {name}
        </Text>
        <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
          {formatTime(c.lastMessageAt, i18n.language)}
        </Text>
      </Group>
      <Text size="sm" c="dimmed" truncate>
        {c.lastMessage
          ? `${c.lastMessage.direction === 'outbound' ? `${t('inbox.you')}: ` : ''}${c.lastMessage.text ?? t('conversation.attachment')}`
          : t('inbox.noPreview')}
      </Text>
      <Group gap={6} mt={4}>
        <Badge size="xs" variant="light" color={STATUS_COLORS[c.status] ?? 'gray'}>
          {t(`status.${c.status}`)}
        </Badge>
        {channel && (
          <Badge size="xs" variant="outline" color="gray">
            {t(`channels.kinds.${channel.kind}`)}
          </Badge>
        )}
        {!!c.unreadCount && (
          <Badge size="xs" color="red">
            {t('inbox.unread', { count: c.unreadCount })}
          </Badge>
        )}
        {c.priority && (
          <Badge size="xs" variant="light" color={c.priority === 'urgent' || c.priority === 'high' ? 'red' : 'gray'}>
            {t(`priority.${c.priority}`)}
          </Badge>
        )}
        {(c.labels ?? []).map((l) => (
          <Badge key={l.id} size="xs" variant="dot" color={l.colour ?? 'grape'}>
            {l.name}
          </Badge>
        ))}
        {waiting !== null && (
          <Text size="xs" c="red.9">
            {t('inbox.waiting', { time: formatDuration(waiting, i18n.language) })}
          </Text>
        )}
      </Group>
    </button>
  );
}
