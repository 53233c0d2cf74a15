import { useEffect, useMemo, useState } from 'preact/hooks';
import { download, getJson, keys } from './api.js';
import { ageText, compareValues, count, money, quantity, sumDecimals } from './format.js';
import { ChartBox, ErrorText, Hash, html, Position, routeTo, SortableTable, Time } from './widgets.js';

const PALETTE = ['#0b5cad', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#5c677d'];
const TOP_PARTNERS = 5;
/** Bars in the top-partners chart of a month. */
const TOP_PARTNERS_RANKED = 10;
// The finding codes /finance/cdrs filters on: the ledger's (LEDGER_FINDINGS), the pricing check's,
// the tokens register's authorization findings (AUTHORIZATION_FINDINGS), and the commonest the
// CDRs module records on receipt (CdrFindingCode in libs/cdrs).
const CDR_FINDINGS = [
  'cdr_without_session',
  'credit_without_original',
  'credited_more_than_once',
  'cdr_cost_mismatch',
  'token_blocked_at_start',
  'unknown_authorization_reference',
  'no_session_id',
  'session_unknown',
  'token_not_ours',
  'token_not_verified',
  'token_differs_from_session',
  'total_energy_mismatch',
  'cost_components_do_not_add_up',
  'negative_energy',
  'energy_implausible',
  'duration_implausible',
];

function thisMonth() {
  return new Date().toISOString().slice(0, 7);
}

function monthsBefore(month, n) {
  const [year, m] = month.split('-').map(Number);
  const months = [];
  for (let i = n - 1; i >= 0; i--) {
    const date = new Date(Date.UTC(year, m - 1 - i, 1));
    months.push(date.toISOString().slice(0, 7));
  }
  return months;
}

/** A chart's bar height: the one place a decimal string becomes a number. */
const chartValue = (text) => (text === null || text === undefined ? 0 : Number(text));

function useLoad(load, deps) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true, error: undefined }));
    load().then(
      (data) => live && setState({ loading: false, data }),
      (error) => live && setState({ loading: false, error }),
    );
    return () => {
      live = false;
    };
  }, deps);
  return state;
}

// ---------------------------------------------------------------- statements

export function StatementsPage({ params, navigate }) {
  const month = /^\d{4}-\d{2}$/.test(params.month ?? '') ? params.month : thisMonth();
  const partner = params.partner ?? '';
  const currency = params.currency ?? '';
  const [search, setSearch] = useState('');
  const months = useMemo(() => monthsBefore(month, 6), [month]);
  // The month first (the table), then the five before it (the charts).
  const state = useLoad(() => getJson('finance', `/finance/statements?month=${month}`), [month]);
  const trend = useLoad(
    () => Promise.all(months.slice(0, -1).map((m) => getJson('finance', `/finance/statements?month=${m}`))),
    [months.join()],
  );
  const current = state.data;
  // One array per answer, not per render: the charts are redrawn only when their data changes.
  const statements = useMemo(
    () => (current && trend.data ? [...trend.data, current] : current ? [current] : []),
    [current, trend.data],
  );
  const all = current?.items ?? [];
  const partners = [...new Set(statements.flatMap((s) => s.items.map((i) => i.partner)))].sort();
  const currencies = [...new Set(statements.flatMap((s) => s.items.map((i) => i.currency)))].sort();
  const rows = all.filter(
    (row) =>
      (!partner || row.partner === partner) &&
      (!currency || row.currency === currency) &&
      (!search || `${row.partner} ${row.currency}`.toLowerCase().includes(search.toLowerCase())),
  );
  const chartCurrency = currency || mostUsedCurrency(all) || currencies[0];
  const set = (change) => navigate(routeTo('/statements', { month, partner, currency, ...change }));
  // For bench/console.ts: when the figures first stood on screen.
  useEffect(() => {
    if (current && performance.getEntriesByName('roamledger:statements').length === 0) {
      requestAnimationFrame(() => performance.mark('roamledger:statements'));
    }
  }, [current]);

  return html`<section class="panel" aria-labelledby="statements-title">
      <h2 id="statements-title">Partner statements</h2>
      <form class="filters" onSubmit=${(e) => e.preventDefault()}>
        <label>Month<input type="month" name="month" value=${month} onChange=${(e) => e.target.value && set({ month: e.target.value })} /></label>
        <label>Partner
          <select name="partner" value=${partner} onChange=${(e) => set({ partner: e.target.value })}>
            <option value="">All partners</option>
            ${partners.map((p) => html`<option value=${p}>${p}</option>`)}
          </select>
        </label>
        <label>Currency
          <select name="currency" value=${currency} onChange=${(e) => set({ currency: e.target.value })}>
            <option value="">All currencies</option>
            ${currencies.map((c) => html`<option value=${c}>${c}</option>`)}
          </select>
        </label>
        <label>Filter rows<input type="search" name="search" value=${search} onInput=${(e) => setSearch(e.target.value)} /></label>
      </form>
      ${state.loading && !current ? html`<p aria-live="polite">Loading statements…</p>` : null}
      <${ErrorText} error=${state.error} />
      ${
        current
          ? html`<p>${current.month}: from <${Time} iso=${current.from} /> to <${Time} iso=${current.to} /> (billing time zone ${current.time_zone}); credits are netted out.</p>
            <${StatementTable} rows=${rows} />
            <${Position} position=${current.position} />`
          : null
      }
    </section>
    ${
      // Drawn with the month-over-month charts: Chart.js (205 kB) loads after the table's first paint.
      current && chartCurrency && !trend.loading
        ? html`<section class="panel" aria-labelledby="top-title">
            <h2 id="top-title">Top partners of ${month} (${chartCurrency})</h2>
            <${TopPartnersChart} statement=${current} partner=${partner} currency=${chartCurrency} />
            <${Position} position=${current.position} label="chart computed at log position" />
          </section>`
        : null
    }
    ${
      current
        ? html`<section class="panel" aria-labelledby="trend-title">
            <h2 id="trend-title">Month over month (${months[0]} to ${month})</h2>
            <${ErrorText} error=${trend.error} />
            ${
              trend.data
                ? html`<${StatementCharts} statements=${statements} partner=${partner} currency=${chartCurrency} />`
                : html`<p aria-live="polite">Loading the months before…</p>`
            }
            <${Position} position=${current.position} label="charts computed at log position" />
          </section>`
        : null
    }`;
}

function mostUsedCurrency(rows) {
  const counts = new Map();
  for (const row of rows) counts.set(row.currency, (counts.get(row.currency) ?? 0) + row.cdr_count);
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function StatementTable({ rows }) {
  const columns = [
    { key: 'partner', label: 'Partner' },
    { key: 'currency', label: 'Currency' },
    {
      key: 'session_count',
      label: 'Sessions',
      num: true,
      render: (r) =>
        html`<span title="Sessions these CDRs bill, each once, in the statement of its first CDR">${count(r.session_count)}</span>`,
    },
    { key: 'cdr_count', label: 'CDRs', num: true, render: (r) => count(r.cdr_count) },
    { key: 'credit_count', label: 'Credits', num: true, render: (r) => count(r.credit_count) },
    { key: 'energy_kwh', label: 'Energy (kWh)', num: true, render: (r) => quantity(r.energy_kwh) },
    { key: 'amount_excl_vat', label: 'Amount excl. VAT', num: true, render: (r) => money(r.amount_excl_vat, r.currency) },
    {
      key: 'amount_incl_vat',
      label: 'Amount incl. VAT',
      num: true,
      render: (r) =>
        html`${money(r.amount_incl_vat, r.currency)}${r.incl_vat_missing ? html` <span class="tag" title="CDRs without an amount incl. VAT">${r.incl_vat_missing} without</span>` : ''}`,
    },
    {
      key: 'disputed_excl_vat',
      label: 'Disputed excl. VAT',
      num: true,
      render: (r) =>
        r.disputed_cdr_count
          ? html`<a href=${routeTo('/cdrs', { partner: r.partner, currency: r.currency, month: r.month, finding: 'cdr_cost_mismatch' })}
              title="CDRs whose total_cost differs from their tariff's price">${money(r.disputed_excl_vat, r.currency)} (${count(r.disputed_cdr_count)})</a>`
          : money(r.disputed_excl_vat ?? '0', r.currency),
    },
    {
      key: 'cdrs',
      label: 'CDRs',
      value: (r) => r.partner,
      render: (r) =>
        html`<a href=${routeTo('/cdrs', { partner: r.partner, currency: r.currency, month: r.month })}>Show CDRs</a>`,
    },
    { key: 'position', label: 'Position', num: true, render: (r) => count(r.position) },
  ];
  const byCurrency = [...new Set(rows.map((r) => r.currency))].sort();
  const footer = byCurrency.map((c) => {
    const of = rows.filter((r) => r.currency === c);
    return html`<tr data-total=${c}>
      <td>Total</td><td>${c}</td>
      <td class="num" data-column="session_count">${count(of.reduce((n, r) => n + r.session_count, 0))}</td>
      <td class="num" data-column="cdr_count">${count(of.reduce((n, r) => n + r.cdr_count, 0))}</td>
      <td class="num" data-column="credit_count">${count(of.reduce((n, r) => n + r.credit_count, 0))}</td>
      <td class="num" data-column="energy_kwh">${quantity(sumDecimals(of.map((r) => r.energy_kwh)))}</td>
      <td class="num" data-column="amount_excl_vat">${money(sumDecimals(of.map((r) => r.amount_excl_vat)), c)}</td>
      <td class="num" data-column="amount_incl_vat">${money(sumDecimals(of.map((r) => r.amount_incl_vat)), c)}</td>
      <td class="num" data-column="disputed_excl_vat">${money(sumDecimals(of.map((r) => r.disputed_excl_vat ?? '0')), c)}</td>
      <td></td><td></td>
    </tr>`;
  });
  return html`<${SortableTable}
    caption="Statement per partner and currency"
    columns=${columns}
    rows=${rows}
    rowKey=${(r) => `${r.partner}/${r.currency}`}
    footer=${footer}
  />`;
}

function StatementCharts({ statements, partner, currency }) {
  const months = statements.map((s) => s.month);
  const configs = useMemo(() => {
    const items = statements.flatMap((s) => s.items).filter((i) => !partner || i.partner === partner);
    // Top partners by this month's amount in the chart currency; the rest in one series.
    const latest = statements[statements.length - 1].items.filter((i) => i.currency === currency);
    const ranked = [...new Set(items.map((i) => i.partner))].sort(
      (a, b) =>
        chartValue(latest.find((i) => i.partner === b)?.amount_excl_vat) -
          chartValue(latest.find((i) => i.partner === a)?.amount_excl_vat) || a.localeCompare(b),
    );
    const top = ranked.slice(0, TOP_PARTNERS);
    const seriesOf = (p) => (top.includes(p) ? p : 'Other partners');
    const series = [...top, ...(ranked.length > TOP_PARTNERS ? ['Other partners'] : [])];
    const dataset = (pick, filter) =>
      series.map((name, index) => ({
        label: name,
        backgroundColor: PALETTE[index % PALETTE.length],
        data: months.map((m) =>
          items
            .filter((i) => i.month === m && seriesOf(i.partner) === name && filter(i))
            .reduce((n, i) => n + chartValue(pick(i)), 0),
        ),
      }));
    const options = (title) => ({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { title: { display: true, text: title }, legend: { position: 'bottom' } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
    });
    return {
      energy: {
        type: 'bar',
        data: {
          labels: months,
          datasets: dataset(
            (i) => i.energy_kwh,
            () => true,
          ),
        },
        options: options('Energy per partner (kWh)'),
      },
      amount: {
        type: 'bar',
        data: {
          labels: months,
          datasets: dataset(
            (i) => i.amount_excl_vat,
            (i) => i.currency === currency,
          ),
        },
        options: options(`Amount excl. VAT per partner (${currency})`),
      },
    };
  }, [statements, partner, currency]);
  const figures = (config, unit) => html`<table>
    <thead><tr><th scope="col">Partner</th>${months.map((m) => html`<th scope="col" class="num">${m}</th>`)}</tr></thead>
    <tbody>${config.data.datasets.map((d) => html`<tr><th scope="row">${d.label}</th>${d.data.map((v) => html`<td class="num">${unit(v)}</td>`)}</tr>`)}</tbody>
  </table>`;
  return html`<div class="charts">
    <${ChartBox} id="chart-energy" mark="roamledger:charts" label="Energy per partner and month, stacked" config=${configs.energy} table=${figures(configs.energy, (v) => `${v} kWh`)} />
    <${ChartBox} id="chart-amount" mark="roamledger:charts" label=${`Amount excl. VAT per partner and month in ${currency}, stacked`} config=${configs.amount} table=${figures(configs.amount, (v) => `${v} ${currency}`)} />
  </div>
  <p class="position">Chart heights are numbers (a bar cannot be a decimal string); every amount shown as text is the API's exact decimal.</p>`;
}

/**
 * The month's partners ranked by amount excl. VAT in one currency (amounts in different
 * currencies do not add up), the first TOP_PARTNERS_RANKED as horizontal bars. Ranked on the
 * decimal strings, so the order never depends on a float.
 */
function TopPartnersChart({ statement, partner, currency }) {
  const ranked = useMemo(
    () =>
      statement.items
        .filter((i) => i.currency === currency && (!partner || i.partner === partner))
        .sort((a, b) => compareValues(b.amount_excl_vat, a.amount_excl_vat) || a.partner.localeCompare(b.partner))
        .slice(0, TOP_PARTNERS_RANKED),
    [statement, partner, currency],
  );
  const config = useMemo(
    () => ({
      type: 'bar',
      data: {
        labels: ranked.map((i) => i.partner),
        datasets: [
          {
            label: `Amount excl. VAT (${currency})`,
            backgroundColor: PALETTE[0],
            data: ranked.map((i) => chartValue(i.amount_excl_vat)),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          title: {
            display: true,
            text: `Top ${TOP_PARTNERS_RANKED} partners by amount excl. VAT, ${statement.month} (${currency})`,
          },
          legend: { display: false },
        },
        scales: { x: { beginAtZero: true } },
      },
    }),
    [ranked, currency, statement.month],
  );
  if (ranked.length === 0) return html`<p>No statement in ${currency} this month.</p>`;
  const table = html`<table>
    <thead><tr><th scope="col">Partner</th><th scope="col" class="num">Amount excl. VAT</th><th scope="col" class="num">CDRs</th></tr></thead>
    <tbody>${ranked.map((i) => html`<tr><th scope="row">${i.partner}</th><td class="num">${money(i.amount_excl_vat, currency)}</td><td class="num">${count(i.cdr_count)}</td></tr>`)}</tbody>
  </table>`;
  // A bar's height whatever the number of partners (set through the DOM, which the CSP allows).
  return html`<${ChartBox} id="chart-top" height=${90 + 36 * ranked.length} label=${`Top partners of ${statement.month} by amount excl. VAT in ${currency}`} config=${config} table=${table} />`;
}

// ---------------------------------------------------------------- CDR and session search

export function SearchPage({ params, navigate }) {
  const kind = params.kind === 'sessions' ? 'sessions' : 'cdrs';
  const query = { ...params };
  delete query.kind;
  // A month link from the statements page: the month's dates.
  if (query.month && !query.from && !query.to) {
    query.from = `${query.month}-01`;
    query.to = `${nextMonth(query.month)}-01`;
  }
  delete query.month;
  // The cursors of the pages seen, for this search only: a new search starts at page 1.
  const searchKey = `${kind}?${new URLSearchParams(query)}`;
  const [paging, setPaging] = useState({ searchKey, cursors: [null] });
  const cursors = paging.searchKey === searchKey ? paging.cursors : [null];
  const setCursors = (next) => setPaging({ searchKey, cursors: next });
  const cursor = cursors[cursors.length - 1];
  const apiQuery = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== ''));
  if (!apiQuery.has('limit')) apiQuery.set('limit', '50');
  if (cursor) apiQuery.set('cursor', cursor);
  const state = useLoad(() => getJson('finance', `/finance/${kind}?${apiQuery}`), [kind, apiQuery.toString()]);
  const submit = (event) => {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.target));
    if (kind === 'sessions') form.cdr_overdue = form.cdr_overdue ? 'true' : '';
    navigate(routeTo('/cdrs', { kind, ...form }));
  };
  const page = state.data;
  return html`<section class="panel" aria-labelledby="search-title">
    <h2 id="search-title">${kind === 'cdrs' ? 'CDRs' : 'Sessions'}</h2>
    <p role="tablist" class="row">
      <a role="tab" aria-selected=${kind === 'cdrs'} href=${routeTo('/cdrs', { kind: 'cdrs' })}>CDRs</a>
      <a role="tab" aria-selected=${kind === 'sessions'} href=${routeTo('/cdrs', { kind: 'sessions' })}>Sessions</a>
    </p>
    <form class="filters" onSubmit=${submit} key=${kind}>
      <label>Partner<input name="partner" placeholder="DE*ABC" value=${query.partner ?? ''} pattern="[A-Za-z]{2}\\*[A-Za-z0-9]{3}" /></label>
      ${
        kind === 'cdrs'
          ? html`<label>From (end time)<input type="date" name="from" value=${(query.from ?? '').slice(0, 10)} /></label>
            <label>To (exclusive)<input type="date" name="to" value=${(query.to ?? '').slice(0, 10)} /></label>
            <label>Currency<input name="currency" size="4" value=${query.currency ?? ''} pattern="[A-Za-z]{3}" /></label>
            <label>Contract id<input name="contract_id" value=${query.contract_id ?? ''} /></label>
            <label>Token uid<input name="token_uid" value=${query.token_uid ?? ''} /></label>
            <label>Location id<input name="location_id" value=${query.location_id ?? ''} /></label>
            <label>Finding
              <select name="finding" value=${query.finding ?? ''}>
                <option value="">Any</option>
                ${CDR_FINDINGS.map((f) => html`<option value=${f}>${f.replaceAll('_', ' ')}</option>`)}
              </select>
            </label>
            <label>Credit
              <select name="credit" value=${query.credit ?? ''}>
                <option value="">CDRs and credits</option><option value="false">CDRs only</option><option value="true">Credits only</option>
              </select>
            </label>`
          : html`<label>Status
              <select name="status" value=${query.status ?? ''}>
                <option value="">Any</option>
                ${['PENDING', 'ACTIVE', 'COMPLETED', 'INVALID', 'RESERVATION'].map((s) => html`<option value=${s}>${s}</option>`)}
              </select>
            </label>
            <label class="inline"><input type="checkbox" name="cdr_overdue" value="true" checked=${query.cdr_overdue === 'true'} /> CDR overdue</label>`
      }
      <button type="submit">Search</button>
    </form>
    <${ErrorText} error=${state.error} />
    ${page ? (kind === 'cdrs' ? html`<${CdrTable} items=${page.items} />` : html`<${SessionTable} items=${page.items} />`) : null}
    <div class="pager">
      <button type="button" class="secondary" disabled=${cursors.length < 2} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous page</button>
      <span>Page ${cursors.length}</span>
      <button type="button" class="secondary" disabled=${!page?.next_cursor} onClick=${() => setCursors([...cursors, page.next_cursor])}>Next page</button>
      ${state.loading ? html`<span aria-live="polite">Loading…</span>` : null}
    </div>
    <${Position} position=${page?.position} />
  </section>`;
}

function nextMonth(month) {
  const [year, m] = month.split('-').map(Number);
  return new Date(Date.UTC(year, m, 1)).toISOString().slice(0, 7);
}

function Findings({ list }) {
  return (list ?? []).map((f) => html`<span class="tag">${f.replaceAll('_', ' ')}</span>`);
}

function CdrTable({ items }) {
  const columns = [
    {
      key: 'cdr_id',
      label: 'CDR',
      render: (r) =>
        html`<a href=${`#/cdr/${encodeURIComponent(r.country_code)}/${encodeURIComponent(r.party_id)}/${encodeURIComponent(r.cdr_id)}`}>${r.cdr_id}</a>`,
    },
    { key: 'partner', label: 'Partner' },
    { key: 'end_date_time', label: 'Ended', render: (r) => html`<${Time} iso=${r.end_date_time} />` },
    { key: 'contract_id', label: 'Contract' },
    { key: 'location_id', label: 'Location' },
    { key: 'energy_kwh', label: 'kWh', num: true, render: (r) => quantity(r.energy_kwh) },
    { key: 'amount_excl_vat', label: 'Excl. VAT', num: true, render: (r) => money(r.amount_excl_vat, r.currency) },
    { key: 'amount_incl_vat', label: 'Incl. VAT', num: true, render: (r) => money(r.amount_incl_vat, r.currency) },
    {
      key: 'findings',
      label: 'Findings',
      value: (r) => r.findings.join(),
      render: (r) => html`${r.credit ? html`<span class="tag">credit</span>` : ''}<${Findings} list=${r.findings} />`,
    },
    { key: 'position', label: 'Position', num: true, render: (r) => count(r.position) },
  ];
  return html`<${SortableTable}
    caption="CDRs on this page (sorting sorts this page; the filters run on the server)"
    columns=${columns}
    rows=${items}
    rowKey=${(r) => `${r.partner}/${r.cdr_id}`}
    initialSort=${{ key: 'end_date_time', direction: 'ascending' }}
  />`;
}

function SessionTable({ items }) {
  const columns = [
    { key: 'session_id', label: 'Session' },
    { key: 'partner', label: 'Partner' },
    { key: 'status', label: 'Status' },
    { key: 'start_date_time', label: 'Started', render: (r) => html`<${Time} iso=${r.start_date_time} />` },
    { key: 'end_date_time', label: 'Ended', render: (r) => html`<${Time} iso=${r.end_date_time} />` },
    { key: 'energy_kwh', label: 'kWh', num: true, render: (r) => quantity(r.energy_kwh) },
    { key: 'cost_excl_vat', label: 'Cost excl. VAT', num: true, render: (r) => money(r.cost_excl_vat, r.currency) },
    {
      key: 'cdr_ids',
      label: 'CDRs',
      value: (r) => r.cdr_ids.join(),
      render: (r) =>
        r.cdr_ids.map((id) => html`<a href=${`#/cdr/${r.country_code}/${r.party_id}/${encodeURIComponent(id)}`}>${id}</a> `),
    },
    {
      key: 'findings',
      label: 'Findings',
      value: (r) => r.findings.join(),
      render: (r) => html`<${Findings} list=${r.findings} />`,
    },
    { key: 'position', label: 'Position', num: true, render: (r) => count(r.position) },
  ];
  return html`<${SortableTable}
    caption="Sessions on this page"
    columns=${columns}
    rows=${items}
    rowKey=${(r) => `${r.partner}/${r.session_id}`}
    initialSort=${{ key: 'start_date_time', direction: 'ascending' }}
  />`;
}

// ---------------------------------------------------------------- one CDR

export function CdrPage({ path }) {
  const [, , countryCode, partyId, cdrId] = path.split('/').map(decodeURIComponent);
  const url = `/finance/cdrs/${encodeURIComponent(countryCode)}/${encodeURIComponent(partyId)}/${encodeURIComponent(cdrId)}`;
  const state = useLoad(() => getJson('finance', url), [url]);
  const detail = state.data;
  const stream = detail?.cdr.stream;
  const chain = useLoad(
    () => (keys().audit && stream ? getJson('audit', `/audit/streams/${encodeURIComponent(stream)}`) : Promise.resolve(null)),
    [stream],
  );
  if (state.error) return html`<section class="panel"><h2>CDR ${cdrId}</h2><${ErrorText} error=${state.error} /></section>`;
  if (!detail) return html`<section class="panel"><h2>CDR ${cdrId}</h2><p aria-live="polite">Loading…</p></section>`;
  const cdr = detail.cdr;
  const received = detail.events.find((e) => e.type === 'CdrReceived' || e.type === 'CreditCdrReceived');
  const ocpi = received?.data?.cdr;
  return html`<section class="panel" aria-labelledby="cdr-title">
      <h2 id="cdr-title">CDR ${cdr.cdr_id} <small>(${cdr.partner}${cdr.credit ? ', credit' : ''})</small></h2>
      <dl class="facts">
        <dt>Session</dt><dd>${cdr.session_id ?? '–'}</dd>
        <dt>Contract</dt><dd>${cdr.contract_id} (${cdr.token_type} ${cdr.token_uid})</dd>
        <dt>Location</dt><dd>${cdr.location_id} / ${cdr.evse_uid} / ${cdr.connector_id}</dd>
        <dt>Period</dt><dd><${Time} iso=${cdr.start_date_time} /> to <${Time} iso=${cdr.end_date_time} /></dd>
        <dt>Energy</dt><dd>${quantity(cdr.energy_kwh)} kWh, ${quantity(cdr.time_hours)} h</dd>
        <dt>Cost</dt><dd>${money(cdr.amount_excl_vat, cdr.currency)} excl. VAT, ${money(cdr.amount_incl_vat, cdr.currency)} incl. VAT</dd>
        <dt>Statement</dt><dd>${cdr.statement_month}</dd>
        <dt>Findings</dt><dd>${cdr.findings.length ? html`<${Findings} list=${cdr.findings} />` : 'none'}</dd>
        <dt>Credits</dt><dd>${detail.credits.length ? detail.credits.map((c) => html`<a href=${`#/cdr/${c.country_code}/${c.party_id}/${encodeURIComponent(c.cdr_id)}`}>${c.cdr_id}</a> (${money(c.amount_excl_vat, c.currency)}) `) : 'none'}${detail.original ? html`credits <a href=${`#/cdr/${detail.original.country_code}/${detail.original.party_id}/${encodeURIComponent(detail.original.cdr_id)}`}>${detail.original.cdr_id}</a>` : ''}</dd>
      </dl>
      <${Position} position=${detail.position} />
    </section>
    ${ocpi?.charging_periods?.length ? html`<section class="panel"><h2>Charging periods</h2><${PeriodTimeline} cdr=${ocpi} /></section>` : null}
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History: the requests and events that made it</h2>
      <${History} events=${detail.events} chain=${chain.data?.history} />
      ${chain.data ? html`<${Position} position=${chain.data.position} label="hash links checked at log position" />` : html`<p class="position">Sign in with the audit key too to see each hash link checked and download proofs.</p>`}
    </section>`;
}

function PeriodTimeline({ cdr }) {
  const periods = cdr.charging_periods;
  const end = Date.parse(cdr.end_date_time);
  const config = useMemo(() => {
    const bars = periods.map((p, i) => {
      const from = Date.parse(p.start_date_time);
      const to = i + 1 < periods.length ? Date.parse(periods[i + 1].start_date_time) : end;
      return { x: [from, to], y: `Period ${i + 1}`, dimensions: p.dimensions.map((d) => `${d.type} ${d.volume}`).join(', ') };
    });
    const timeText = (ms) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    return {
      type: 'bar',
      data: { datasets: [{ label: 'Charging periods', data: bars, backgroundColor: '#0b5cad', borderSkipped: false }] },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        parsing: { xAxisKey: 'x', yAxisKey: 'y' },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: { label: (item) => `${timeText(item.raw.x[0])}–${timeText(item.raw.x[1])}: ${item.raw.dimensions}` },
          },
        },
        scales: { x: { type: 'linear', min: Date.parse(cdr.start_date_time), max: end, ticks: { callback: timeText } } },
      },
    };
  }, [cdr]);
  const table = html`<table><thead><tr><th scope="col">Start</th><th scope="col">Dimensions</th></tr></thead><tbody>
    ${periods.map((p) => html`<tr><td><${Time} iso=${p.start_date_time} /></td><td>${p.dimensions.map((d) => `${d.type} ${d.volume}`).join(', ')}</td></tr>`)}
  </tbody></table>`;
  return html`<${ChartBox} id="chart-periods" className="chart timeline" label="Charging periods on a time line" config=${config} table=${table} />`;
}

function History({ events, chain }) {
  const links = new Map((chain ?? []).map((entry) => [entry.position, entry.chain]));
  const proof = async (position) => {
    try {
      await download('audit', `/audit/proof/${position}`, `proof-${position}.json`);
    } catch (error) {
      alert(error.message);
    }
  };
  return html`<div class="table-wrap"><table id="cdr-history">
    <caption>Events of stream ${events[0]?.stream ?? ''}, in order</caption>
    <thead><tr>
      <th scope="col" class="num">Position</th><th scope="col" class="num">Revision</th><th scope="col">Recorded</th>
      <th scope="col">Event</th><th scope="col">Request</th><th scope="col">Hash</th>${chain ? html`<th scope="col">Link</th><th scope="col">Proof</th>` : null}
    </tr></thead>
    <tbody>${events.map(
      (e) => html`<tr data-type=${e.type}>
        <td class="num">${count(e.position)}</td>
        <td class="num">${e.revision}</td>
        <td><${Time} iso=${e.recordedAt} /></td>
        <td>${e.type}${e.type === 'OcpiRequestReceived' ? html` <span class="hash">${e.data?.method} ${e.data?.url ?? e.data?.path ?? ''}</span>` : ''}</td>
        <td class="hash">${e.metadata?.requestId ?? '–'}</td>
        <td><${Hash} value=${e.hash} /></td>
        ${
          chain
            ? html`<td class=${links.get(e.position) === 'ok' ? 'ok' : 'error'}>${links.get(e.position) ?? '?'}</td>
          <td><button type="button" class="secondary" onClick=${() => proof(e.position)}>Proof of ${e.position}</button></td>`
            : null
        }
      </tr>`,
    )}</tbody>
  </table></div>`;
}

// ---------------------------------------------------------------- exports

export function ExportsPage() {
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async (event, format) => {
    const form = event.target.closest('form');
    if (!form.reportValidity()) return;
    const filters = new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ''));
    setBusy(true);
    setError(null);
    try {
      const file = await download('finance', `/finance/export/cdrs.${format}?${filters}`, `cdrs.${format}`);
      const text = await file.text();
      const lines = text.split(/\r?\n/).filter(Boolean).length;
      setResult({ ...file, rows: format === 'csv' ? lines - 1 : lines, format });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="panel" aria-labelledby="exports-title">
    <h2 id="exports-title">Exports of the CDR ledger</h2>
    <p>The finance API's CSV and NDJSON exports with these filters; each row carries the position it was last changed at.</p>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <label>Partner<input name="partner" placeholder="DE*ABC" pattern="[A-Za-z]{2}\\*[A-Za-z0-9]{3}" /></label>
      <label>From (end time)<input type="date" name="from" /></label>
      <label>To (exclusive)<input type="date" name="to" /></label>
      <label>Currency<input name="currency" size="4" pattern="[A-Za-z]{3}" /></label>
      <button type="button" disabled=${busy} onClick=${(e) => run(e, 'csv')}>Download CSV</button>
      <button type="button" disabled=${busy} onClick=${(e) => run(e, 'ndjson')}>Download NDJSON</button>
    </form>
    <${ErrorText} error=${error} />
    ${result ? html`<p role="status" id="export-result">${result.name}: ${count(result.rows)} rows, ${count(result.bytes)} bytes.</p><${Position} position=${Number(result.position)} label="exported at log position" />` : null}
  </section>`;
}

// ---------------------------------------------------------------- health

export function HealthPage() {
  const [tick, setTick] = useState(0);
  const state = useLoad(() => getJson(null, '/health', { acceptStatus: [503] }), [tick]);
  // The audit API's: asked beside /health, so it may arrive before or after it.
  const contacts = useLoad(() => (keys().audit ? getJson('audit', '/audit/partners/contacts') : Promise.resolve(null)), [tick]);
  const health = state.data;
  const checks = Object.entries(health?.checks ?? {});
  return html`<section class="panel" aria-labelledby="health-title">
    <h2 id="health-title">Health</h2>
    <button type="button" class="secondary" onClick=${() => setTick(tick + 1)}>Refresh</button>
    <${ErrorText} error=${state.error} />
    ${
      health
        ? html`<dl class="facts">
            <dt>Status</dt><dd class=${health.status === 'ok' ? 'ok' : 'warn'} id="health-status">${health.status}</dd>
            <dt>Event store</dt><dd>${health.event_store}${health.reason ? ` (${health.reason})` : ''}</dd>
          </dl>
          ${checks.map(
            ([
              name,
              report,
            ]) => html`<h3>${name}: <span class=${report.status === 'ok' ? 'ok' : 'warn'}>${report.status}</span></h3>
            ${Array.isArray(report.projections) ? html`<${ProjectionTable} projections=${report.projections} />` : html`<pre>${JSON.stringify(report, null, 2)}</pre>`}`,
          )}
          <${Position} position=${health.head_position} label="log head" />`
        : null
    }
  </section>
  <section class="panel" aria-labelledby="contacts-title">
    <h2 id="contacts-title">Last contact per partner</h2>
    <${ErrorText} error=${contacts.error} />
    ${
      contacts.data
        ? html`<${ContactTable} items=${contacts.data.items} />
          <${Position} position=${contacts.data.position} label="read at log position" />`
        : contacts.loading
          ? html`<p aria-live="polite">Loading…</p>`
          : html`<p>Sign in with the audit key too to see when each partner last called.</p>`
    }
  </section>`;
}

/** Partners and when each last called us with success (recorded at most once a minute). */
function ContactTable({ items }) {
  const columns = [
    {
      key: 'partner_id',
      label: 'Partner',
      value: (r) => r.name ?? r.partner_id,
      render: (r) => html`${r.name ?? r.partner_id}${r.parties.length ? ` (${r.parties.join(', ')})` : ''}`,
    },
    { key: 'roles', label: 'Role', value: (r) => r.roles.join(), render: (r) => r.roles.join(', ') || '–' },
    {
      key: 'status',
      label: 'Status',
      value: (r) => `${r.status}${r.suspended ? ' suspended' : ''}`,
      render: (r) =>
        html`<span class=${r.status === 'registered' && !r.suspended ? 'ok' : 'warn'}>${r.status}${r.suspended ? ', suspended' : ''}</span>`,
    },
    {
      key: 'last_contact_at',
      label: 'Last contact',
      render: (r) =>
        r.last_contact_at
          ? html`<${Time} iso=${r.last_contact_at} /> <span class="position">(position ${count(r.last_contact_position)})</span>`
          : 'never',
    },
    { key: 'age_seconds', label: 'Age', num: true, render: (r) => ageText(r.age_seconds) },
  ];
  return html`<div id="partner-contacts"><${SortableTable}
    caption="Partners by their last contact (a successful, authenticated OCPI request)"
    columns=${columns}
    rows=${items}
    rowKey=${(r) => r.partner_id}
    initialSort=${{ key: 'partner_id', direction: 'ascending' }}
  /></div>`;
}

function ProjectionTable({ projections }) {
  const columns = Object.keys(projections[0] ?? {});
  return html`<div class="table-wrap"><table>
    <caption>Projections and their lag behind the log (events)</caption>
    <thead><tr>${columns.map((c) => html`<th scope="col">${c.replaceAll('_', ' ')}</th>`)}</tr></thead>
    <tbody>${projections.map((p) => html`<tr>${columns.map((c) => html`<td>${typeof p[c] === 'object' ? JSON.stringify(p[c]) : String(p[c])}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}
