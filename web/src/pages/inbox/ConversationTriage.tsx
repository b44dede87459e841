import { Button, Menu, MultiSelect } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useLabels } from '../../api/queries';
import type { Conversation } from '../../api/types';
import { useChange } from '../../lib/useChange';

/** When a snooze ends, in the agent's own time zone: in an hour, tomorrow at 9, next Monday at 9. */
export function snoozeChoices(now: Date): Array<{ key: 'hour' | 'tomorrow' | 'nextWeek'; until: Date }> {
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9);
  const daysToMonday = (8 - now.getDay()) % 7 || 7;
  const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() + daysToMonday, 9);
  return [
    { key: 'hour', until: new Date(now.getTime() + 3600_000) },
    { key: 'tomorrow', until: tomorrow },
    { key: 'nextWeek', until: monday },
  ];
}

function useRefreshLists() {
  const qc = useQueryClient();
  return (updated?: Conversation) => {
    if (updated) qc.setQueryData(['conversation', updated.id], updated);
    void qc.invalidateQueries({ queryKey: ['conversations'] });
    void qc.invalidateQueries({ queryKey: ['conversation-counts'] });
  };
}

/** The conversation's labels, replaced as a whole on each change. */
export function LabelPicker({ conversation: c }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const refresh = useRefreshLists();
  const put = useChange(
    (labelIds: string[]) => unwrap<unknown>(api.PUT('/api/conversations/{id}/labels', { params: { path: { id: c.id } }, body: { labelIds } })),
    { onDone: () => refresh() },
  );
  const chosen = (c.labels ?? []).map((l) => l.id);
  if (!labels.data?.length && chosen.length === 0) return null;
  return (
    <MultiSelect
      aria-label={t('conversation.labels')}
      placeholder={chosen.length ? undefined : t('conversation.labels')}
      size="xs"
      w={220}
      data={(labels.data ?? []).map((l) => ({ value: l.id, label: l.name }))}
      value={chosen}
      onChange={(ids) => put.mutate(ids)}
      clearable
    />
  );
}

/** Snooze until a chosen time: the conversation leaves the open list and comes back by itself. */
export function SnoozeMenu({ conversation: c }: { conversation: Conversation }) {
  const { t, i18n } = useTranslation();
  const refresh = useRefreshLists();
  const snooze = useChange(
    (until: Date) =>
      unwrap<Conversation>(
        api.PATCH('/api/conversations/{id}', { params: { path: { id: c.id } }, body: { status: 'snoozed', snoozedUntil: until.toISOString() } }),
      ),
    { done: t('conversation.snoozed'), onDone: refresh },
  );
  const when = new Intl.DateTimeFormat(i18n.language, { weekday: 'short', hour: '2-digit', minute: '2-digit' });
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button size="xs" variant="default" loading={snooze.isPending}>
          {t('conversation.snooze')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {snoozeChoices(new Date()).map((choice) => (
          <Menu.Item key={choice.key} onClick={() => snooze.mutate(choice.until)}>
            {t(`conversation.snoozeUntil.${choice.key}`)} · {when.format(choice.until)}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/** Opening a conversation with unread messages marks them read for this agent (and a new one, while it stays open). */
export function useMarkRead(c: Conversation) {
  const refresh = useRefreshLists();
  const qc = useQueryClient();
  const unread = c.unreadCount ?? 0;
  useEffect(() => {
    if (unread === 0) return;
    let cancelled = false;
    void unwrap<unknown>(api.POST('/api/conversations/{id}/read', { params: { path: { id: c.id } }, body: {} }))
      .then(() => {
        if (cancelled) return;
        qc.setQueryData<Conversation>(['conversation', c.id], (old) => (old ? { ...old, unreadCount: 0 } : old));
        refresh();
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [c.id, unread, c.lastInboundAt]);
}
