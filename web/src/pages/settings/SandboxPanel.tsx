import { Alert, Button, Card, Code, Group, Select, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../../api/client';
import { useChannels } from '../../api/queries';
import { useChange } from '../../lib/useChange';

interface Received {
  to: string;
  text: string | null;
  subject: string | null;
}

/**
 * Shown only when the instance runs the sandbox (npm run sandbox): a customer writes on one of
 * the organization's channels through its simulated platform, and the panel lists what that
 * platform received from the replies sent in the inbox.
 */
export function SandboxPanel() {
  const { t } = useTranslation();
  const status = useQuery({ queryKey: ['sandbox'], queryFn: () => unwrap<{ active: boolean }>(api.GET('/api/sandbox')) });
  const channels = useChannels();
  const [channelId, setChannelId] = useState<string | null>(null);
  const [customer, setCustomer] = useState('Alex Sandbox');
  const [text, setText] = useState('');
  const active = (channels.data ?? []).filter((c) => c.status === 'active');
  const chosen = channelId ?? active[0]?.id ?? null;

  const outbox = useQuery({
    queryKey: ['sandbox-outbox', chosen],
    enabled: !!status.data?.active && !!chosen,
    // The replies leave through the sender worker a moment after they are sent in the inbox.
    refetchInterval: 2000,
    queryFn: async () => (await unwrap<{ items: Received[] }>(api.GET('/api/sandbox/outbox', { params: { query: { channelId: chosen! } } }))).items,
  });
  const send = useChange(
    () =>
      unwrap(api.POST('/api/sandbox/inbound', { body: { channelId: chosen!, text: text.trim(), ...(customer.trim() ? { customer: customer.trim() } : {}) } })),
    { done: t('sandbox.sent'), invalidates: [['conversations']], onDone: () => setText(''), inlineError: true },
  );

  if (!status.data?.active) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.mutate();
  };
  return (
    <Card withBorder data-testid="sandbox-panel">
      <form onSubmit={submit} aria-labelledby="sandbox-title">
        <Stack gap="sm">
          <Title order={3} size="h5" id="sandbox-title">
            {t('sandbox.title')}
          </Title>
          <Text size="sm" c="dimmed">
            {t('sandbox.intro')}
          </Text>
          <Group grow align="flex-start">
            <Select
              label={t('sandbox.channel')}
              data={active.map((c) => ({ value: c.id, label: `${c.name} (${t(`channels.kinds.${c.kind}`)})` }))}
              value={chosen}
              onChange={setChannelId}
              allowDeselect={false}
            />
            <TextInput label={t('sandbox.customer')} value={customer} onChange={(e) => setCustomer(e.currentTarget.value)} maxLength={60} />
          </Group>
          <Textarea label={t('sandbox.text')} required value={text} onChange={(e) => setText(e.currentTarget.value)} maxLength={4000} autosize minRows={2} />
          {send.error && (
            <Alert color="red" role="alert">
              {send.error instanceof ApiError ? `${send.error.message} (${send.error.code})` : t('errors.network')}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={send.isPending} disabled={!chosen || !text.trim()}>
              {t('sandbox.send')}
            </Button>
          </Group>
          <Title order={4} size="h6">
            {t('sandbox.received')}
          </Title>
          {outbox.data?.length ? (
            <Table data-testid="sandbox-outbox">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('sandbox.to')}</Table.Th>
                  <Table.Th>{t('sandbox.text')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {outbox.data.map((item, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>
                      <Code>{item.to}</Code>
                    </Table.Td>
                    <Table.Td>{item.subject ? `${item.subject}: ${item.text ?? ''}` : (item.text ?? '')}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : (
            <Text size="sm" c="dimmed">
              {t('sandbox.nothingReceived')}
            </Text>
          )}
        </Stack>
      </form>
    </Card>
  );
}
