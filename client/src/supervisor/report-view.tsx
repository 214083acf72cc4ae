/** The report over a chosen period: offers and outcomes per KW and per routing point, with CSV downloads. */
import { useState } from 'preact/hooks';
import { formatDuration, localDate, periodOfDates } from './format.ts';
import { outcomeNames, supervisorApi, type OutcomeRow, type Report } from './supervisor-api.ts';

export function ReportView() {
  const today = localDate(Date.now());
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const period = periodOfDates(from, to);

  const show = async (e: Event) => {
    e.preventDefault();
    if (!period) {
      setError('Choose two dates.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      setReport(await supervisorApi.report(period.from, period.to));
    } catch (x) {
      setError(x instanceof Error ? `The report could not be read: ${x.message}` : 'The report could not be read.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="report" aria-labelledby="report-heading">
      <h2 id="report-heading">Report</h2>
      <form class="report-period" onSubmit={show}>
        <label>
          From
          <input type="date" value={from} data-testid="report-from" onInput={(e) => setFrom((e.target as HTMLInputElement).value)} required />
        </label>
        <label>
          To (included)
          <input type="date" value={to} data-testid="report-to" onInput={(e) => setTo((e.target as HTMLInputElement).value)} required />
        </label>
        <button type="submit" disabled={busy} data-testid="report-show">Show report</button>
        {period ? (
          <span class="downloads">
            <a href={supervisorApi.csvUrl(period.from, period.to, 'kw')} download data-testid="report-csv-kw">CSV by KW</a>
            <a href={supervisorApi.csvUrl(period.from, period.to, 'routing-point')} download data-testid="report-csv-rp">CSV by routing point</a>
          </span>
        ) : null}
      </form>
      {error ? <p class="error" role="alert">{error}</p> : null}
      {report ? (
        <div data-testid="report-result">
          <ReportTable caption="Offers per KW" keyTitle="KW" rows={report.byKw} label={(r) => r.userName ?? r.key} />
          <ReportTable caption="Offers per routing point" keyTitle="Routing point" rows={report.byRoutingPoint} label={(r) => r.key || '(none)'} />
        </div>
      ) : null}
    </section>
  );
}

function ReportTable({ caption, keyTitle, rows, label }: { caption: string; keyTitle: string; rows: OutcomeRow[]; label: (r: OutcomeRow) => string }) {
  return (
    <div class="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyTitle}</th>
            <th scope="col">offered</th>
            {outcomeNames.map((o) => <th scope="col" key={o}>{o}</th>)}
            <th scope="col">mean decision</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr><td colSpan={outcomeNames.length + 3} class="empty">No offers in the period</td></tr>
          ) : rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{label(r)}</th>
              <td>{r.offered}</td>
              {outcomeNames.map((o) => <td key={o}>{r.counts[o]}</td>)}
              <td>{r.meanDecisionMs === null ? '–' : formatDuration(r.meanDecisionMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
