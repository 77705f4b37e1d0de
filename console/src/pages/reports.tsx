import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Chart } from '../components/chart.js';
import { SelectField, TextField } from '../components/field.js';
import { formatTime } from '../components/format.js';
import { ErrorMessage, StatusMessage } from '../components/messages.js';
import { DataTable, type Column } from '../components/table.js';
import { useAction, useLoad } from '../components/use-load.js';
import type { PageProps } from '../router.js';
import { hasScope } from '../session.js';
import { addDays, formatRate, isoDay, money } from './figures.js';

/**
 * `#/reports`: a store's sales, refunds or tax summary over a range of days (`GET /reports/<kind>`,
 * `store-reports:read`), drawn as a chart of the daily figures and a table with the totals, downloadable as CSV; and,
 * for holders of `reports:read`, a day's payment reconciliation (`GET /reports/reconciliation`) with its three sides:
 * our books, the billing system and the payment gateway.
 */

type Kind = 'sales' | 'refunds' | 'tax' | 'reconciliation';

interface RateLine {
  rateBasisPoints: number | null;
  net: number;
  tax: number;
}
interface SalesFigures {
  orders: number;
  gross: number;
  discounts: number;
  net: number;
  tax: number;
  fees: number;
  feesTax: number;
  taxByRate: RateLine[];
}
interface RefundFigures {
  refunds: number;
  amount: number;
  tax: number;
  taxByRate: RateLine[];
}
interface TaxRow {
  jurisdiction: string;
  rateBasisPoints: number | null;
  salesNet: number;
  salesTax: number;
  refundNet: number;
  refundTax: number;
  netTax: number;
}
interface TaxFigures {
  rows: TaxRow[];
}
interface Report<K extends string, F> {
  kind: K;
  storeId: string;
  timezone: string;
  currency: string;
  from: string;
  to: string;
  days: (F & { date: string })[];
  totals: F;
}
type AnyReport = Report<'sales', SalesFigures> | Report<'refunds', RefundFigures> | Report<'tax', TaxFigures>;

interface Reconciliation {
  date: string;
  counts: Record<string, number>;
  discrepancies: number;
  totals: {
    currency: string;
    sales: { count: number; total: number; tax: number };
    refunds: { count: number; amount: number; tax: number };
    invoiced: { count: number; total: number; tax: number };
    credited: { count: number; amount: number; tax: number };
    gateway: { captured: { count: number; amount: number }; refunded: { count: number; amount: number } };
  }[];
  orders: {
    orderId: string;
    currency: string;
    ours: { sold: number; refunded: number };
    billing: { invoiced: number; credited: number };
    gateway: { captured: number; refunded: number };
  }[];
  ordersOmitted: number;
  generatedAt: string;
}

const KINDS = [
  { value: 'sales', label: 'Sales' },
  { value: 'refunds', label: 'Refunds' },
  { value: 'tax', label: 'Tax' },
  { value: 'reconciliation', label: 'Payment reconciliation' },
];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** The API's limit on a range (366 days, inclusive). */
const MAX_DAYS = 366;

/** Why a range cannot be asked for, or undefined when it can (the API would say the same, but only after a request). */
function rangeProblem(from: string, to: string): string | undefined {
  if (!DAY.test(from)) return 'From must be a day (yyyy-mm-dd).';
  if (!DAY.test(to)) return 'To must be a day (yyyy-mm-dd).';
  if (to < from) return 'To must be on or after From.';
  if (addDays(from, MAX_DAYS - 1) < to) return `A report covers at most ${MAX_DAYS} days.`;
  return undefined;
}

/** The Reports page. */
export default function ReportsPage({ session, store }: PageProps) {
  const today = isoDay(new Date());
  const [kind, setKind] = useState<Kind>('sales');
  const [from, setFrom] = useState(addDays(today, -6));
  const [to, setTo] = useState(today);
  const [day, setDay] = useState(addDays(today, -1));
  // The chain-wide reconciliation needs `reports:read`; a store manager (`store-reports:read`) reads only their stores' reports.
  const kinds = hasScope(session, 'reports:read') ? KINDS : KINDS.filter((option) => option.value !== 'reconciliation');

  return (
    <section class="page reports">
      <h1>Reports</h1>
      <form class="toolbar" onSubmit={(event) => event.preventDefault()}>
        <SelectField label="Report" value={kind} onChange={(value) => setKind(value as Kind)} options={kinds} />
        {kind === 'reconciliation' ? (
          <TextField label="Day (UTC)" type="date" value={day} onInput={setDay} required />
        ) : (
          <>
            <TextField label="From" type="date" value={from} onInput={setFrom} required />
            <TextField label="To" type="date" value={to} onInput={setTo} required />
          </>
        )}
      </form>
      {kind === 'reconciliation' ? (
        <ReconciliationView day={day} />
      ) : store ? (
        <StoreReport key={`${kind}/${store}/${from}/${to}`} kind={kind} store={store} from={from} to={to} />
      ) : (
        <p class="empty">Choose a store in the header to see its reports.</p>
      )}
    </section>
  );
}

function StoreReport({ kind, store, from, to }: { kind: Exclude<Kind, 'reconciliation'>; store: string; from: string; to: string }) {
  const problem = rangeProblem(from, to);
  const report = useLoad(
    () => (problem ? Promise.resolve(undefined) : api.get<AnyReport>(`/reports/${kind}`, { query: { storeId: store, from, to } })),
    [kind, store, from, to],
  );
  const download = useAction();
  if (problem) return <div role="alert" class="message error">{problem}</div>;
  const value = report.value;

  const saveCsv = () =>
    download.run(async () => {
      const csv = await api.get<string>(`/reports/${kind}`, { query: { storeId: store, from, to, format: 'csv' }, headers: { accept: 'text/csv' }, text: true });
      const filename = `${kind}-${store}-${from}-${to}.csv`;
      const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = filename;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return `Downloaded ${filename}.`;
    });

  return (
    <div class="report">
      <div class="actions">
        <button type="button" onClick={() => void saveCsv()} disabled={download.busy}>
          Download CSV
        </button>
      </div>
      <ErrorMessage error={download.error} />
      <StatusMessage>{download.message}</StatusMessage>
      <ErrorMessage error={report.error} />
      {report.loading && !value ? <p class="loading">Loading…</p> : null}
      {value && value.kind === kind && value.storeId === store ? (
        <>
          <p class="report-meta">
            {value.storeId}, {value.from} to {value.to} ({value.timezone} days), amounts in {value.currency}.
          </p>
          {value.kind === 'sales' ? <SalesReport report={value} /> : null}
          {value.kind === 'refunds' ? <RefundsReport report={value} /> : null}
          {value.kind === 'tax' ? <TaxReport report={value} /> : null}
        </>
      ) : null}
    </div>
  );
}

/** `2026-12-07` as `7 Dec` on the chart's axis. */
function shortDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(date.getTime()) ? day : date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function ratesText(lines: RateLine[], currency: string): string {
  return lines.length === 0 ? '—' : lines.map((line) => `${formatRate(line.rateBasisPoints)}: ${money(line.tax, currency)}`).join(', ');
}

function SalesReport({ report }: { report: Report<'sales', SalesFigures> }) {
  const m = (value: number) => money(value, report.currency);
  const rows: (SalesFigures & { date: string })[] = [...report.days, { ...report.totals, date: 'Total' }];
  const columns: Column<SalesFigures & { date: string }>[] = [
    { header: 'Day', cell: (row) => row.date },
    { header: 'Orders', cell: (row) => row.orders, numeric: true },
    { header: 'Gross', cell: (row) => m(row.gross), numeric: true },
    { header: 'Discounts', cell: (row) => m(row.discounts), numeric: true },
    { header: 'Net', cell: (row) => m(row.net), numeric: true },
    { header: 'Tax', cell: (row) => m(row.tax), numeric: true },
    { header: 'Fees', cell: (row) => m(row.fees), numeric: true },
    { header: 'Fees tax', cell: (row) => m(row.feesTax), numeric: true },
    { header: 'Tax by rate', cell: (row) => ratesText(row.taxByRate, report.currency) },
  ];
  return (
    <>
      <Chart
        title="Net sales per day"
        labels={report.days.map((d) => d.date)}
        series={[{ name: 'Net sales', values: report.days.map((d) => d.net) }]}
        format={m}
        shortLabel={shortDay}
      />
      <DataTable caption="Sales per day" columns={columns} rows={rows} rowKey={(row) => row.date} />
    </>
  );
}

function RefundsReport({ report }: { report: Report<'refunds', RefundFigures> }) {
  const m = (value: number) => money(value, report.currency);
  const rows: (RefundFigures & { date: string })[] = [...report.days, { ...report.totals, date: 'Total' }];
  const columns: Column<RefundFigures & { date: string }>[] = [
    { header: 'Day', cell: (row) => row.date },
    { header: 'Refunds', cell: (row) => row.refunds, numeric: true },
    { header: 'Amount', cell: (row) => m(row.amount), numeric: true },
    { header: 'Tax', cell: (row) => m(row.tax), numeric: true },
    { header: 'Tax by rate', cell: (row) => ratesText(row.taxByRate, report.currency) },
  ];
  return (
    <>
      <Chart
        title="Refunds per day"
        labels={report.days.map((d) => d.date)}
        series={[{ name: 'Refunds', values: report.days.map((d) => d.amount) }]}
        format={m}
        shortLabel={shortDay}
      />
      <DataTable caption="Refunds per day" columns={columns} rows={rows} rowKey={(row) => row.date} />
    </>
  );
}

function TaxReport({ report }: { report: Report<'tax', TaxFigures> }) {
  const m = (value: number) => money(value, report.currency);
  const rows = [
    ...report.days.flatMap((day) => day.rows.map((row) => ({ ...row, date: day.date }))),
    ...report.totals.rows.map((row) => ({ ...row, date: 'Total' })),
  ];
  const columns: Column<TaxRow & { date: string }>[] = [
    { header: 'Day', cell: (row) => row.date },
    { header: 'Jurisdiction', cell: (row) => row.jurisdiction },
    { header: 'Rate', cell: (row) => formatRate(row.rateBasisPoints) },
    { header: 'Sales net', cell: (row) => m(row.salesNet), numeric: true },
    { header: 'Sales tax', cell: (row) => m(row.salesTax), numeric: true },
    { header: 'Refunds net', cell: (row) => m(row.refundNet), numeric: true },
    { header: 'Refunds tax', cell: (row) => m(row.refundTax), numeric: true },
    { header: 'Net tax', cell: (row) => m(row.netTax), numeric: true },
  ];
  return (
    <>
      <Chart
        title="Net tax per day"
        kind="line"
        labels={report.days.map((d) => d.date)}
        series={[{ name: 'Net tax', values: report.days.map((d) => d.rows.reduce((sum, row) => sum + row.netTax, 0)) }]}
        format={m}
        shortLabel={shortDay}
      />
      <DataTable
        caption="Tax by jurisdiction and rate"
        columns={columns}
        rows={rows}
        rowKey={(row) => `${row.date}/${row.jurisdiction}/${row.rateBasisPoints ?? 'fees'}`}
        empty="No sales or refunds in this range."
      />
    </>
  );
}

function ReconciliationView({ day }: { day: string }) {
  const valid = DAY.test(day);
  const report = useLoad(() => (valid ? api.get<Reconciliation>('/reports/reconciliation', { query: { date: day } }) : Promise.resolve(undefined)), [day]);
  if (!valid) return <div role="alert" class="message error">Day must be a day (yyyy-mm-dd).</div>;
  const value = report.value;
  if (report.loading && !value) return <p class="loading">Loading…</p>;
  if (!value || value.date !== day) return <ErrorMessage error={report.error} />;
  const kinds = Object.entries(value.counts).filter(([, count]) => count > 0);
  type Totals = Reconciliation['totals'][number];
  const totalsColumns: Column<Totals>[] = [
    { header: 'Currency', cell: (row) => row.currency },
    { header: 'Books: sales', cell: (row) => `${money(row.sales.total, row.currency)} (${row.sales.count})`, numeric: true },
    { header: 'Books: refunds', cell: (row) => `${money(row.refunds.amount, row.currency)} (${row.refunds.count})`, numeric: true },
    { header: 'Billing: invoiced', cell: (row) => `${money(row.invoiced.total, row.currency)} (${row.invoiced.count})`, numeric: true },
    { header: 'Billing: credited', cell: (row) => `${money(row.credited.amount, row.currency)} (${row.credited.count})`, numeric: true },
    { header: 'Gateway: captured', cell: (row) => `${money(row.gateway.captured.amount, row.currency)} (${row.gateway.captured.count})`, numeric: true },
    { header: 'Gateway: refunded', cell: (row) => `${money(row.gateway.refunded.amount, row.currency)} (${row.gateway.refunded.count})`, numeric: true },
  ];
  type Order = Reconciliation['orders'][number];
  const orderColumns: Column<Order>[] = [
    { header: 'Order', cell: (row) => <code>{row.orderId}</code> },
    { header: 'Books: sold', cell: (row) => money(row.ours.sold, row.currency), numeric: true },
    { header: 'Books: refunded', cell: (row) => money(row.ours.refunded, row.currency), numeric: true },
    { header: 'Billing: invoiced', cell: (row) => money(row.billing.invoiced, row.currency), numeric: true },
    { header: 'Billing: credited', cell: (row) => money(row.billing.credited, row.currency), numeric: true },
    { header: 'Gateway: captured', cell: (row) => money(row.gateway.captured, row.currency), numeric: true },
    { header: 'Gateway: refunded', cell: (row) => money(row.gateway.refunded, row.currency), numeric: true },
  ];
  return (
    <div class="report">
      <p class="report-meta">
        Reconciled {formatTime(value.generatedAt)}: {value.discrepancies} {value.discrepancies === 1 ? 'discrepancy' : 'discrepancies'}.
      </p>
      {kinds.length > 0 ? (
        <DataTable
          caption="Discrepancies by kind"
          columns={[
            { header: 'Kind', cell: ([kind]) => kind },
            { header: 'Count', cell: ([, count]) => count, numeric: true },
          ]}
          rows={kinds}
          rowKey={([kind]) => kind}
        />
      ) : null}
      <DataTable caption="Totals of the three sides" columns={totalsColumns} rows={value.totals} rowKey={(row) => row.currency} empty="Nothing was sold, refunded, invoiced or charged that day." />
      <DataTable caption="Discrepant orders, three sides" columns={orderColumns} rows={value.orders} rowKey={(row) => row.orderId} empty="No discrepant orders." />
      {value.ordersOmitted > 0 ? <p>{value.ordersOmitted} more orders are in the full report files.</p> : null}
    </div>
  );
}
