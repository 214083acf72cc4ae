/**
 * The supervisor dashboard (docs/supervisor.md): KWs, routing points and previews in flight, live
 * over the supervisor socket, the charts, and the report. Everything is rendered as text.
 */
import { useState } from 'preact/hooks';
import { DecisionTimeChart, OutcomesChart, TimelinesChart } from './charts.tsx';
import { ReportView } from './report-view.tsx';
import { formatDuration, secondsLeft, shortConnId } from './format.ts';
import type { DashboardSnapshot, KwRow } from './supervisor-api.ts';
import { useSupervisorSocket, useTick } from './use-supervisor-socket.ts';
import './supervisor.css';

const ALL = '';

export function SupervisorDashboard({ userName, onLogout, onSessionGone }: { userName: string; onLogout: () => void; onSessionGone: () => void }) {
  const socket = useSupervisorSocket(onSessionGone);
  const tick = useTick(250);
  const [group, setGroup] = useState(ALL);
  const s = socket.snapshot;
  const now = tick + socket.offsetMs;

  return (
    <main class="dashboard" aria-labelledby="dashboard-title">
      <header class="dashboard-header">
        <h1 id="dashboard-title">Supervisor dashboard</h1>
        <span class={`socket ${socket.status}`} role="status" data-testid="supervisor-socket">
          {socket.status === 'open' ? 'Live' : socket.status === 'forbidden' ? 'Not a supervisor' : socket.status === 'connecting' ? 'Connecting…' : 'Disconnected, reconnecting…'}
        </span>
        <span class="who">{userName}</span>
        <button type="button" onClick={onLogout} data-testid="supervisor-logout">Log out</button>
      </header>
      {s === null ? (
        <p class="empty">{socket.status === 'forbidden' ? 'Only a supervisor may see this page.' : 'Waiting for the first update…'}</p>
      ) : (
        <Body s={s} now={now} group={group} setGroup={setGroup} />
      )}
    </main>
  );
}

function Body({ s, now, group, setGroup }: { s: DashboardSnapshot; now: number; group: string; setGroup: (g: string) => void }) {
  const names = new Map(s.kws.map((k) => [k.userName, k.displayName]));
  const inGroup = (userName: string): boolean => group === ALL || (s.kws.find((k) => k.userName === userName)?.groups.includes(group) ?? false);
  const kws = s.kws.filter((k) => group === ALL || k.groups.includes(group)).sort((a, b) => a.displayName.localeCompare(b.displayName));
  return (
    <>
      <section aria-labelledby="kws-heading">
        <div class="section-head">
          <h2 id="kws-heading">Knowledge workers</h2>
          <label>
            Group
            <select value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)} data-testid="group-filter">
              <option value={ALL}>All groups</option>
              {s.groups.map((g) => <option key={g} value={g}>{g}</option>)}
            </select>
          </label>
        </div>
        {s.kwsTruncated ? <p class="empty">Only the first {s.kws.length} KWs are shown.</p> : null}
        <div class="table-scroll">
          <table data-testid="kw-table">
            <caption class="visually-hidden">Knowledge workers and their states</caption>
            <thead>
              <tr>
                <th scope="col">KW</th><th scope="col">Agent state</th><th scope="col">Reason</th><th scope="col">Presence (source)</th>
                <th scope="col">Time in state</th><th scope="col">Interaction</th>
              </tr>
            </thead>
            <tbody>
              {kws.length === 0 ? <tr><td colSpan={6} class="empty">No KW in this group</td></tr> : kws.map((k) => <KwLine key={k.userName} k={k} now={now} />)}
            </tbody>
          </table>
        </div>
      </section>

      <div class="dashboard-columns">
        <section aria-labelledby="rp-heading">
          <h2 id="rp-heading">Routing points</h2>
          <div class="table-scroll">
            <table data-testid="rp-table">
              <thead>
                <tr><th scope="col">Routing point</th><th scope="col">Waiting</th><th scope="col">Longest wait</th><th scope="col">Routed today</th><th scope="col">Abandoned today</th></tr>
              </thead>
              <tbody>
                {s.routingPoints.map((r) => (
                  <tr key={r.dn} data-testid={`rp-${r.dn}`}>
                    <th scope="row">{r.displayName} <span class="dn">{r.dn}</span></th>
                    <td data-testid={`rp-${r.dn}-waiting`}>{r.waiting}</td>
                    <td>{r.waiting > 0 ? formatDuration(r.longestWaitMs + Math.max(0, now - s.now)) : '–'}</td>
                    <td data-testid={`rp-${r.dn}-routed`}>{r.routedToday}</td>
                    <td>{r.abandonedToday}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>

        <section aria-labelledby="previews-heading">
          <h2 id="previews-heading">Previews in flight</h2>
          <ul class="previews" data-testid="preview-list">
            {s.previews.filter((p) => inGroup(p.userName)).length === 0 ? <li class="empty">None</li> : null}
            {s.previews.filter((p) => inGroup(p.userName)).map((p) => {
              const left = secondsLeft(p.deadline, now);
              const span = Math.max(1, p.deadline - p.offeredAt);
              const fraction = Math.min(1, Math.max(0, (p.deadline - now) / span));
              return (
                <li key={p.id} data-testid={`preview-${p.userName}`}>
                  <span class="who">{names.get(p.userName) ?? p.userName}</span>
                  <span class="dn">{p.routingPoint ?? ''} · {shortConnId(p.connId)} · {p.state}</span>
                  <span role="timer" aria-label={`${left} seconds left`} class="countdown" data-testid={`preview-${p.userName}-countdown`}>{left} s</span>
                  <span class="bar" aria-hidden="true"><span style={{ width: `${Math.round(fraction * 100)}%` }} /></span>
                </li>
              );
            })}
          </ul>
        </section>
      </div>

      <section aria-labelledby="charts-heading" class="charts">
        <h2 id="charts-heading">Today</h2>
        <div class="chart-grid">
          <OutcomesChart rows={s.charts.outcomes.filter((r) => inGroup(r.userName ?? ''))} names={names} />
          <DecisionTimeChart histogram={s.charts.decisionTimes} />
        </div>
        <TimelinesChart timelines={{ ...s.charts.timelines, kws: s.charts.timelines.kws.filter((k) => inGroup(k.userName)) }} names={names} now={now} />
      </section>

      <ReportView />
    </>
  );
}

function KwLine({ k, now }: { k: KwRow; now: number }) {
  const p = k.presence;
  return (
    <tr data-testid={`kw-${k.userName}`}>
      <th scope="row">{k.displayName} <span class="dn">{k.userName}</span></th>
      <td><span class={`state state-${k.agentState}`} data-testid={`kw-${k.userName}-state`}>{k.agentState}</span>{k.connectorDnd ? ' (DND)' : ''}{k.autoState ? ` (${k.autoState})` : ''}</td>
      <td>{k.reason || '–'}</td>
      <td>{p ? `${p.availability}${p.activity ? ` / ${p.activity}` : ''} (${p.source})` : '–'}</td>
      <td>{k.stateSince === null ? '–' : formatDuration(now - k.stateSince)}</td>
      <td>{k.interaction ? `${k.interaction.state} ${shortConnId(k.interaction.connId)}${k.interaction.otherDn ? ` with ${k.interaction.otherDn}` : ''}` : '–'}</td>
    </tr>
  );
}
