import { useEffect, useSyncExternalStore } from 'react';
import { getSession, isManager, onSessionChange } from './api/session';
import { Shell } from './components/Shell';
import { ACCOUNT_PAGES, type AccountPage, AccountPages } from './pages/AccountPages';
import { AuthPage } from './pages/AuthPage';
import { InboxPage } from './pages/inbox/InboxPage';
import { ReportsPage } from './pages/ReportsPage';
import { SettingsPage } from './pages/settings/SettingsPage';
import { match, navigate, usePath } from './router';

export function useSession() {
  return useSyncExternalStore(onSessionChange, getSession);
}

export function App() {
  const session = useSession();
  const path = usePath();
  const account = match('/account/:page', path)?.page as AccountPage | undefined;
  const accountPage = account && ACCOUNT_PAGES.includes(account) ? account : null;

  useEffect(() => {
    if (accountPage) return;
    if (!session && path !== '/login' && path !== '/signup') navigate('/login', { replace: true });
    if (session && (path === '/' || path === '/login' || path === '/signup')) navigate('/inbox', { replace: true });
  }, [session, path, accountPage]);

  if (accountPage) return <AccountPages page={accountPage} />;
  if (!session) return <AuthPage mode={path === '/signup' ? 'signup' : 'login'} />;

  const settings = match('/settings/:section', path) ?? (path === '/settings' ? { section: '' } : null);
  const conversation = match('/inbox/:id', path);
  return (
    <Shell session={session} path={path}>
      {path === '/reports' && isManager(session) ? (
        <ReportsPage />
      ) : settings ? (
        isManager(session) ? (
          <SettingsPage section={settings.section} session={session} />
        ) : (
          <InboxPage session={session} conversationId={null} />
        )
      ) : (
        <InboxPage session={session} conversationId={conversation?.id ?? null} />
      )}
    </Shell>
  );
}
