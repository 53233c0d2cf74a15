import htm from 'htm';
import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { compareValues, count, when } from './format.js';

export const html = htm.bind(h);

/** Every figure says the log position it was computed at. */
export function Position({ position, label = 'computed at log position' }) {
  if (position === null || position === undefined) return null;
  return html`<p class="position" data-position=${position}>${label} <strong>${count(position)}</strong></p>`;
}

export function Time({ iso }) {
  const shown = when(iso);
  return shown.iso ? html`<time datetime=${shown.iso} title=${shown.title}>${shown.text}</time>` : '–';
}

export function ErrorText({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.message ?? String(error)}</p>`;
}

export function Hash({ value }) {
  if (!value) return '–';
  return html`<span class="hash" title=${value}>${value.slice(0, 12)}…</span>`;
}

/**
 * A table that sorts by any column (a button in each header, aria-sort says the order) and keeps
 * a footer. Columns: { key, label, num?, render?(row), value?(row) }.
 */
export function SortableTable({ caption, columns, rows, footer, rowKey, initialSort }) {
  const [sort, setSort] = useState(initialSort ?? { key: columns[0].key, direction: 'ascending' });
  const sorted = useMemo(() => {
    const column = columns.find((c) => c.key === sort.key) ?? columns[0];
    const value = column.value ?? ((row) => row[column.key]);
    const ordered = [...rows].sort((a, b) => compareValues(value(a), value(b)));
    return sort.direction === 'descending' ? ordered.reverse() : ordered;
  }, [rows, sort, columns]);
  const toggle = (key) =>
    setSort((current) => ({
      key,
      direction: current.key === key && current.direction === 'ascending' ? 'descending' : 'ascending',
    }));
  return html`<div class="table-wrap">
    <table>
      <caption>${caption}</caption>
      <thead>
        <tr>
          ${columns.map(
            (
              column,
            ) => html`<th scope="col" class=${column.num ? 'num' : ''} aria-sort=${sort.key === column.key ? sort.direction : 'none'}>
              <button type="button" class="sort" onClick=${() => toggle(column.key)}>
                ${column.label}${sort.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}
              </button>
            </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${sorted.map(
          (row) => html`<tr key=${rowKey(row)} data-key=${rowKey(row)}>
            ${columns.map((column) => html`<td class=${column.num ? 'num' : ''} data-column=${column.key}>${column.render ? column.render(row) : row[column.key]}</td>`)}
          </tr>`,
        )}
        ${sorted.length === 0 ? html`<tr><td colspan=${columns.length}>Nothing matches.</td></tr>` : null}
      </tbody>
      ${footer ? html`<tfoot>${footer}</tfoot>` : null}
    </table>
  </div>`;
}

let chartLibrary;

/** Chart.js (its UMD build, window.Chart), loaded the first time a chart is drawn: tables first. */
export function loadChartLibrary() {
  chartLibrary ??= new Promise((resolve, reject) => {
    if (window.Chart) return resolve(window.Chart);
    const script = document.createElement('script');
    script.src = '/console/vendor/chart.umd.min.js';
    script.onload = () => resolve(window.Chart);
    script.onerror = () => reject(new Error('Chart.js could not be loaded'));
    document.head.append(script);
  });
  return chartLibrary;
}

/**
 * A Chart.js chart on a canvas with a text label; the data is also in a table under a disclosure
 * for screen readers and for copying. The canvas says data-ready while its chart is drawn with the current data.
 */
export function ChartBox({ id, label, config, className = 'chart', height, table, mark }) {
  const canvas = useRef(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    let chart;
    let live = true;
    loadChartLibrary().then(
      (Chart) => {
        if (!live || !canvas.current) return;
        chart = new Chart(canvas.current, config);
        canvas.current.dataset.ready = 'true';
        // For bench/console.ts: when the first chart of a kind (`mark`) was drawn.
        if (mark && performance.getEntriesByName(mark).length === 0) {
          requestAnimationFrame(() => performance.mark(mark));
        }
      },
      (failure) => live && setError(failure),
    );
    const element = canvas.current;
    return () => {
      live = false;
      chart?.destroy();
      // Ready again only once the new data is drawn: a test waiting for data-ready reads the new chart.
      if (element) delete element.dataset.ready;
    };
  }, [config]);
  return html`<figure class="chart-figure">
    <div class=${className} style=${height ? { height: `${height}px` } : undefined}><canvas id=${id} ref=${canvas} role="img" aria-label=${label}></canvas></div>
    <figcaption class="sr-only">${label}</figcaption>
    <${ErrorText} error=${error} />
    ${table ? html`<details><summary>${label}: the figures</summary>${table}</details>` : null}
  </figure>`;
}

/** Hash-route parameters: `#/cdrs?partner=DE*ABC` → { partner: 'DE*ABC' }. */
export function routeParams(hash) {
  const query = hash.split('?')[1] ?? '';
  return Object.fromEntries(new URLSearchParams(query));
}

export function routeTo(path, params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null),
  ).toString();
  return `#${path}${query ? `?${query}` : ''}`;
}
