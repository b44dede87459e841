import { Anchor, Box, Button, Center, Group, Loader, Text } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { attachmentUrl } from '../../api/files';
import { useMessages, useNotes } from '../../api/queries';
import type { Message, Note } from '../../api/types';
import { failureReasonKey } from '../../lib/failureReasons';
import { formatDateTime } from '../../lib/format';

type Item = { kind: 'message'; at: string; message: Message } | { kind: 'note'; at: string; note: Note };

const STATUS_COLOR: Record<string, string> = { failed: 'red.9', read: 'indigo.9', delivered: 'teal.9', sent: 'gray.7', queued: 'gray.7', received: 'gray.7' };

/** Messages oldest to newest, with private notes in their place; older pages load on demand. */
export function MessageThread({ conversationId, selfId }: { conversationId: string; selfId: string }) {
  const { t, i18n } = useTranslation();
  const messages = useMessages(conversationId);
  const notes = useNotes(conversationId);
  const bottom = useRef<HTMLDivElement>(null);

  const items = useMemo(() => {
    const list: Item[] = [
      ...(messages.data?.pages.flatMap((p) => p.items) ?? []).map((m) => ({ kind: 'message' as const, at: m.sentAt ?? m.createdAt, message: m })),
      ...(notes.data ?? []).map((n) => ({ kind: 'note' as const, at: n.createdAt, note: n })),
    ];
    return list.sort((a, b) => a.at.localeCompare(b.at));
  }, [messages.data, notes.data]);

  // A reply names the message it quotes (by our id, else by the platform's): found among those loaded, it is shown above the reply.
  const [byId, byExternalId] = useMemo(() => {
    const ids = new Map<string, Message>();
    const externalIds = new Map<string, Message>();
    for (const p of messages.data?.pages ?? [])
      for (const m of p.items) {
        ids.set(m.id, m);
        if (m.externalId) externalIds.set(m.externalId, m);
      }
    return [ids, externalIds];
  }, [messages.data]);

  const newest = items.length ? items[items.length - 1].at : '';
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [newest, conversationId]);

  return (
    <Box className="mm-messages mm-focusable" role="log" aria-live="polite" aria-label={t('conversation.messages')} tabIndex={0} data-testid="thread">
      {messages.hasNextPage && (
        <Center mb="sm">
          <Button size="xs" variant="subtle" onClick={() => void messages.fetchNextPage()} loading={messages.isFetchingNextPage}>
            {t('conversation.earlier')}
          </Button>
        </Center>
      )}
      {messages.isLoading && (
        <Center>
          <Loader size="sm" aria-label={t('app.loading')} />
        </Center>
      )}
      <div style={{ display: 'flex', flexDirection: 'column' }}>
        {items.map((item) =>
          item.kind === 'note' ? (
            <div key={`n-${item.note.id}`} className="mm-bubble note" data-testid="note">
              <Text size="xs" fw={600}>
                {t('conversation.notes')} · {item.note.authorId === selfId ? t('conversation.you') : t('conversation.agent')} ·{' '}
                {formatDateTime(item.at, i18n.language)}
              </Text>
              <Text size="sm">{item.note.text}</Text>
            </div>
          ) : (
            <MessageBubble
              key={item.message.id}
              message={item.message}
              selfId={selfId}
              quoted={
                item.message.replyTo
                  ? (byId.get(item.message.replyTo.id) ?? item.message.replyTo.preview)
                  : item.message.replyToExternalId
                    ? (byExternalId.get(item.message.replyToExternalId) ?? null)
                    : undefined
              }
            />
          ),
        )}
      </div>
      <div ref={bottom} />
    </Box>
  );
}

/**
 * `quoted`: the message this one replies to, or the API's preview of it when it is not among those
 * loaded ('' when it was deleted); null when nothing is known of it; undefined when it replies to none.
 */
function MessageBubble({ message: m, selfId, quoted }: { message: Message; selfId: string; quoted?: Message | string | null }) {
  const { t, i18n } = useTranslation();
  const out = m.direction === 'outbound';
  return (
    <div className={`mm-bubble ${out ? 'out' : 'in'}`} data-testid="message" data-status={m.status} data-message-id={m.id}>
      <Text size="xs" c="dimmed">
        {out ? (m.authorId === selfId ? t('conversation.you') : t('conversation.agent')) : t('conversation.customer')} ·{' '}
        {formatDateTime(m.sentAt ?? m.createdAt, i18n.language)}
        {m.editedAt ? ` · ${t('conversation.edited')}` : ''}
        {m.autoReply ? ` · ${t('conversation.autoReply')}` : ''}
        {m.context?.forwarded ? ` · ${t('conversation.forwarded')}` : ''}
      </Text>
      {quoted !== undefined && (
        <Text size="xs" c="dimmed" className="mm-quote" data-testid="quoted" lineClamp={2}>
          {typeof quoted === 'string'
            ? quoted || t('conversation.deleted')
            : quoted
              ? quoted.deletedAt
                ? t('conversation.deleted')
                : (quoted.text ?? t('conversation.attachment'))
              : t('conversation.quotedEarlier')}
        </Text>
      )}
      {m.subject && (
        <Text size="sm" fw={600} data-testid="subject">
          {m.subject}
        </Text>
      )}
      {m.context?.choice && (
        <Text size="xs" c="dimmed" data-testid="choice">
          {t('conversation.chose', { title: m.context.choice.title ?? m.context.choice.id ?? '' })}
        </Text>
      )}
      {m.deletedAt ? (
        <Text size="sm" fs="italic" c="dimmed">
          {t('conversation.deleted')}
        </Text>
      ) : (
        <Text size="sm">{m.text}</Text>
      )}
      {(m.attachments ?? []).map((a, i) => {
        // What it is, in the reader's language, then its name (a file, a place, a contact, a poll's question).
        const kind = t(`attachments.${a.type}`, { defaultValue: t('conversation.attachment') });
        const named = a.name ? `${kind}: ${a.name}` : kind;
        // An inbound file being copied into our storage, or that could not be.
        const label =
          a.state === 'pending'
            ? `${named} (${t('attachments.copying')})`
            : a.state === 'failed'
              ? `${named} (${t(`attachments.failed.${a.failure ?? 'fetch_failed'}`)})`
              : named;
        if (a.uploadId) return <StoredFile key={i} conversationId={m.conversationId} messageId={m.id} index={i} image={a.type === 'image'} label={label} />;
        return a.url ? (
          <Anchor key={i} size="sm" href={a.url} target="_blank" rel="noopener noreferrer" display="block" data-testid="attachment">
            {label}
          </Anchor>
        ) : (
          <Text key={i} size="sm" c="dimmed" data-testid="attachment">
            {label}
          </Text>
        );
      })}
      {out && (
        <Group gap={4} justify="flex-end">
          <Text size="xs" c={STATUS_COLOR[m.status] ?? 'gray.7'} fw={600} data-testid="delivery-status">
            {t(`delivery.${m.status}`)}
          </Text>
        </Group>
      )}
      {m.status === 'failed' && (
        <Box mt={4} p={6} style={{ background: 'var(--mantine-color-red-0)', borderRadius: 6 }} data-testid="failure-reason">
          <Text size="xs" fw={600} c="red.9">
            {t('delivery.reasonTitle')}
          </Text>
          <Text size="sm">{t(`reasons.${failureReasonKey(m.error?.code)}`)}</Text>
          {m.error?.text && (
            <Text size="xs" c="dimmed">
              {t('reasons.platformSaid', { text: `${m.error.code ? `${m.error.code}: ` : ''}${m.error.text}` })}
            </Text>
          )}
        </Box>
      )}
    </div>
  );
}

/**
 * A file we keep (an upload, an inbound copy): pictures shown, anything else downloaded on a
 * click, both from a blob: URL fetched with the session's token.
 */
function StoredFile({
  conversationId,
  messageId,
  index,
  image,
  label,
}: {
  conversationId: string;
  messageId: string;
  index: number;
  image: boolean;
  label: string;
}) {
  const { t } = useTranslation();
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!image) return;
    let live = true;
    attachmentUrl(conversationId, messageId, index).then(
      (u) => live && setSrc(u),
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [conversationId, messageId, index, image]);
  const download = () =>
    attachmentUrl(conversationId, messageId, index).then(
      (u) => {
        const link = document.createElement('a');
        link.href = u;
        link.download = label.split(': ').slice(1).join(': ') || 'file';
        link.click();
      },
      () => setFailed(true),
    );
  return (
    <Box data-testid="attachment">
      {src && <img src={src} alt={label} style={{ display: 'block', maxWidth: '100%', maxHeight: 240, borderRadius: 6, marginTop: 4 }} />}
      <Anchor component="button" type="button" size="sm" onClick={download}>
        {failed ? `${label} (${t('attachments.unavailable')})` : label}
      </Anchor>
    </Box>
  );
}
