import { Button, Card, Group, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import { useChannels } from '../../api/queries';
import type { components } from '../../api/schema';
import { useChange } from '../../lib/useChange';

type Settings = components['schemas']['CsatSettingsResponse'];

/** Per channel: whether resolved conversations ask the customer for a rating, and in which words. */
export function CsatSettings() {
  const { t } = useTranslation();
  const channels = useChannels();
  const settings = useQuery({
    queryKey: ['csat-settings'],
    queryFn: async () => (await unwrap<{ items: Settings[] }>(api.GET('/api/csat/settings'))).items,
  });
  const nameOf = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? id;
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('csat.intro')}
      </Text>
      {(settings.data ?? []).map((s) => (
        <CsatCard key={`${s.channelId}:${s.enabled}:${s.language}:${s.question}`} settings={s} name={nameOf(s.channelId)} />
      ))}
    </Stack>
  );
}

function CsatCard({ settings, name }: { settings: Settings; name: string }) {
  const { t } = useTranslation();
  const [form, setForm] = useState({ enabled: settings.enabled, language: settings.language, question: settings.question ?? '' });
  const save = useChange(
    () =>
      unwrap<Settings>(
        api.PUT('/api/csat/settings/{channelId}', {
          params: { path: { channelId: settings.channelId } },
          body: { enabled: form.enabled, language: form.language, question: form.question.trim() || null },
        }),
      ),
    { done: t('csat.saved'), invalidates: [['csat-settings']] },
  );
  if (!settings.supported)
    return (
      <Card withBorder>
        <Text size="sm">
          {name}:{' '}
          <Text span c="dimmed">
            {t('csat.unsupported')}
          </Text>
        </Text>
      </Card>
    );
  return (
    <Card withBorder data-testid="csat-card">
      <Stack gap="sm">
        <Switch label={t('csat.enabled', { name })} checked={form.enabled} onChange={(e) => setForm({ ...form, enabled: e.currentTarget.checked })} />
        <Group grow align="start">
          <Select
            label={t('csat.language')}
            data={[
              { value: 'en', label: 'English' },
              { value: 'ru', label: 'Русский' },
            ]}
            value={form.language}
            onChange={(v) => v && setForm({ ...form, language: v as Settings['language'] })}
            allowDeselect={false}
          />
          <TextInput
            label={t('csat.question')}
            description={t('csat.questionHint', { question: settings.language === form.language ? settings.effectiveQuestion : '…' })}
            value={form.question}
            onChange={(e) => setForm({ ...form, question: e.currentTarget.value })}
            maxLength={500}
          />
        </Group>
        <Group justify="flex-end">
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {t('settings.save')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
