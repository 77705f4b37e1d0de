import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { TextField } from '../components/field.js';
import { formatTime } from '../components/format.js';
import { ErrorMessage, ProblemList, StatusMessage } from '../components/messages.js';
import { useAction, useLoad } from '../components/use-load.js';
import type { PageProps } from '../router.js';
import { formatRate, parseRate } from './figures.js';
import { visuallyHidden, muted } from './page-styles.js';

/**
 * `#/tax`: the tax rate table (`GET /tax-rates`) as an editable table, a row per jurisdiction and a rate per tax
 * category, saved whole with `PUT /tax-rates` under `If-Match` (the version read): someone else's save in between is
 * the API's 409, shown with a way to reload.
 */

const CATEGORIES = [
  { key: 'food', label: 'Food' },
  { key: 'non-food', label: 'Non-food' },
  { key: 'alcohol', label: 'Alcohol' },
] as const;
type Category = (typeof CATEGORIES)[number]['key'];
type Rates = Record<Category, number>;

interface TaxTable {
  rates: Record<string, Rates>;
  version: number;
  updatedAt?: string;
  updatedBy?: string;
}

/** A row as edited: the percentages as typed, checked on save. */
interface Row {
  jurisdiction: string;
  rates: Record<Category, string>;
}

const JURISDICTION = /^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$/;

function rowsOf(table: TaxTable): Row[] {
  return Object.entries(table.rates)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([jurisdiction, rates]) => ({
      jurisdiction,
      rates: { food: formatRate(rates.food).replace('%', ''), 'non-food': formatRate(rates['non-food']).replace('%', ''), alcohol: formatRate(rates.alcohol).replace('%', '') },
    }));
}

/** The table to send, or the problems that stop it (named by jurisdiction and category). */
function tableOf(rows: Row[]): { rates: Record<string, Rates> } | { problems: string[] } {
  const problems: string[] = [];
  const rates: Record<string, Rates> = {};
  for (const row of rows) {
    if (!JURISDICTION.test(row.jurisdiction)) problems.push(`“${row.jurisdiction}” is not a jurisdiction code (GB, or GB-SCT).`);
    else if (rates[row.jurisdiction]) problems.push(`${row.jurisdiction} is in the table twice.`);
    const parsed = {} as Rates;
    for (const { key, label } of CATEGORIES) {
      const value = parseRate(row.rates[key]);
      if (value === undefined) problems.push(`${row.jurisdiction} ${label}: “${row.rates[key]}” is not a percentage from 0 to 100.`);
      else parsed[key] = value;
    }
    rates[row.jurisdiction] = parsed;
  }
  if (rows.length === 0) problems.push('The table needs at least one jurisdiction.');
  return problems.length > 0 ? { problems } : { rates };
}

/** The Tax rates page. */
export default function TaxPage(_props: PageProps) {
  const table = useLoad(() => api.get<TaxTable>('/tax-rates'), []);
  const [rows, setRows] = useState<Row[]>([]);
  // The table as last read or stored: its version goes in If-Match, and the line above the table describes it.
  const [stored, setStored] = useState<TaxTable | undefined>();
  const [added, setAdded] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const save = useAction();

  useEffect(() => {
    if (!table.value) return;
    setRows(rowsOf(table.value));
    setStored(table.value);
  }, [table.value]);

  const edit = (index: number, category: Category, value: string) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, rates: { ...row.rates, [category]: value } } : row)));

  const submit = (event: Event) => {
    event.preventDefault();
    const result = tableOf(rows);
    if ('problems' in result) return setProblems(result.problems);
    setProblems([]);
    void save.run(async () => {
      const saved = await api.put<TaxTable>('/tax-rates', { body: result, headers: { 'if-match': `"${stored?.version ?? 0}"` } });
      setRows(rowsOf(saved));
      setStored(saved);
      return `Tax rates saved (version ${saved.version}). Carts price with them within a minute.`;
    });
  };

  return (
    <section class="page tax">
      <h1>Tax rates</h1>
      <ErrorMessage error={table.error} />
      {table.loading && !table.value ? <p class="loading">Loading…</p> : null}
      {stored ? (
        <p style={muted}>
          Version {stored.version}
          {stored.version === 0 ? ' (the built-in default: nothing stored yet)' : ''}
          {stored.updatedAt ? `, last changed ${formatTime(stored.updatedAt)} by ${stored.updatedBy ?? 'unknown'}` : ''}.
        </p>
      ) : null}
      {table.value ? (
        <form onSubmit={submit}>
          <table>
            <caption>Rates in percent, per jurisdiction and tax category</caption>
            <thead>
              <tr>
                <th scope="col">Jurisdiction</th>
                {CATEGORIES.map((category) => (
                  <th key={category.key} scope="col" class="numeric">
                    {category.label} (%)
                  </th>
                ))}
                <th scope="col">
                  <span style={visuallyHidden}>Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={row.jurisdiction}>
                  <th scope="row">{row.jurisdiction}</th>
                  {CATEGORIES.map((category) => {
                    const id = `rate-${row.jurisdiction}-${category.key}`;
                    return (
                      <td key={category.key} class="numeric">
                        <label for={id} style={visuallyHidden}>
                          {row.jurisdiction} {category.label} rate (%)
                        </label>
                        <input id={id} inputMode="decimal" size={6} value={row.rates[category.key]} onInput={(event) => edit(index, category.key, (event.target as HTMLInputElement).value)} />
                      </td>
                    );
                  })}
                  <td>
                    <button type="button" onClick={() => setRows(rows.filter((_, i) => i !== index))}>
                      Remove {row.jurisdiction}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="toolbar">
            <TextField label="New jurisdiction" value={added} onInput={(value) => setAdded(value.toUpperCase())} placeholder="GB-SCT" />
            <button
              type="button"
              onClick={() => {
                const code = added.trim();
                if (!JURISDICTION.test(code)) return setProblems([`“${code}” is not a jurisdiction code (GB, or GB-SCT).`]);
                if (rows.some((row) => row.jurisdiction === code)) return setProblems([`${code} is already in the table.`]);
                setProblems([]);
                setRows([...rows, { jurisdiction: code, rates: { food: '0', 'non-food': '0', alcohol: '0' } }]);
                setAdded('');
              }}
            >
              Add jurisdiction
            </button>
          </div>
          <ProblemList problems={problems} />
          <ErrorMessage error={save.error} />
          <StatusMessage>{save.message}</StatusMessage>
          <div class="actions">
            <button type="submit" class="primary" disabled={save.busy}>
              Save
            </button>
            <button type="button" onClick={table.reload} disabled={save.busy}>
              Reload
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
