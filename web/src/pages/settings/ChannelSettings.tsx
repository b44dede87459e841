import { Alert, Badge, Button, Card, Code, CopyButton, Group, NumberInput, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../../api/client';
import { useChannels } from '../../api/queries';
import type { Channel, ChannelKind } from '../../api/types';
import { formatDateTime } from '../../lib/format';
import { useChange } from '../../lib/useChange';

interface Field {
  /** Where the value goes: config.<key>, config.smtp.<key> or credentials.<key>. */
  path: string;
  /** The platform's own name for it. */
  label: string;
  help?: string;
  secret?: boolean;
  number?: boolean;
  list?: boolean;
}

/** Each kind's connect form, with the field names the platform's own console uses. */
const FORMS: Record<ChannelKind, { fields: Field[]; help: string }> = {
  messenger: {
    help: 'Meta App Dashboard → Messenger → Access Tokens: the Page ID and a Page access token with pages_messaging and pages_manage_metadata.',
    fields: [
      { path: 'config.pageId', label: 'Page ID' },
      { path: 'credentials.pageAccessToken', label: 'Page access token', secret: true },
    ],
  },
  instagram: {
    help: 'The Instagram professional account ID and the Page access token of the Facebook Page linked to it.',
    fields: [
      { path: 'config.igAccountId', label: 'Instagram account ID' },
      { path: 'credentials.accessToken', label: 'Page access token', secret: true },
    ],
  },
  whatsapp: {
    help: 'WhatsApp Manager → API Setup: the Phone number ID, the WhatsApp Business Account ID and a system user access token.',
    fields: [
      { path: 'config.phoneNumberId', label: 'Phone number ID' },
      { path: 'config.wabaId', label: 'WhatsApp Business Account ID' },
      { path: 'credentials.accessToken', label: 'Access token', secret: true },
    ],
  },
  telegram: {
    help: 'The token @BotFather gave your bot. Its webhook is set for you.',
    fields: [{ path: 'credentials.botToken', label: 'Bot token', secret: true }],
  },
  sms: {
    help: 'Twilio Console: the Account SID, the Auth Token and one of the account’s phone numbers (E.164).',
    fields: [
      { path: 'config.phoneNumber', label: 'Phone number', help: '+14155550100' },
      { path: 'config.accountSid', label: 'Account SID' },
      { path: 'credentials.authToken', label: 'Auth Token', secret: true },
    ],
  },
  email: {
    help: 'Forward your support address to the inbound address; replies leave through your SMTP server.',
    fields: [
      { path: 'config.address', label: 'Inbound address', help: 'support@<EMAIL_DOMAIN>' },
      { path: 'config.smtp.host', label: 'SMTP host' },
      { path: 'config.smtp.port', label: 'SMTP port', number: true },
      { path: 'config.smtp.user', label: 'SMTP user' },
      { path: 'config.smtp.from', label: 'From address' },
      { path: 'credentials.smtpPassword', label: 'SMTP password', secret: true },
    ],
  },
  webchat: {
    help: 'The sites allowed to embed the chat widget, one origin per line (https://shop.example).',
    fields: [{ path: 'config.allowedOrigins', label: 'Allowed origins', list: true }],
  },
};

const KINDS = Object.keys(FORMS) as ChannelKind[];

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node = target;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]] = value;
}

/** The webhook URL a platform needs pasted into its console, where it needs one. */
export function webhookUrlOf(c: Channel, origin: string): string | null {
  if (c.kind === 'messenger' || c.kind === 'instagram' || c.kind === 'whatsapp') return `${origin}/webhooks/meta`;
  if (c.kind === 'sms') return String(c.config.webhookUrl ?? `${origin}/webhooks/twilio/${c.id}`);
  return null;
}

export function ChannelSettings() {
  const { t, i18n } = useTranslation();
  const channels = useChannels();
  const [kind, setKind] = useState<ChannelKind>('webchat');
  const [name, setName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [revealed, setRevealed] = useState<{ id: string; secret: string } | null>(null);

  const connect = useChange(
    () => {
      const body: { kind: ChannelKind; name: string; config: Record<string, unknown>; credentials: Record<string, unknown> } = {
        kind,
        name: name.trim(),
        config: {},
        credentials: {},
      };
      if (kind === 'sms') body.config.provider = 'twilio';
      for (const f of FORMS[kind].fields) {
        const raw = (values[f.path] ?? '').trim();
        const value = f.list ? raw.split(/\s+/).filter(Boolean) : f.number ? Number(raw) : raw;
        setPath(body as unknown as Record<string, unknown>, f.path, value);
      }
      return unwrap<Channel & { identitySecret?: string }>(api.POST('/api/channels', { body }));
    },
    {
      done: t('channels.connected'),
      invalidates: [['channels']],
      onDone: (c) => {
        setValues({});
        setName('');
        if (c.identitySecret) setRevealed({ id: c.id, secret: c.identitySecret });
      },
      inlineError: true,
    },
  );
  const disconnect = useChange((id: string) => unwrap(api.DELETE('/api/channels/{id}', { params: { path: { id } } })), {
    done: t('channels.disconnected'),
    invalidates: [['channels']],
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    connect.mutate();
  };
  const reconnect = (c: Channel) => {
    setKind(c.kind);
    setName(c.name);
    const next: Record<string, string> = {};
    for (const f of FORMS[c.kind].fields) {
      const [root, ...rest] = f.path.split('.');
      if (root !== 'config') continue;
      let v: unknown = c.config;
      for (const k of rest) v = (v as Record<string, unknown> | undefined)?.[k];
      if (v !== undefined) next[f.path] = Array.isArray(v) ? v.join('\n') : String(v);
    }
    setValues(next);
    document.getElementById('connect-form')?.scrollIntoView();
  };

  const origin = location.origin;
  return (
    <Stack>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {(channels.data ?? []).map((c) => {
          const hook = webhookUrlOf(c, origin);
          return (
            <Card key={c.id} withBorder data-testid="channel-card">
              <Group justify="space-between" wrap="nowrap">
                <Title order={3} size="h5">
                  {c.name}
                </Title>
                <Badge color={c.status === 'active' ? 'green' : c.status === 'revoked' ? 'red' : 'gray'} variant="light">
                  {t(`channels.status.${c.status}`)}
                </Badge>
              </Group>
              <Text size="sm" c="dimmed">
                {t(`channels.kinds.${c.kind}`)} · {formatDateTime(c.createdAt, i18n.language)}
              </Text>
              {c.status === 'revoked' && c.revokedReason && (
                <Alert color="red" p="xs" mt="xs">
                  {c.revokedReason}
                </Alert>
              )}
              {hook && (
                <Stack gap={2} mt="xs">
                  <Text size="xs" fw={600}>
                    {t('channels.webhookUrl')}
                  </Text>
                  <Group gap="xs" wrap="nowrap">
                    <Code style={{ overflowWrap: 'anywhere' }}>{hook}</Code>
                    <CopyButton value={hook}>
                      {({ copy, copied }) => (
                        <Button size="compact-xs" variant="subtle" onClick={copy}>
                          {copied ? '✓' : 'Copy'}
                        </Button>
                      )}
                    </CopyButton>
                  </Group>
                </Stack>
              )}
              {c.kind === 'webchat' && typeof c.config.channelKey === 'string' && (
                <Stack gap={2} mt="xs">
                  <Text size="xs" fw={600}>
                    {t('channels.embed')}
                  </Text>
                  <Code
                    block
                    style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
                  >{`<script src="${origin}/widget.js" data-channel="${c.config.channelKey}"></script>`}</Code>
                </Stack>
              )}
              {revealed?.id === c.id && (
                <Alert color="yellow" mt="xs" title={t('channels.identitySecret')}>
                  <Code style={{ overflowWrap: 'anywhere' }}>{revealed.secret}</Code>
                </Alert>
              )}
              <Group mt="sm" gap="xs">
                {c.status !== 'active' && c.kind !== 'webchat' && (
                  <Button size="xs" variant="light" onClick={() => reconnect(c)}>
                    {t('channels.reconnect')}
                  </Button>
                )}
                {c.status !== 'disconnected' && (
                  <Button size="xs" variant="subtle" onClick={() => window.confirm(`${t('channels.disconnect')}: ${c.name}?`) && disconnect.mutate(c.id)}>
                    {t('channels.disconnect')}
                  </Button>
                )}
              </Group>
            </Card>
          );
        })}
      </SimpleGrid>
      <Card withBorder id="connect-form">
        <form onSubmit={submit} aria-labelledby="connect-title">
          <Stack gap="sm">
            <Title order={3} size="h5" id="connect-title">
              {t('channels.connect')}
            </Title>
            <Group grow align="flex-start">
              <Select
                label={t('channels.kind')}
                data={KINDS.map((k) => ({ value: k, label: t(`channels.kinds.${k}`) }))}
                value={kind}
                onChange={(v) => {
                  setKind((v ?? 'webchat') as ChannelKind);
                  setValues({});
                }}
                allowDeselect={false}
              />
              <TextInput label={t('channels.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={200} />
            </Group>
            <Text size="sm" c="dimmed">
              {FORMS[kind].help}
            </Text>
            {FORMS[kind].fields.map((f) =>
              f.number ? (
                <NumberInput
                  key={f.path}
                  label={f.label}
                  required
                  value={values[f.path] ?? ''}
                  onChange={(v) => setValues({ ...values, [f.path]: String(v) })}
                  min={1}
                  max={65535}
                />
              ) : (
                <TextInput
                  key={f.path}
                  label={f.label}
                  description={f.help}
                  required={!f.list}
                  type={f.secret ? 'password' : 'text'}
                  autoComplete="off"
                  value={values[f.path] ?? ''}
                  onChange={(e) => setValues({ ...values, [f.path]: e.currentTarget.value })}
                />
              ),
            )}
            {connect.error && (
              <Alert color="red" role="alert">
                {connect.error instanceof ApiError ? `${connect.error.message} (${connect.error.code})` : t('errors.network')}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button type="submit" loading={connect.isPending}>
                {t('channels.connect')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Card>
    </Stack>
  );
}
