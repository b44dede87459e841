import { Badge, Button, Divider, Group, Modal, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import type { Channel, Consent, Contact } from '../../api/types';
import { formatDateTime } from '../../lib/format';
import { useChange } from '../../lib/useChange';
import { navigate } from '../../router';
import { ContactCrm } from './ContactCrm';

const PURPOSES = ['whatsapp_opt_in', 'whatsapp_marketing', 'crm_enrichment', 'data_export'] as const;

/** Who the customer is: identities per channel, consents with who recorded them and when, erase. */
export function ContactPanel({ contact, channels, canErase }: { contact: Contact; channels: Channel[]; canErase: boolean }) {
  const { t, i18n } = useTranslation();
  const qc = useQueryClient();
  const [erasing, setErasing] = useState(false);
  const [confirm, setConfirm] = useState('');
  const consents = useQuery({
    queryKey: ['consents', contact.id],
    queryFn: async () => (await unwrap<{ items: Consent[] }>(api.GET('/api/contacts/{id}/consents', { params: { path: { id: contact.id } } }))).items,
  });
  const record = useChange(
    (c: { purpose: Consent['purpose']; granted: boolean; source: string }) =>
      unwrap(api.PUT('/api/contacts/{id}/consents', { params: { path: { id: contact.id } }, body: { consents: [c] } })),
    { done: t('settings.saved'), invalidates: [['consents', contact.id]] },
  );
  const erase = useChange(() => unwrap(api.DELETE('/api/contacts/{id}', { params: { path: { id: contact.id } } })), {
    done: t('contact.erased'),
    onDone: () => {
      setErasing(false);
      // Everything may have shown the erased person: their conversations, messages, search results.
      void qc.invalidateQueries();
      navigate('/inbox');
    },
  });

  const byId = new Map(channels.map((c) => [c.id, c]));
  const current = new Map((consents.data ?? []).map((c) => [c.purpose, c]));
  return (
    <Stack p="sm" gap="sm" data-testid="contact-panel">
      <Title order={2} size="h5">
        {contact.displayName ?? t('inbox.unknownContact')}
      </Title>
      <Text size="xs" c="dimmed">
        {formatDateTime(contact.createdAt, i18n.language)}
      </Text>
      <Divider label={t('contact.identities')} labelPosition="left" />
      {contact.identities.map((i) => (
        <div key={i.id}>
          <Text size="sm" fw={600}>
            {t(`channels.kinds.${i.channelKind}`)} {byId.get(i.channelId) ? `· ${byId.get(i.channelId)!.name}` : ''}
          </Text>
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {i.externalId}
            {i.blockedAt ? ` · ${t('contact.blocked')}` : ''}
          </Text>
        </div>
      ))}
      <Divider label={t('contact.consents')} labelPosition="left" />
      {PURPOSES.map((purpose) => {
        const c = current.get(purpose);
        return (
          <div key={purpose} data-testid={`consent-${purpose}`}>
            <Group justify="space-between" gap={4} wrap="nowrap">
              <Text size="sm">{t(`contact.purposes.${purpose}`)}</Text>
              <Badge size="xs" color={c?.granted ? 'green' : 'gray'} variant="light">
                {c?.granted ? t('contact.granted') : t('contact.notGranted')}
              </Badge>
            </Group>
            {c?.recordedAt && (
              <Text size="xs" c="dimmed">
                {t('contact.recorded', { when: formatDateTime(c.recordedAt, i18n.language), who: c.recordedBy ?? '—', source: c.source ?? '—' })}
              </Text>
            )}
            <Button
              size="compact-xs"
              variant="subtle"
              onClick={() => {
                const source = window.prompt(t('contact.source'), c?.granted ? '' : 'agent, conversation');
                if (source?.trim()) record.mutate({ purpose, granted: !c?.granted, source: source.trim() });
              }}
            >
              {c?.granted ? t('contact.withdraw') : t('contact.grant')}
            </Button>
          </div>
        );
      })}
      <ContactCrm contactId={contact.id} />
      {canErase && (
        <>
          <Divider />
          <Button color="red.9" variant="outline" size="xs" onClick={() => setErasing(true)}>
            {t('contact.erase')}
          </Button>
          <Modal
            opened={erasing}
            onClose={() => setErasing(false)}
            lockScroll={false}
            title={t('contact.eraseTitle')}
            closeButtonProps={{ 'aria-label': t('settings.cancel') }}
          >
            <Stack>
              <Text size="sm">{t('contact.eraseText')}</Text>
              <TextInput label={t('contact.eraseConfirm')} value={confirm} onChange={(e) => setConfirm(e.currentTarget.value)} />
              <Group justify="flex-end">
                <Button variant="default" onClick={() => setErasing(false)}>
                  {t('settings.cancel')}
                </Button>
                <Button color="red.9" disabled={confirm !== 'ERASE'} loading={erase.isPending} onClick={() => erase.mutate()}>
                  {t('contact.erase')}
                </Button>
              </Group>
            </Stack>
          </Modal>
        </>
      )}
    </Stack>
  );
}
