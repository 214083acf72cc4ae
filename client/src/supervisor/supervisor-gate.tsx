/**
 * Shows the supervisor dashboard to supervisors: a supervisor who is also a KW gets a navigation
 * between the KW window and the dashboard (`#/supervisor`); a supervisor who is not a KW gets the
 * dashboard only; everyone else gets the KW window as before (the server answers 403).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from '../api.ts';
import { SupervisorDashboard } from './dashboard.tsx';
import { supervisorApi } from './supervisor-api.ts';

const DASHBOARD_HASH = '#/supervisor';

export function SupervisorGate({ userName, onLogout, children }: { userName: string; onLogout: () => void; children: ComponentChildren }) {
  const [role, setRole] = useState<'unknown' | 'none' | 'supervisor' | 'supervisor-only'>('unknown');
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    supervisorApi.me().then(
      (me) => setRole(me.knowledgeWorker ? 'supervisor' : 'supervisor-only'),
      () => setRole('none'),
    );
    const onHash = () => setHash(location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [userName]);

  const logout = () => {
    api.logout().catch(() => undefined).finally(() => {
      setCsrfToken('');
      onLogout();
    });
  };
  if (role === 'unknown') return null;
  if (role === 'none') return <>{children}</>;
  const dashboard = <SupervisorDashboard userName={userName} onLogout={logout} onSessionGone={onLogout} />;
  if (role === 'supervisor-only') return dashboard;
  const onDashboard = hash === DASHBOARD_HASH;
  return (
    <>
      <nav class="app-nav" aria-label="Screens">
        <a href="#/" aria-current={onDashboard ? undefined : 'page'} data-testid="nav-kw">My work</a>
        <a href={DASHBOARD_HASH} aria-current={onDashboard ? 'page' : undefined} data-testid="nav-supervisor">Supervisor dashboard</a>
      </nav>
      {onDashboard ? dashboard : children}
    </>
  );
}
