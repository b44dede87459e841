import { ActionIcon, Alert, Badge, Button, Card, ColorInput, Group, Stack, Table, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useCannedResponses, useLabels } from '../../api/queries';
import { errorText } from '../../lib/errorText';
import { useChange } from '../../lib/useChange';

/** Labels agents put on conversations: a name and a colour. */
function LabelSettings() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const labels = useLabels();
  const [form, setForm] = useState({ name: '', colour: '#1f77b4' });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['labels'] });
  const add = useChange(() => unwrap(api.POST('/api/labels', { body: form })), {
    done: t('replies.labelAdded'),
    onDone: () => {
      setForm({ name: '', colour: form.colour });
      refresh();
    },
    inlineError: true,
  });
  const remove = useChange((id: string) => unwrap(api.DELETE('/api/labels/{id}', { params: { path: { id } } })), { onDone: refresh });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={3} size="h5" id="labels-title">
          {t('replies.labels')}
        </Title>
        {!!labels.data?.length && (
          <Group gap="xs" aria-labelledby="labels-title" role="list">
            {(labels.data ?? []).map((l) => (
              <Badge
                key={l.id}
                role="listitem"
                variant="dot"
                color={l.colour ?? 'gray'}
                size="lg"
                rightSection={
                  <ActionIcon
                    size="xs"
                    variant="subtle"
                    color="gray.8"
                    aria-label={t('replies.deleteLabel', { name: l.name })}
                    onClick={() => remove.mutate(l.id)}
                  >
                    ×
                  </ActionIcon>
                }
              >
                {l.name}
              </Badge>
            ))}
          </Group>
        )}
        {labels.isSuccess && labels.data.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('replies.noLabels')}
          </Text>
        )}
        <form onSubmit={submit} aria-label={t('replies.addLabel')}>
          <Group align="flex-end" gap="xs">
            <TextInput
              label={t('replies.labelName')}
              required
              maxLength={50}
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
            />
            <ColorInput
              withEyeDropper={false}
              label={t('replies.colour')}
              format="hex"
              value={form.colour}
              onChange={(colour) => setForm({ ...form, colour })}
              w={140}
            />
            <Button type="submit" loading={add.isPending}>
              {t('replies.addLabel')}
            </Button>
          </Group>
        </form>
        {add.error && (
          <Alert color="red" role="alert">
            {errorText(add.error)}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

/** Saved replies agents insert with /shortcode; {{contact.name}} and {{agent.name}} are filled in when sent. */
function CannedResponseSettings() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const canned = useCannedResponses('');
  const [form, setForm] = useState({ shortCode: '', text: '' });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['canned-responses'] });
  const add = useChange(() => unwrap(api.POST('/api/canned-responses', { body: form })), {
    done: t('replies.cannedAdded'),
    onDone: () => {
      setForm({ shortCode: '', text: '' });
      refresh();
    },
    inlineError: true,
  });
  const remove = useChange((id: string) => unwrap(api.DELETE('/api/canned-responses/{id}', { params: { path: { id } } })), { onDone: refresh });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    add.mutate();
  };
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={3} size="h5" id="canned-title">
          {t('replies.canned')}
        </Title>
        <Table aria-labelledby="canned-title">
          <Table.Tbody>
            {(canned.data ?? []).map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <Text fw={600} size="sm">
                    /{r.shortCode}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{r.text}</Text>
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="subtle" onClick={() => remove.mutate(r.id)} aria-label={t('replies.deleteCanned', { code: r.shortCode })}>
                    {t('replies.delete')}
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <form onSubmit={submit} aria-label={t('replies.addCanned')}>
          <Stack gap="xs">
            <TextInput
              label={t('replies.shortCode')}
              description={t('replies.shortCodeHint')}
              required
              maxLength={32}
              pattern="[A-Za-z0-9_\-]+"
              value={form.shortCode}
              onChange={(e) => setForm({ ...form, shortCode: e.currentTarget.value })}
            />
            <Textarea
              label={t('replies.text')}
              description={t('replies.textHint', { vars: '{{contact.name}}, {{agent.name}}', interpolation: { escapeValue: false } })}
              required
              maxLength={4096}
              rows={3}
              value={form.text}
              onChange={(e) => setForm({ ...form, text: e.currentTarget.value })}
            />
            <Group justify="flex-end">
              <Button type="submit" loading={add.isPending}>
                {t('replies.addCanned')}
              </Button>
            </Group>
          </Stack>
        </form>
        {add.error && (
          <Alert color="red" role="alert">
            {errorText(add.error)}
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

export function ReplySettings() {
  return (
    <Stack>
      <LabelSettings />
      <CannedResponseSettings />
    </Stack>
  );
}
