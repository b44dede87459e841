import { ActionIcon, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { type Session, isManager } from '../api/session';
import type { Notification, Page } from '../api/types';
import { formatTime } from '../lib/format';
import { navigate } from '../router';
import { useChange } from '../lib/useChange';

/** Kinds with words of their own; channel notices and the rest show the server's message. */
const KIND_KEYS: Record<string, 'assigned' | 'mention' | 'message'> = {
  'conversation.assigned': 'assigned',
  'note.mention': 'mention',
  'conversation.message': 'message',
};

/** Where a notification leads: its conversation, else (for those who may open settings) its channel. */
function targetOf(n: Notification, session: Session): string | null {
  if (n.conversationId) return `/inbox/${n.conversationId}`;
  if (n.channelId && isManager(session)) return '/settings/channels';
  return null;
}

/** The header's bell: unread count, the latest notifications, read one or all; kept live by the event stream. */
export function NotificationsBell({ session }: { session: Session }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [opened, setOpened] = useState(false);
  const unread = useQuery({
    queryKey: ['notifications', 'unread'],
    queryFn: () => unwrap<Page<Notification>>(api.GET('/api/notifications', { params: { query: { unread: 'true', limit: 50 } } })),
  });
  const latest = useQuery({
    queryKey: ['notifications', 'latest'],
    enabled: opened,
    queryFn: () => unwrap<Page<Notification>>(api.GET('/api/notifications', { params: { query: { limit: 20 } } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['notifications'] });
  const readOne = useChange((id: string) => unwrap(api.POST('/api/notifications/{id}/read', { params: { path: { id } } })), { onDone: refresh });
  const readAll = useChange(() => unwrap(api.POST('/api/notifications/read-all')), { onDone: refresh });

  const count = unread.data?.items.length ?? 0;
  const countText = unread.data?.nextCursor ? `${count}+` : String(count);
  const label = count ? t('notifications.unread', { count: countText }) : t('notifications.title');
  const open = (n: Notification) => {
    if (!n.readAt) readOne.mutate(n.id);
    const to = targetOf(n, session);
    setOpened(false);
    if (to) navigate(to);
  };

  return (
    <Indicator label={countText} size={16} disabled={!count} color="red.9" offset={4}>
      <Popover opened={opened} onChange={setOpened} position="bottom-end" width={340} shadow="md" withinPortal trapFocus>
        <Popover.Target>
          <ActionIcon variant="default" size="lg" aria-label={label} onClick={() => setOpened((o) => !o)} data-testid="notifications-bell">
            <span aria-hidden="true">🔔</span>
          </ActionIcon>
        </Popover.Target>
        <Popover.Dropdown p="xs" aria-label={t('notifications.title')} role="dialog">
          <Group justify="space-between" mb={6}>
            <Text fw={600} size="sm">
              {t('notifications.title')}
            </Text>
            <Button size="compact-xs" variant="subtle" disabled={!count} loading={readAll.isPending} onClick={() => readAll.mutate()}>
              {t('notifications.readAll')}
            </Button>
          </Group>
          <ScrollArea.Autosize mah={360}>
            <Stack gap={2} component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
              {(latest.data?.items ?? []).map((n) => (
                <li key={n.id}>
                  <UnstyledButton className="mm-notification" data-unread={!n.readAt || undefined} onClick={() => open(n)} w="100%" p={6}>
                    <Group justify="space-between" wrap="nowrap" gap="xs">
                      <Text size="sm" fw={n.readAt ? 400 : 700} lineClamp={1}>
                        {KIND_KEYS[n.kind] ? t(`notifications.kinds.${KIND_KEYS[n.kind]}`) : n.message}
                      </Text>
                      <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
                        {formatTime(n.createdAt, i18n.language)}
                      </Text>
                    </Group>
                    {KIND_KEYS[n.kind] && (
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {n.message}
                      </Text>
                    )}
                  </UnstyledButton>
                </li>
              ))}
            </Stack>
            {latest.isSuccess && latest.data.items.length === 0 && (
              <Text size="sm" c="dimmed" p={6}>
                {t('notifications.none')}
              </Text>
            )}
          </ScrollArea.Autosize>
        </Popover.Dropdown>
      </Popover>
    </Indicator>
  );
}
