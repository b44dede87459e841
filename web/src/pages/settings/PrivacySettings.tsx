import { Alert, Anchor, Badge, Button, Card, Group, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { getSession } from '../../api/session';
import type { AccessGrant, ChannelKind } from '../../api/types';
import { formatDateTime } from '../../lib/format';
import { errorText } from '../../lib/errorText';
import { useChange } from '../../lib/useChange';

const KINDS: ChannelKind[] = ['messenger', 'instagram', 'whatsapp', 'telegram', 'email', 'webchat', 'sms'];

interface DeletionView {
  confirmationCode: string;
  status: string;
  statusUrl: string;
  deleted?: Record<string, number>;
}

/** An End User asks to be forgotten: erase by contact id, or by their id on a channel; each request has a status page. */
export function PrivacySettings() {
  const { t } = useTranslation();
  const [by, setBy] = useState<'contact' | 'identity'>('contact');
  const [contactId, setContactId] = useState('');
  const [channelKind, setChannelKind] = useState<ChannelKind>('messenger');
  const [externalId, setExternalId] = useState('');
  const [done, setDone] = useState<DeletionView[]>([]);
  const request = useChange(
    () =>
      unwrap<DeletionView>(
        api.POST('/api/privacy/deletion-requests', {
          body: by === 'contact' ? { contactId: contactId.trim() } : { channelKind, externalId: externalId.trim() },
        }),
      ),
    {
      done: t('privacyPage.requested'),
      onDone: (v) => {
        setDone([v, ...done]);
        setContactId('');
        setExternalId('');
      },
      inlineError: true,
    },
  );
  return (
    <Stack maw={640}>
      <Text size="sm">{t('privacyPage.hint')}</Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          request.mutate();
        }}
      >
        <Stack gap="sm">
          <Select
            label={t('privacyPage.subject')}
            data={[
              { value: 'contact', label: t('privacyPage.subject') },
              { value: 'identity', label: `${t('channels.kind')} + id` },
            ]}
            value={by}
            onChange={(v) => setBy((v ?? 'contact') as 'contact' | 'identity')}
            allowDeselect={false}
          />
          {by === 'contact' ? (
            <TextInput label={t('privacyPage.subject')} required value={contactId} onChange={(e) => setContactId(e.currentTarget.value)} />
          ) : (
            <Group grow>
              <Select
                label={t('channels.kind')}
                data={KINDS.map((k) => ({ value: k, label: t(`channels.kinds.${k}`) }))}
                value={channelKind}
                onChange={(v) => setChannelKind((v ?? 'messenger') as ChannelKind)}
                allowDeselect={false}
              />
              <TextInput label="ID" required value={externalId} onChange={(e) => setExternalId(e.currentTarget.value)} />
            </Group>
          )}
          {request.error && (
            <Alert color="red" role="alert">
              {errorText(request.error)}
            </Alert>
          )}
          <Group>
            <Button type="submit" color="red.9" loading={request.isPending}>
              {t('privacyPage.request')}
            </Button>
          </Group>
        </Stack>
      </form>
      {done.map((d) => (
        <Card key={d.confirmationCode} withBorder>
          <Group justify="space-between">
            <Text size="sm" ff="monospace">
              {d.confirmationCode}
            </Text>
            <Badge variant="light">{d.status}</Badge>
          </Group>
          <Anchor href={d.statusUrl} target="_blank" rel="noopener noreferrer" size="sm">
            {t('privacyPage.status')}
          </Anchor>
        </Card>
      ))}
    </Stack>
  );
}

/** Exports need the token, so they are fetched and handed to the browser as a file. */
async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(path, { headers: { authorization: `Bearer ${getSession()?.token ?? ''}` } });
  if (!res.ok) throw new Error(`${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportSettings() {
  const { t } = useTranslation();
  const run = useChange(([path, name]: [string, string]) => download(path, name));
  return (
    <Stack maw={640}>
      <Text size="sm">{t('exportsPage.hint')}</Text>
      {(
        [
          ['/api/exports/contacts.jsonl', 'contacts.jsonl', t('exportsPage.contacts')],
          ['/api/exports/conversations.csv', 'conversations.csv', t('exportsPage.conversations')],
        ] as const
      ).map(([path, name, label]) => (
        <Group key={path} justify="space-between">
          <Text>{label}</Text>
          <Button variant="light" onClick={() => run.mutate([path, name])} loading={run.isPending && run.variables?.[0] === path}>
            {t('exportsPage.download')}
          </Button>
        </Group>
      ))}
    </Stack>
  );
}

interface AuditRecord {
  id: string;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  decision: string | null;
  reason: string | null;
}

export function AuditSettings() {
  const { t, i18n } = useTranslation();
  const log = useQuery({ queryKey: ['audit'], queryFn: async () => (await unwrap<{ items: AuditRecord[] }>(api.GET('/api/audit-log'))).items });
  if (log.data && !log.data.length) return <Text>{t('settings.none')}</Text>;
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('audit.when')}</Table.Th>
            <Table.Th>{t('audit.actor')}</Table.Th>
            <Table.Th>{t('audit.action')}</Table.Th>
            <Table.Th>{t('audit.details')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(log.data ?? []).map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>{formatDateTime(r.at, i18n.language)}</Table.Td>
              <Table.Td>{r.actor}</Table.Td>
              <Table.Td>{r.action}</Table.Td>
              <Table.Td>{[r.subject, r.decision, r.reason].filter(Boolean).join(' · ')}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

export function AccessSettings() {
  const { t, i18n } = useTranslation();
  const grants = useQuery({ queryKey: ['grants'], queryFn: async () => (await unwrap<{ items: AccessGrant[] }>(api.GET('/api/access-grants'))).items });
  const [minutes, setMinutes] = useState<number>(60);
  const [reason, setReason] = useState('');
  const grant = useChange(() => unwrap(api.POST('/api/access-grants', { body: { minutes, reason: reason.trim() } })), {
    invalidates: [['grants']],
    onDone: () => setReason(''),
    inlineError: true,
  });
  const revoke = useChange((id: string) => unwrap(api.DELETE('/api/access-grants/{id}', { params: { path: { id } } })), { invalidates: [['grants']] });
  return (
    <Stack maw={720}>
      {(grants.data ?? []).map((g) => (
        <Card key={g.id} withBorder>
          <Group justify="space-between">
            <Text size="sm">{String(g.reason ?? '')}</Text>
            {!g.revokedAt && new Date(g.expiresAt) > new Date() && (
              <Button size="compact-xs" variant="subtle" onClick={() => revoke.mutate(g.id)}>
                {t('access.revoke')}
              </Button>
            )}
          </Group>
          <Text size="xs" c="dimmed">
            {t('access.expires')}: {formatDateTime(g.expiresAt, i18n.language)}
            {g.revokedAt ? ` · ${t('access.revoke')}: ${formatDateTime(g.revokedAt, i18n.language)}` : ''}
          </Text>
        </Card>
      ))}
      <Card withBorder>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            grant.mutate();
          }}
          aria-labelledby="grant-title"
        >
          <Stack gap="sm">
            <Title order={3} size="h5" id="grant-title">
              {t('access.grant')}
            </Title>
            <Group grow align="flex-start">
              <NumberInput label={t('access.minutes')} min={5} max={1440} value={minutes} onChange={(v) => setMinutes(Number(v) || 60)} />
              <TextInput label={t('access.reason')} required minLength={3} value={reason} onChange={(e) => setReason(e.currentTarget.value)} />
            </Group>
            {grant.error && (
              <Alert color="red" role="alert">
                {errorText(grant.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={grant.isPending}>
                {t('access.grant')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
