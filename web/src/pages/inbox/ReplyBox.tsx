import { Alert, Button, CloseButton, FileButton, Group, Paper, SegmentedControl, Stack, Text, TextInput, Textarea, UnstyledButton } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../../api/client';
import { type UploadedFile, uploadFile } from '../../api/files';
import { useCannedResponses } from '../../api/queries';
import type { Channel, Contact, Conversation } from '../../api/types';
import { toast } from '../../components/Toasts';
import { failureReasonKey } from '../../lib/failureReasons';
import { formatDuration } from '../../lib/format';
import { hasCardNumber, replyRules } from '../../lib/replyRules';
import { REPLY_BOX_ID } from './useInboxKeys';

/** Re-renders every `ms` so countdowns stay true. */
function useNow(ms = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const id = setInterval(() => setNow(new Date()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/**
 * The reply box knows the channel's rules before anything is sent: the WhatsApp 24-hour window
 * (a countdown while open, an approved template after), Messenger's HUMAN_AGENT tag and its
 * 7-day limit, and it refuses a full card number on the spot. Private notes go beside replies.
 */
export function ReplyBox({ conversation: c, channel, contact }: { conversation: Conversation; channel?: Channel; contact?: Contact }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const now = useNow();
  const [tab, setTab] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  // Files uploaded for the next reply (the platform's limits are checked as they go up).
  const [files, setFiles] = useState<UploadedFile[]>([]);
  const upload = useMutation({
    mutationFn: (file: File) => uploadFile(file, c.channelId),
    onSuccess: (f) => setFiles((list) => [...list, f]),
  });
  const [template, setTemplate] = useState({ name: '', language: i18n.language === 'ru' ? 'ru' : 'en_US', parameters: '' });
  const rules = replyRules(channel?.kind, c.lastInboundAt, now);
  const card = tab === 'reply' && hasCardNumber(text);
  const templateCard = rules.mode === 'template' && hasCardNumber(template.parameters);
  // `/short` at the start of an empty reply looks up canned responses; choosing one puts its text in the box.
  const shortcut = tab === 'reply' ? (/^\/([\w-]{0,32})$/.exec(text)?.[1] ?? null) : null;
  const canned = useCannedResponses(shortcut);
  const suggestions = shortcut !== null ? (canned.data ?? []).slice(0, 6) : [];
  const [highlight, setHighlight] = useState(0);
  useEffect(() => setHighlight(0), [shortcut]);
  const choose = (i: number) => {
    const pick = suggestions[i];
    if (pick) setText(pick.text);
  };

  const explain = (err: unknown) => {
    if (err instanceof ApiError) {
      const key = failureReasonKey(err.code);
      return key === 'unknown' ? err.message : t(`reasons.${key}`);
    }
    return t('errors.network');
  };

  const send = useMutation({
    mutationFn: async () => {
      if (tab === 'note') {
        return unwrap(api.POST('/api/conversations/{id}/notes', { params: { path: { id: c.id } }, body: { text } }));
      }
      if (rules.mode === 'template') {
        const parameters = template.parameters
          .split('\n')
          .map((p) => p.trim())
          .filter(Boolean);
        return unwrap(
          api.POST('/api/conversations/{id}/messages', {
            params: { path: { id: c.id } },
            body: { template: { name: template.name.trim(), language: template.language.trim(), parameters } },
          }),
        );
      }
      const attachments = files.map((f) => ({ uploadId: f.id }));
      return unwrap(
        api.POST('/api/conversations/{id}/messages', {
          params: { path: { id: c.id } },
          body: { ...(text.trim() ? { text } : {}), ...(attachments.length ? { attachments } : {}) },
        }),
      );
    },
    onSuccess: () => {
      if (tab === 'note') {
        toast(t('conversation.noteAdded'));
        void qc.invalidateQueries({ queryKey: ['notes', c.id] });
      } else {
        toast(t('reply.sent'));
        void qc.invalidateQueries({ queryKey: ['messages', c.id] });
        setFiles([]);
      }
      setText('');
    },
  });

  const blank = !text.trim();
  const disabled =
    send.isPending ||
    upload.isPending ||
    (tab === 'reply' &&
      (rules.mode === 'closed' || (rules.mode === 'template' ? !template.name.trim() || templateCard : (blank && files.length === 0) || card))) ||
    (tab === 'note' && blank);
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!disabled) send.mutate();
  };
  const optedIn = contact?.consents?.some((x) => x.purpose === 'whatsapp_opt_in' && x.granted);

  return (
    <form onSubmit={submit} aria-label={t('reply.label')} style={{ borderTop: '1px solid var(--mantine-color-gray-3)', padding: 12 }}>
      <Stack gap="xs">
        <Group justify="space-between" gap="xs">
          <SegmentedControl
            size="xs"
            value={tab}
            onChange={(v) => setTab(v as 'reply' | 'note')}
            data={[
              { value: 'reply', label: t('reply.label') },
              { value: 'note', label: t('conversation.notes') },
            ]}
          />
          {tab === 'reply' && rules.windowEndsAt && rules.mode === 'free' && !rules.humanAgent && channel?.kind === 'whatsapp' && (
            <Text size="xs" c="dimmed" data-testid="window-countdown">
              {t('reply.windowOpen', { time: formatDuration(rules.windowEndsAt.getTime() - now.getTime(), i18n.language) })}
            </Text>
          )}
        </Group>
        {tab === 'reply' && rules.humanAgent && (
          <Text size="xs" c="red.9">
            {t('reply.humanAgent')}
          </Text>
        )}
        {tab === 'reply' && rules.mode === 'closed' && (
          <Alert color="orange" p="xs">
            {t('reply.metaClosed')}
          </Alert>
        )}
        {tab === 'reply' && rules.mode === 'template' ? (
          <Stack gap={6} data-testid="template-picker">
            <Alert color="orange" p="xs">
              {t('reply.windowClosed')}
              {contact && !optedIn ? ` ${t('reasons.OPT_IN_REQUIRED')}` : ''}
            </Alert>
            <Group grow gap="xs">
              <TextInput
                size="xs"
                label={t('reply.templateName')}
                value={template.name}
                onChange={(e) => setTemplate({ ...template, name: e.currentTarget.value })}
                placeholder="order_update"
              />
              <TextInput
                size="xs"
                label={t('reply.templateLanguage')}
                value={template.language}
                onChange={(e) => setTemplate({ ...template, language: e.currentTarget.value })}
              />
            </Group>
            <Textarea
              size="xs"
              label={t('reply.templateParams')}
              rows={3}
              value={template.parameters}
              onChange={(e) => setTemplate({ ...template, parameters: e.currentTarget.value })}
              error={templateCard ? t('reply.cardNumber') : undefined}
            />
          </Stack>
        ) : (
          <Textarea
            id={REPLY_BOX_ID}
            aria-label={tab === 'note' ? t('conversation.addNote') : t('reply.label')}
            placeholder={tab === 'note' ? t('conversation.notePlaceholder') : t('reply.placeholder')}
            rows={3}
            maxLength={tab === 'note' ? 10000 : 4096}
            value={text}
            disabled={tab === 'reply' && rules.mode === 'closed'}
            onChange={(e) => setText(e.currentTarget.value)}
            aria-controls={suggestions.length ? 'canned-suggestions' : undefined}
            onKeyDown={(e) => {
              if (suggestions.length && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
                e.preventDefault();
                setHighlight((h) => (h + (e.key === 'ArrowDown' ? 1 : suggestions.length - 1)) % suggestions.length);
                return;
              }
              if (suggestions.length && e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
                e.preventDefault();
                choose(highlight);
                return;
              }
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
              if (e.key === 'Escape') e.currentTarget.blur();
            }}
            error={card ? t('reply.cardNumber') : undefined}
            styles={tab === 'note' ? { input: { background: 'var(--mantine-color-yellow-0)' } } : undefined}
          />
        )}
        {suggestions.length > 0 && (
          <Paper withBorder p={4} id="canned-suggestions" role="listbox" aria-label={t('reply.canned')}>
            {suggestions.map((r, i) => (
              <UnstyledButton
                key={r.id}
                role="option"
                aria-selected={i === highlight}
                onClick={() => choose(i)}
                className="mm-canned"
                data-active={i === highlight || undefined}
                style={{ display: 'block', width: '100%', padding: '4px 8px', borderRadius: 4 }}
              >
                <Text size="sm" fw={600} span>
                  /{r.shortCode}
                </Text>{' '}
                <Text size="sm" c="dimmed" span lineClamp={1}>
                  {r.text}
                </Text>
              </UnstyledButton>
            ))}
          </Paper>
        )}
        {shortcut !== null && canned.isSuccess && suggestions.length === 0 && (
          <Text size="xs" c="dimmed">
            {t('reply.noCanned')}
          </Text>
        )}
        {send.error && (
          <Alert color="red" p="xs" role="alert">
            {explain(send.error)}
          </Alert>
        )}
        {upload.error && (
          <Alert color="red" p="xs" role="alert">
            {upload.error instanceof ApiError ? upload.error.message : t('errors.network')}
          </Alert>
        )}
        {tab === 'reply' && rules.mode === 'free' && files.length > 0 && (
          <Group gap={6} data-testid="reply-files">
            {files.map((f) => (
              <Paper key={f.id} withBorder px={6} py={2}>
                <Group gap={4}>
                  <Text size="xs">📎 {f.fileName}</Text>
                  <CloseButton
                    size="xs"
                    aria-label={t('reply.removeFile', { name: f.fileName })}
                    onClick={() => setFiles((l) => l.filter((x) => x.id !== f.id))}
                  />
                </Group>
              </Paper>
            ))}
          </Group>
        )}
        <Group justify="flex-end">
          {tab === 'reply' && rules.mode === 'free' && (
            <FileButton onChange={(file) => file && upload.mutate(file)}>
              {(props) => (
                <Button {...props} size="xs" variant="default" loading={upload.isPending} aria-label={t('reply.attach')}>
                  📎
                </Button>
              )}
            </FileButton>
          )}
          <Button type="submit" size="xs" disabled={disabled} loading={send.isPending}>
            {tab === 'note' ? t('conversation.addNote') : rules.mode === 'template' ? t('reply.sendTemplate') : t('reply.send')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
