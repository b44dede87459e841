import { Alert, Anchor, Button, Container, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import { type TokenPair, setTokens } from '../api/session';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { navigate } from '../router';

/** Sign in, or create an organization (its owner is signed in at once). */
export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organizationName, setOrganizationName] = useState('');

  const submit = useMutation({
    mutationFn: async () => {
      const body =
        mode === 'signup'
          ? await unwrap<TokenPair>(api.POST('/api/auth/signup', { body: { organizationName, email, password } }))
          : await unwrap<TokenPair>(api.POST('/api/auth/login', { body: { email, password } }));
      return body;
    },
    onSuccess: (pair) => {
      setTokens(pair);
      navigate('/inbox', { replace: true });
    },
  });

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    submit.mutate();
  };
  const error = submit.error instanceof ApiError ? submit.error.message : submit.error ? t('errors.network') : null;

  return (
    <Container size={420} py="xl" component="main" id="main">
      <Group justify="space-between" mb="lg">
        <Title order={1} size="h3">
          {t('app.name')}
        </Title>
        <LanguageSwitch />
      </Group>
      <Text c="dimmed" mb="md">
        {t('auth.tagline')}
      </Text>
      <Paper withBorder shadow="sm" p="lg" radius="md">
        <form onSubmit={onSubmit} aria-labelledby="auth-title">
          <Stack>
            <Title order={2} size="h4" id="auth-title">
              {mode === 'signup' ? t('auth.signupTitle') : t('auth.loginTitle')}
            </Title>
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            {mode === 'signup' && (
              <TextInput
                label={t('auth.organization')}
                required
                value={organizationName}
                onChange={(e) => setOrganizationName(e.currentTarget.value)}
                maxLength={200}
              />
            )}
            <TextInput label={t('auth.email')} type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
            <PasswordInput
              label={t('auth.password')}
              description={mode === 'signup' ? t('auth.passwordHint') : undefined}
              autoComplete={mode === 'signup' ? 'new-password' : 'current-password'}
              required
              minLength={mode === 'signup' ? 10 : undefined}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={submit.isPending} fullWidth>
              {mode === 'signup' ? t('auth.signUp') : t('auth.signIn')}
            </Button>
            {mode === 'login' && (
              <Anchor
                href="/account/forgot-password"
                size="sm"
                onClick={(e) => {
                  e.preventDefault();
                  navigate('/account/forgot-password');
                }}
              >
                {t('account.forgot')}
              </Anchor>
            )}
            <Anchor
              href={mode === 'signup' ? '/login' : '/signup'}
              onClick={(e) => {
                e.preventDefault();
                submit.reset();
                navigate(mode === 'signup' ? '/login' : '/signup');
              }}
            >
              {mode === 'signup' ? t('auth.toLogin') : t('auth.toSignup')}
            </Anchor>
          </Stack>
        </form>
      </Paper>
    </Container>
  );
}
