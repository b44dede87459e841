import { Alert, Badge, Button, Card, Checkbox, Code, Group, Loader, NumberInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useChannels, useUsers } from '../../api/queries';
import type { Session } from '../../api/session';
import type { Invitation, Retention, WebhookDelivery, WebhookSubscription } from '../../api/types';
import { toast } from '../../components/Toasts';
import { formatDateTime } from '../../lib/format';
import { errorText } from '../../lib/errorText';
import { useChange } from '../../lib/useChange';

export function UserSettings({ session }: { session: Session }) {
  const { t, i18n } = useTranslation();
  const users = useUsers(true);
  const invitations = useQuery({
    queryKey: ['invitations'],
    queryFn: async () => (await unwrap<{ items: Invitation[] }>(api.GET('/api/users/invitations'))).items,
  });
  const [form, setForm] = useState({ email: '', role: 'agent' as 'agent' | 'admin' });
  const invite = useChange(() => unwrap<Invitation>(api.POST('/api/users/invitations', { body: form })), {
    invalidates: [['invitations']],
    onDone: (sent) => {
      toast(sent.mailSent === false ? t('users.inviteNotMailed') : t('users.invited', { email: sent.email }), sent.mailSent === false ? 'red' : undefined);
      setForm({ email: '', role: 'agent' });
    },
    inlineError: true,
  });
  const revoke = useChange((id: string) => unwrap(api.DELETE('/api/users/invitations/{id}', { params: { path: { id } } })), { invalidates: [['invitations']] });
  const setActive = useChange(
    (u: { id: string; active: boolean }) => unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: u.id } }, body: { active: u.active } })),
    { invalidates: [['users']] },
  );
  const setRole = useChange(
    (u: { id: string; role: 'agent' | 'admin' }) => unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: u.id } }, body: { role: u.role } })),
    { done: t('users.roleChanged'), invalidates: [['users']] },
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    invite.mutate();
  };
  const pending = invitations.data ?? [];
  return (
    <Stack>
      <Table.ScrollContainer minWidth={480}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('users.email')}</Table.Th>
              <Table.Th>{t('users.role')}</Table.Th>
              <Table.Th>{t('users.active')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(users.data ?? []).map((u) => (
              <Table.Tr key={u.id}>
                <Table.Td>{u.email}</Table.Td>
                <Table.Td>
                  {session.role === 'owner' && u.role !== 'owner' && u.id !== session.userId ? (
                    <Select
                      aria-label={t('users.roleOf', { email: u.email })}
                      size="xs"
                      w={130}
                      data={[
                        { value: 'agent', label: t('roles.agent') },
                        { value: 'admin', label: t('roles.admin') },
                      ]}
                      value={u.role}
                      onChange={(v) => v && v !== u.role && setRole.mutate({ id: u.id, role: v as 'agent' | 'admin' })}
                      allowDeselect={false}
                    />
                  ) : (
                    t(`roles.${u.role}`)
                  )}
                </Table.Td>
                <Table.Td>{u.active ? '✓' : '—'}</Table.Td>
                <Table.Td>
                  {u.id !== session.userId && u.role !== 'owner' && (
                    <Button size="compact-xs" variant="subtle" onClick={() => setActive.mutate({ id: u.id, active: !u.active })}>
                      {u.active ? t('users.deactivate') : t('users.activate')}
                    </Button>
                  )}
                  <Text span size="xs" c="dimmed" ml="xs">
                    {formatDateTime(u.createdAt, i18n.language)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pending.length > 0 && (
        <Card withBorder>
          <Title order={3} size="h5" mb="xs" id="pending-invitations">
            {t('users.pending')}
          </Title>
          <Table aria-labelledby="pending-invitations">
            <Table.Tbody>
              {pending.map((inv) => (
                <Table.Tr key={inv.id}>
                  <Table.Td>{inv.email}</Table.Td>
                  <Table.Td>{t(`roles.${inv.role}`)}</Table.Td>
                  <Table.Td>
                    <Text size="xs" c="dimmed">
                      {t('users.expires', { time: formatDateTime(inv.expiresAt, i18n.language) })}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Button size="compact-xs" variant="subtle" onClick={() => revoke.mutate(inv.id)} aria-label={t('users.revokeFor', { email: inv.email })}>
                      {t('users.revoke')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      <Card withBorder>
        <form onSubmit={submit} aria-labelledby="invite-user">
          <Stack gap="sm">
            <Title order={3} size="h5" id="invite-user">
              {t('users.invite')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('users.inviteHint')}
            </Text>
            <Group grow align="flex-start">
              <TextInput
                label={t('users.email')}
                type="email"
                required
                value={form.email}
                onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
              />
              <Select
                label={t('users.role')}
                data={[
                  { value: 'agent', label: t('roles.agent') },
                  { value: 'admin', label: t('roles.admin') },
                ]}
                value={form.role}
                onChange={(v) => setForm({ ...form, role: (v ?? 'agent') as 'agent' | 'admin' })}
                allowDeselect={false}
              />
            </Group>
            {invite.error && (
              <Alert color="red" role="alert">
                {errorText(invite.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={invite.isPending}>
                {t('users.sendInvitation')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}

export function RetentionSettings() {
  const current = useQuery({ queryKey: ['retention'], queryFn: () => unwrap<Retention>(api.GET('/api/settings/retention')) });
  // The form starts from the stored settings: shown only once they are here, so a late answer never overwrites what was typed.
  return current.data ? <RetentionForm stored={current.data} /> : <Loader size="sm" />;
}

function RetentionForm({ stored }: { stored: Retention }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const channels = useChannels();
  const [defaultDays, setDefaultDays] = useState<string>(stored.defaultDays === null ? '' : String(stored.defaultDays));
  const [perChannel, setPerChannel] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(stored.channels).map(([k, v]) => [k, String(v)])),
  );
  const save = useChange(
    () => {
      const channelsBody: Record<string, number> = {};
      for (const [id, v] of Object.entries(perChannel)) if (v.trim()) channelsBody[id] = Number(v);
      return unwrap<Retention>(
        api.PUT('/api/settings/retention', { body: { defaultDays: defaultDays.trim() ? Number(defaultDays) : null, channels: channelsBody } }),
      );
    },
    { done: t('retention.saved'), onDone: (r) => qc.setQueryData(['retention'], r), inlineError: true },
  );
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <Stack maw={520}>
        <NumberInput
          label={t('retention.defaultDays')}
          description={t('retention.defaultHint')}
          min={1}
          max={36500}
          value={defaultDays}
          onChange={(v) => setDefaultDays(String(v))}
        />
        <Title order={3} size="h6">
          {t('retention.perChannel')}
        </Title>
        {(channels.data ?? []).map((c) => (
          <NumberInput
            key={c.id}
            label={`${c.name} · ${t(`channels.kinds.${c.kind}`)}`}
            min={1}
            max={36500}
            value={perChannel[c.id] ?? ''}
            onChange={(v) => setPerChannel({ ...perChannel, [c.id]: String(v) })}
          />
        ))}
        {save.error && (
          <Alert color="red" role="alert">
            {errorText(save.error)}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            {t('settings.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

const EVENTS = ['message.created', 'message.status', 'conversation.updated', 'channel.updated', 'notification.created'] as const;
const PURPOSES = ['service_delivery', 'legal_obligation', 'customer_export', 'crm_sync'] as const;

export function WebhookSettings() {
  const { t, i18n } = useTranslation();
  const list = useQuery({
    queryKey: ['webhooks'],
    queryFn: async () => (await unwrap<{ items: WebhookSubscription[] }>(api.GET('/api/webhook-subscriptions'))).items,
  });
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['message.created']);
  const [purpose, setPurpose] = useState<string>('service_delivery');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const add = useChange(
    () =>
      unwrap<WebhookSubscription>(
        api.POST('/api/webhook-subscriptions', {
          body: { url: url.trim(), events: events as (typeof EVENTS)[number][], purpose: purpose as (typeof PURPOSES)[number] },
        }),
      ),
    {
      invalidates: [['webhooks']],
      onDone: (s) => {
        setSecret(s.secret ?? null);
        setUrl('');
      },
      inlineError: true,
    },
  );
  const remove = useChange((id: string) => unwrap(api.DELETE('/api/webhook-subscriptions/{id}', { params: { path: { id } } })), {
    invalidates: [['webhooks']],
  });
  return (
    <Stack>
      {(list.data ?? []).map((s) => (
        <Card key={s.id} withBorder>
          <Group justify="space-between" wrap="nowrap">
            <Code style={{ overflowWrap: 'anywhere' }}>{s.url}</Code>
            <Group gap="xs" wrap="nowrap">
              <Button size="compact-xs" variant="subtle" onClick={() => setOpen(open === s.id ? null : s.id)}>
                {t('webhooks.deliveries')}
              </Button>
              <Button size="compact-xs" variant="subtle" onClick={() => remove.mutate(s.id)}>
                {t('settings.delete')}
              </Button>
            </Group>
          </Group>
          <Text size="xs" c="dimmed">
            {s.events.join(', ')} · {s.purpose} · {formatDateTime(s.createdAt, i18n.language)}
          </Text>
          {open === s.id && <Deliveries id={s.id} />}
        </Card>
      ))}
      {secret && (
        <Alert color="yellow" title={t('webhooks.secret')} withCloseButton onClose={() => setSecret(null)} closeButtonLabel={t('shortcuts.close')}>
          <Code>{secret}</Code>
        </Alert>
      )}
      <Card withBorder>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
          aria-labelledby="add-webhook"
        >
          <Stack gap="sm">
            <Title order={3} size="h5" id="add-webhook">
              {t('webhooks.add')}
            </Title>
            <TextInput
              label={t('webhooks.url')}
              type="url"
              required
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              placeholder="https://hooks.example.com/…"
            />
            <Checkbox.Group label={t('webhooks.events')} value={events} onChange={setEvents}>
              <Group gap="sm" mt={4}>
                {EVENTS.map((e) => (
                  <Checkbox key={e} value={e} label={e} />
                ))}
              </Group>
            </Checkbox.Group>
            <Select
              label={t('webhooks.purpose')}
              data={[...PURPOSES]}
              value={purpose}
              onChange={(v) => setPurpose(v ?? 'service_delivery')}
              allowDeselect={false}
            />
            {add.error && (
              <Alert color="red" role="alert">
                {errorText(add.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={add.isPending} disabled={!events.length}>
                {t('webhooks.add')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}

function Deliveries({ id }: { id: string }) {
  const { t, i18n } = useTranslation();
  const log = useQuery({
    queryKey: ['deliveries', id],
    queryFn: async () =>
      (await unwrap<{ items: WebhookDelivery[] }>(api.GET('/api/webhook-subscriptions/{id}/deliveries', { params: { path: { id } } }))).items,
  });
  if (!log.data?.length) return <Text size="sm">{t('settings.none')}</Text>;
  return (
    <Table.ScrollContainer minWidth={560}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('audit.when')}</Table.Th>
            <Table.Th>{t('webhooks.events')}</Table.Th>
            <Table.Th>{t('webhooks.status')}</Table.Th>
            <Table.Th>{t('webhooks.attempts')}</Table.Th>
            <Table.Th>{t('webhooks.response')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {log.data.map((d) => (
            <Table.Tr key={d.id}>
              <Table.Td>{formatDateTime(d.createdAt, i18n.language)}</Table.Td>
              <Table.Td>{d.eventType}</Table.Td>
              <Table.Td>
                <Badge size="xs" variant="light" color={d.status === 'delivered' ? 'green' : d.status === 'failed' ? 'red' : 'gray'}>
                  {d.status}
                </Badge>
              </Table.Td>
              <Table.Td>{d.attempts}</Table.Td>
              <Table.Td>{d.responseCode ?? d.lastError ?? ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
