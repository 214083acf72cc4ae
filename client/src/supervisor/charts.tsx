/**
 * The dashboard's charts, drawn with uPlot (bundled; no CDN): today's offer outcomes per KW
 * (stacked bars), the decision-time histogram (bars) and the agent-state timelines (bands drawn in
 * a uPlot draw hook over its time axis). A chart is a canvas, so each also shows its numbers in a
 * table for screen readers and keyboard users (the table is the accessible form of the chart).
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AgentState, DashboardSnapshot, OutcomeRow } from './supervisor-api.ts';
import { formatDuration } from './format.ts';

/** The four outcomes the per-KW chart stacks (the others are in the report). */
export const chartOutcomes = ['accepted', 'rejected', 'timeout', 'taken'] as const;
const OUTCOME_COLOURS: Record<(typeof chartOutcomes)[number], string> = { accepted: '#2e7d32', rejected: '#c62828', timeout: '#ef6c00', taken: '#1565c0' };
export const STATE_COLOURS: Record<AgentState, string> = { Ready: '#2e7d32', Busy: '#1565c0', NotReady: '#c62828', AfterCallWork: '#8e24aa', LoggedOut: '#9e9e9e' };

/** The chart width: the container's, within bounds. */
function widthOf(el: HTMLElement): number {
  return Math.max(280, Math.min(900, el.clientWidth || 480));
}

/**
 * Keeps one uPlot in `el`: rebuilt when `shape` changes (series or categories), else given the
 * new data. `onData` runs after each update (the timelines set their x range there).
 */
function useUplot(make: (width: number) => uPlot.Options, data: uPlot.AlignedData, shape: string, onData?: (u: uPlot) => void) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<{ u: uPlot; shape: string } | null>(null);
  useEffect(() => {
    const root = el.current;
    if (!root) return;
    if (plot.current && plot.current.shape === shape) {
      plot.current.u.setData(data);
    } else {
      plot.current?.u.destroy();
      plot.current = { u: new uPlot(make(widthOf(root)), data, root), shape };
    }
    onData?.(plot.current.u);
  });
  useEffect(() => {
    const resize = () => {
      const root = el.current;
      if (root && plot.current) plot.current.u.setSize({ width: widthOf(root), height: plot.current.u.height });
    };
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.current?.u.destroy();
      plot.current = null;
    };
  }, []);
  return el;
}

const bars = uPlot.paths.bars!;

/** Today's offers per KW: accepted, rejected, timeout and taken stacked. */
export function OutcomesChart({ rows, names }: { rows: readonly OutcomeRow[]; names: ReadonlyMap<string, string> }) {
  const labels = rows.map((r) => names.get(r.userName ?? '') ?? r.userName ?? r.key);
  // Stacked by drawing cumulative sums, the tallest first; the legend shows each outcome's own count.
  const cumulative = chartOutcomes.map((_, i) => rows.map((r) => chartOutcomes.slice(0, chartOutcomes.length - i).reduce((n, o) => n + r.counts[o], 0)));
  const data: uPlot.AlignedData = [rows.map((_, i) => i), ...cumulative];
  const total = rows.reduce((n, r) => n + chartOutcomes.reduce((m, o) => m + r.counts[o], 0), 0);
  const el = useUplot(
    (width) => ({
      width, height: 220, title: undefined,
      scales: { x: { time: false, range: () => [-0.5, Math.max(0.5, labels.length - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { splits: () => labels.map((_, i) => i), values: (_u, splits) => splits.map((i) => labels[i] ?? ''), grid: { show: false } },
        { label: 'offers' },
      ],
      legend: { show: false },
      series: [
        {},
        ...[...chartOutcomes].reverse().map((o) => ({ label: o, fill: OUTCOME_COLOURS[o], stroke: OUTCOME_COLOURS[o], width: 0, paths: bars({ size: [0.6, 60] }), points: { show: false } })),
      ],
    }),
    data,
    labels.join('\u0000'),
  );
  return (
    <figure class="chart" aria-labelledby="outcomes-caption">
      <figcaption id="outcomes-caption">Today's offer outcomes per KW</figcaption>
      <div ref={el} class="chart-canvas" data-testid="outcomes-chart" data-total={String(total)} aria-hidden="true" />
      <ChartKey items={chartOutcomes.map((o) => ({ label: o, colour: OUTCOME_COLOURS[o] }))} />
      <table class="chart-data" data-testid="outcomes-table">
        <caption class="visually-hidden">Offer outcomes per KW today</caption>
        <thead>
          <tr>
            <th scope="col">KW</th>
            {chartOutcomes.map((o) => <th scope="col" key={o}>{o}</th>)}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr><td colSpan={chartOutcomes.length + 1} class="empty">No offers today</td></tr>
          ) : rows.map((r, i) => (
            <tr key={r.key}>
              <th scope="row">{labels[i]}</th>
              {chartOutcomes.map((o) => <td key={o} data-testid={`outcome-${r.userName ?? r.key}-${o}`}>{r.counts[o]}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Today's decision times (accepted, rejected, redirected), in buckets. */
export function DecisionTimeChart({ histogram }: { histogram: DashboardSnapshot['charts']['decisionTimes'] }) {
  const seconds = histogram.bucketMs / 1000;
  const xs = histogram.counts.map((_, i) => i * seconds);
  const total = histogram.counts.reduce((n, c) => n + c, 0);
  const el = useUplot(
    (width) => ({
      width, height: 200,
      scales: { x: { time: false, range: () => [-seconds / 2, (histogram.counts.length - 0.5) * seconds] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ label: 'decision time (s)', values: (_u, splits) => splits.map((v) => `${v}`) }, { label: 'offers' }],
      legend: { show: false },
      series: [{}, { label: 'offers', fill: '#1565c0', stroke: '#0d47a1', width: 1, paths: bars({ size: [0.9, 40] }), points: { show: false } }],
    }),
    [xs, histogram.counts.slice()],
    `${histogram.bucketMs}:${histogram.counts.length}`,
  );
  const last = histogram.counts.length - 1;
  return (
    <figure class="chart" aria-labelledby="decision-caption">
      <figcaption id="decision-caption">Decision time today (accepted and rejected previews)</figcaption>
      <div ref={el} class="chart-canvas" data-testid="decision-chart" data-total={String(total)} aria-hidden="true" />
      <table class="chart-data" data-testid="decision-table">
        <caption class="visually-hidden">Decision times today</caption>
        <thead><tr><th scope="col">Decision time</th><th scope="col">Offers</th></tr></thead>
        <tbody>
          {histogram.counts.map((c, i) => (c === 0 ? null : (
            <tr key={i}>
              <th scope="row">{i === last ? `${i * seconds} s or more` : `${i * seconds}–${(i + 1) * seconds} s`}</th>
              <td>{c}</td>
            </tr>
          )))}
          {total === 0 ? <tr><td colSpan={2} class="empty">No decisions today</td></tr> : null}
        </tbody>
      </table>
    </figure>
  );
}

/** Agent-state timelines: one band per KW over the window, coloured by state. */
export function TimelinesChart({ timelines, names, now }: { timelines: DashboardSnapshot['charts']['timelines']; names: ReadonlyMap<string, string>; now: number }) {
  const kws = timelines.kws;
  const labels = kws.map((k) => names.get(k.userName) ?? k.userName);
  const latest = useRef({ kws, now });
  latest.current = { kws, now };
  const from = timelines.from / 1000;
  const to = Math.max(now, timelines.to) / 1000;
  const el = useUplot(
    (width) => ({
      width, height: Math.max(90, 34 * kws.length + 50),
      scales: { x: { time: true }, y: { range: () => [0, Math.max(1, labels.length)] } },
      axes: [{}, { splits: () => labels.map((_, i) => i + 0.5), values: (_u, splits) => splits.map((v) => labels[Math.floor(v)] ?? ''), size: 90, grid: { show: false } }],
      legend: { show: false },
      cursor: { show: false },
      series: [{}, { label: 'timeline', show: false }],
      hooks: {
        draw: [
          (u: uPlot) => {
            const { kws: rows, now: at } = latest.current;
            const ctx = u.ctx;
            ctx.save();
            ctx.beginPath();
            ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
            ctx.clip();
            rows.forEach((k, i) => {
              const top = u.valToPos(i + 0.85, 'y', true);
              const bottom = u.valToPos(i + 0.15, 'y', true);
              for (const s of k.segments) {
                const x0 = u.valToPos(s.from / 1000, 'x', true);
                const x1 = u.valToPos((s.to ?? at) / 1000, 'x', true);
                ctx.fillStyle = STATE_COLOURS[s.state] ?? '#9e9e9e';
                ctx.fillRect(x0, top, Math.max(1, x1 - x0), bottom - top);
              }
            });
            ctx.restore();
          },
        ],
      },
    }),
    [[from, to], [null, null]],
    labels.join('\u0000'),
    (u) => u.setScale('x', { min: from, max: to }),
  );
  return (
    <figure class="chart" aria-labelledby="timeline-caption">
      <figcaption id="timeline-caption">Agent states since {new Date(timelines.from).toLocaleTimeString()}</figcaption>
      <div ref={el} class="chart-canvas" data-testid="timeline-chart" data-segments={String(kws.reduce((n, k) => n + k.segments.length, 0))} aria-hidden="true" />
      <ChartKey items={(Object.keys(STATE_COLOURS) as AgentState[]).map((s) => ({ label: s, colour: STATE_COLOURS[s] }))} />
      <table class="chart-data" data-testid="timeline-table">
        <caption class="visually-hidden">State changes per KW in the window</caption>
        <thead><tr><th scope="col">KW</th><th scope="col">States (oldest first)</th></tr></thead>
        <tbody>
          {kws.map((k, i) => (
            <tr key={k.agentId}>
              <th scope="row">{labels[i]}</th>
              <td>{k.segments.map((s) => `${s.state} ${formatDuration((s.to ?? now) - s.from)}`).join(' → ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function ChartKey({ items }: { items: Array<{ label: string; colour: string }> }) {
  return (
    <ul class="chart-key" aria-hidden="true">
      {items.map((i) => (
        <li key={i.label}><span class="swatch" style={{ backgroundColor: i.colour }} />{i.label}</li>
      ))}
    </ul>
  );
}
