import { Alert, Anchor, Button, Container, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import { type TokenPair, setTokens } from '../api/session';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { navigate } from '../router';
import { useChange } from '../lib/useChange';

/** The pages a mailed link opens (/account/...), and the request for a reset link. */
export type AccountPage = 'forgot-password' | 'reset-password' | 'accept-invitation' | 'verify-email';

export const ACCOUNT_PAGES: readonly AccountPage[] = ['forgot-password', 'reset-password', 'accept-invitation', 'verify-email'];

const linkToken = () => new URLSearchParams(location.search).get('token') ?? '';

function useErrorText() {
  const { t } = useTranslation();
  return (err: unknown): string | null => {
    if (!err) return null;
    if (err instanceof ApiError) return err.code === 'INVALID_TOKEN' ? t('account.linkInvalid') : err.message;
    return t('errors.network');
  };
}

function Frame({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Container size={420} py="xl" component="main" id="main">
      <Group justify="space-between" mb="lg">
        <Title order={1} size="h3">
          {t('app.name')}
        </Title>
        <LanguageSwitch />
      </Group>
      <Paper withBorder shadow="sm" p="lg" radius="md">
        <Stack>
          <Title order={2} size="h4">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </Container>
  );
}

/** The API's refusal in plain words, when there is one. */
function Failure({ error }: { error: unknown }) {
  const text = useErrorText()(error);
  return text ? (
    <Alert color="red" role="alert">
      {text}
    </Alert>
  ) : null;
}

/** A password being chosen: the policy's hint, the browser's password manager told it is new. */
function NewPassword({ label, value, onChange }: { label: string; value: string; onChange: (v: string) => void }) {
  const { t } = useTranslation();
  return (
    <PasswordInput
      label={label}
      description={t('auth.passwordHint')}
      autoComplete="new-password"
      required
      minLength={10}
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}

function ToSignIn() {
  const { t } = useTranslation();
  return (
    <Anchor
      href="/login"
      onClick={(e) => {
        e.preventDefault();
        navigate('/login');
      }}
    >
      {t('account.toSignIn')}
    </Anchor>
  );
}

const onSubmit = (run: () => void) => (e: FormEvent) => {
  e.preventDefault();
  run();
};

function ForgotPassword() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const request = useChange(() => unwrap(api.POST('/api/auth/password-reset', { body: { email } })), { inlineError: true });
  return (
    <Frame title={t('account.forgotTitle')}>
      {request.isSuccess ? (
        <Alert color="teal" role="status">
          {t('account.resetRequested', { email })}
        </Alert>
      ) : (
        <form onSubmit={onSubmit(() => request.mutate())}>
          <Stack>
            <Failure error={request.error} />
            <TextInput label={t('auth.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
            <Button type="submit" loading={request.isPending} fullWidth>
              {t('account.sendResetLink')}
            </Button>
          </Stack>
        </form>
      )}
      <ToSignIn />
    </Frame>
  );
}

function ResetPassword() {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const confirm = useChange(() => unwrap(api.POST('/api/auth/password-reset/confirm', { body: { token: linkToken(), password } })), { inlineError: true });
  return (
    <Frame title={t('account.resetTitle')}>
      {confirm.isSuccess ? (
        <Alert color="teal" role="status">
          {t('account.passwordChanged')}
        </Alert>
      ) : (
        <form onSubmit={onSubmit(() => confirm.mutate())}>
          <Stack>
            <Failure error={confirm.error} />
            <NewPassword label={t('account.newPassword')} value={password} onChange={setPassword} />
            <Button type="submit" loading={confirm.isPending} fullWidth>
              {t('account.setPassword')}
            </Button>
          </Stack>
        </form>
      )}
      <ToSignIn />
    </Frame>
  );
}

function AcceptInvitation() {
  const { t, i18n } = useTranslation();
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const accept = useChange(
    () =>
      unwrap<TokenPair>(
        api.POST('/api/auth/invitations/accept', { body: { token: linkToken(), displayName, password, locale: i18n.language === 'ru' ? 'ru' : 'en' } }),
      ),
    {
      onDone: (pair) => {
        setTokens(pair);
        navigate('/inbox', { replace: true });
      },
      inlineError: true,
    },
  );
  return (
    <Frame title={t('account.invitationTitle')}>
      <Text size="sm" c="dimmed">
        {t('account.invitationHint')}
      </Text>
      <form onSubmit={onSubmit(() => accept.mutate())}>
        <Stack>
          <Failure error={accept.error} />
          <TextInput
            label={t('account.yourName')}
            autoComplete="name"
            required
            maxLength={100}
            value={displayName}
            onChange={(e) => setDisplayName(e.currentTarget.value)}
          />
          <NewPassword label={t('auth.password')} value={password} onChange={setPassword} />
          <Button type="submit" loading={accept.isPending} fullWidth>
            {t('account.join')}
          </Button>
        </Stack>
      </form>
    </Frame>
  );
}

function VerifyEmail() {
  const { t } = useTranslation();
  const verify = useChange(() => unwrap(api.POST('/api/auth/verify-email', { body: { token: linkToken() } })), { inlineError: true });
  const { mutate } = verify;
  // The link works once: never spend it twice (StrictMode runs effects twice in development).
  const spent = useRef(false);
  useEffect(() => {
    if (spent.current) return;
    spent.current = true;
    mutate();
  }, [mutate]);
  return (
    <Frame title={t('account.verifyTitle')}>
      {verify.isSuccess && (
        <Alert color="teal" role="status">
          {t('account.verified')}
        </Alert>
      )}
      <Failure error={verify.error} />
      <ToSignIn />
    </Frame>
  );
}

/** A page reached from a mailed link or "forgot password": shown whether or not someone is signed in here. */
export function AccountPages({ page }: { page: AccountPage }) {
  switch (page) {
    case 'forgot-password':
      return <ForgotPassword />;
    case 'reset-password':
      return <ResetPassword />;
    case 'accept-invitation':
      return <AcceptInvitation />;
    case 'verify-email':
      return <VerifyEmail />;
  }
}
