import { ActionIcon, Alert, Badge, Button, Center, Group, Loader, Select, Text, Title, Tooltip } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useChannels, useContact, useConversation, useUsers } from '../../api/queries';
import { type Session, isManager } from '../../api/session';
import type { Conversation } from '../../api/types';
import { useChange } from '../../lib/useChange';
import { navigate } from '../../router';
import { ContactPanel } from './ContactPanel';
import { LabelPicker, SnoozeMenu, useMarkRead } from './ConversationTriage';
import { MessageThread } from './MessageThread';
import { ReplyBox } from './ReplyBox';
import { RESOLVE_BUTTON_ID } from './useInboxKeys';

/** The right pane: the conversation's header (assignee, resolve), its messages and notes, the reply box, the contact. */
export function ConversationView({ session, conversationId }: { session: Session; conversationId: string | null }) {
  const { t } = useTranslation();
  const conversation = useConversation(conversationId);
  if (!conversationId) {
    return (
      <Center h="100%" p="md">
        <Text c="dimmed">{t('inbox.pick')}</Text>
      </Center>
    );
  }
  if (conversation.isLoading) {
    return (
      <Center h="100%">
        <Loader size="sm" aria-label={t('app.loading')} />
      </Center>
    );
  }
  if (conversation.error || !conversation.data) {
    return (
      <Alert color="red" m="md" role="alert">
        {t('errors.generic', { message: (conversation.error as Error)?.message ?? '' })}
      </Alert>
    );
  }
  return <Loaded session={session} conversation={conversation.data} />;
}

function Loaded({ session, conversation: c }: { session: Session; conversation: Conversation }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const channels = useChannels();
  const channel = channels.data?.find((ch) => ch.id === c.channelId);
  const contact = useContact(c.contactId);
  const users = useUsers(isManager(session));
  useMarkRead(c);

  const update = useChange(
    (body: { status?: Conversation['status']; assigneeId?: string | null }) =>
      unwrap<Conversation>(api.PATCH('/api/conversations/{id}', { params: { path: { id: c.id } }, body })),
    {
      done: (_, body) => (body.status ? (body.status === 'resolved' ? t('conversation.resolved') : t('conversation.reopened')) : t('conversation.assigned')),
      invalidates: [['conversations'], ['conversation-counts']],
      onDone: (updated) => qc.setQueryData(['conversation', c.id], updated),
    },
  );

  const assignees = [
    { value: '', label: t('conversation.unassigned') },
    { value: session.userId, label: t('conversation.you') },
    ...(users.data ?? []).filter((u) => u.id !== session.userId && u.active).map((u) => ({ value: u.id, label: u.email })),
  ];
  if (c.assigneeId && !assignees.some((a) => a.value === c.assigneeId)) assignees.push({ value: c.assigneeId, label: t('conversation.agent') });

  const resolved = c.status === 'resolved';
  const name = contact.data?.displayName ?? t('inbox.unknownContact');
  return (
    <div className="mm-conversation">
      <div className="mm-thread">
        <Group justify="space-between" p="sm" wrap="wrap" gap="xs" style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
          <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
            <Tooltip label={t('inbox.back')}>
              <ActionIcon variant="subtle" className="mm-narrow-only" onClick={() => navigate('/inbox')} aria-label={t('inbox.back')}>
                ←
              </ActionIcon>
            </Tooltip>
            <div style={{ minWidth: 0 }}>
              <Title order={2} size="h5" lineClamp={1}>
                {name}
              </Title>
              <Group gap={6}>
                <Badge size="xs" variant="light" color="gray">
                  {t(`status.${c.status}`)}
                </Badge>
                {channel && (
                  <Text size="xs" c="dimmed">
                    {channel.name} · {t(`channels.kinds.${channel.kind}`)}
                  </Text>
                )}
                {c.satisfaction && (
                  <Tooltip label={t('conversation.satisfactionHint')}>
                    <Badge
                      size="xs"
                      variant="light"
                      color={c.satisfaction.rating === null ? 'gray' : c.satisfaction.rating >= 4 ? 'teal' : c.satisfaction.rating === 3 ? 'yellow' : 'red'}
                      data-testid="satisfaction"
                    >
                      {c.satisfaction.rating === null ? t('conversation.ratingAsked') : t('conversation.rated', { rating: c.satisfaction.rating })}
                    </Badge>
                  </Tooltip>
                )}
                {c.status === 'snoozed' && c.snoozedUntil && (
                  <Text size="xs" c="dimmed" data-testid="snoozed-until">
                    {t('conversation.snoozedUntil', { time: new Date(c.snoozedUntil).toLocaleString(i18n.language) })}
                  </Text>
                )}
              </Group>
            </div>
          </Group>
          <Group gap="xs" wrap="wrap">
            <LabelPicker conversation={c} />
            <Select
              aria-label={t('conversation.assign')}
              placeholder={t('conversation.assign')}
              size="xs"
              w={170}
              data={assignees}
              value={c.assigneeId ?? ''}
              onChange={(v) => update.mutate({ assigneeId: v || null })}
              allowDeselect={false}
            />
            {!resolved && c.status !== 'snoozed' && <SnoozeMenu conversation={c} />}
            <Button
              id={RESOLVE_BUTTON_ID}
              size="xs"
              // A hex of our own: Mantine's hover shade of teal.9 falls below 4.5:1 behind white text.
              color={resolved ? 'gray.8' : '#066649'}
              loading={update.isPending && !!update.variables?.status}
              onClick={() => update.mutate({ status: resolved ? 'open' : 'resolved' })}
            >
              {resolved ? t('conversation.reopen') : t('conversation.resolve')}
            </Button>
          </Group>
        </Group>
        <MessageThread conversationId={c.id} selfId={session.userId} />
        <ReplyBox conversation={c} channel={channel} contact={contact.data} />
      </div>
      <aside className="mm-pane mm-contact-pane" aria-label={t('contact.title')} style={{ borderLeft: '1px solid var(--mantine-color-gray-3)' }}>
        {contact.data && <ContactPanel contact={contact.data} channels={channels.data ?? []} canErase={isManager(session)} />}
      </aside>
    </div>
  );
}
