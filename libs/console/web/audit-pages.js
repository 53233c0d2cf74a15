import { useEffect, useRef, useState } from 'preact/hooks';
import { download, getJson, streamLines } from './api.js';
import { ageText, count } from './format.js';
import { ErrorText, Hash, html, Position, Time } from './widgets.js';

export function AuditPage() {
  const [tick, setTick] = useState(0);
  const [head, setHead] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    getJson('audit', '/audit/head').then(setHead, setError);
  }, [tick]);
  return html`<section class="panel" aria-labelledby="head-title">
      <h2 id="head-title">Log head</h2>
      <${ErrorText} error=${error} />
      ${
        head
          ? html`<dl class="facts" id="log-head">
              <dt>Position</dt><dd>${count(head.position)}</dd>
              <dt>Event store</dt><dd>${head.event_store}</dd>
              <dt>Last seal</dt><dd>${head.last_seal ? html`#${head.last_seal.sequence} at position ${count(head.last_seal.position)}, covering ${count(head.last_seal.from_position)}–${count(head.last_seal.to_position)} (${count(head.last_seal.count)} events), root <${Hash} value=${head.last_seal.root} />` : 'none yet'}</dd>
              <dt>Seal age</dt><dd>${head.last_seal ? html`${ageText(head.last_seal.age_seconds)} (sealed <${Time} iso=${head.last_seal.sealed_at} />)` : '–'}</dd>
              <dt>Not sealed yet</dt><dd>${count(head.unsealed_positions)} positions</dd>
            </dl>
            <button type="button" class="secondary" onClick=${() => setTick(tick + 1)}>Refresh</button>
            <${Position} position=${head.position} label="read at log position" />`
          : null
      }
    </section>
    <${Verify} head=${head?.position} />
    <${Proof} head=${head?.position} />
    <${PartnerTimeline} />`;
}

function Verify({ head }) {
  const [progress, setProgress] = useState(null);
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [running, setRunning] = useState(false);
  const abort = useRef(null);
  useEffect(() => () => abort.current?.abort(), []);
  const run = async (event) => {
    event.preventDefault();
    const to = new FormData(event.target).get('to');
    abort.current = new AbortController();
    setRunning(true);
    setReport(null);
    setError(null);
    setProgress({ done: 0, fraction: 0 });
    try {
      await streamLines(
        'audit',
        `/audit/verify${to !== '' ? `?to=${encodeURIComponent(to)}` : ''}`,
        (line) => {
          if (line.progress) setProgress(line.progress);
          if (line.report) {
            setProgress({ done: line.report.events, fraction: 1 });
            setReport({ ...line.report, position: line.position });
          }
        },
        abort.current.signal,
      );
    } catch (failure) {
      if (failure.name !== 'AbortError') setError(failure);
    } finally {
      setRunning(false);
    }
  };
  return html`<section class="panel" aria-labelledby="verify-title">
    <h2 id="verify-title">Verify the log</h2>
    <p>Checks every stream's hash chain and every seal, from the start of the log up to the position given (a link is checked against the event before it, wherever that is).</p>
    <form class="filters" onSubmit=${run}>
      <label>Up to position<input type="number" name="to" min="0" placeholder=${head ?? 'head'} /></label>
      <button type="submit" disabled=${running}>Verify now</button>
      ${running ? html`<button type="button" class="secondary" onClick=${() => abort.current?.abort()}>Stop</button>` : null}
    </form>
    ${
      progress
        ? html`<label>Progress<progress id="verify-progress" max="1" value=${progress.fraction ?? 0}>${Math.floor((progress.fraction ?? 0) * 100)}%</progress></label>
          <p aria-live="polite">${count(progress.done)} events checked${running ? '…' : ''}</p>`
        : null
    }
    <${ErrorText} error=${error} />
    ${
      report
        ? html`<div id="verify-report" role="status">
            <p class=${report.ok ? 'ok' : 'error'}>${report.ok ? 'The log verifies' : `${count(report.problem_count)} problem(s)`}: ${count(report.events)} events in ${count(report.streams)} streams, ${count(report.seals)} seals${report.sealed_through !== null ? `, sealed through position ${count(report.sealed_through)}` : ''}, ${count(report.unsealed_events)} events after the last seal.</p>
            ${report.problems.length ? html`<ul>${report.problems.slice(0, 50).map((p) => html`<li>${p.kind} at position ${p.position ?? '?'} ${p.stream ?? ''}: ${p.reason}</li>`)}</ul>` : null}
            <p>Log digest to keep outside the system: ${count(report.digest.size)} events, root <span class="hash">${report.digest.root}</span></p>
            <${Position} position=${report.position} label="verified at log head" />
          </div>`
        : null
    }
  </section>`;
}

function Proof({ head }) {
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    const position = new FormData(event.target).get('position');
    setError(null);
    setResult(null);
    try {
      setResult(await download('audit', `/audit/proof/${encodeURIComponent(position)}`, `proof-${position}.json`));
    } catch (failure) {
      setError(failure);
    }
  };
  return html`<section class="panel" aria-labelledby="proof-title">
    <h2 id="proof-title">Inclusion proof</h2>
    <p>The proof that an event is in the log, as a file <code>npm run audit -- check-proof</code> checks with nothing else.</p>
    <form class="filters" onSubmit=${submit}>
      <label>Event position<input type="number" name="position" min="0" max=${head ?? undefined} required /></label>
      <button type="submit">Download proof</button>
    </form>
    <${ErrorText} error=${error} />
    ${result ? html`<p role="status">${result.name} (${count(result.bytes)} bytes) downloaded.</p>` : null}
  </section>`;
}

const TIMELINE_LABELS = {
  PartnerInvited: 'invited',
  PartnerRegistered: 'registered',
  CredentialsRotated: 'credentials rotated',
  PartnerUnregistered: 'unregistered',
  PartnerConnectionStarted: 'connection started',
  ConnectedToPartner: 'connected',
  PartnerConnectionFailed: 'connection failed',
  PartnerSuspended: 'suspended',
  PartnerResumed: 'resumed',
};

function PartnerTimeline() {
  const [items, setItems] = useState([]);
  const [next, setNext] = useState(0);
  const [position, setPosition] = useState(null);
  const [error, setError] = useState(null);
  const more = async (from) => {
    try {
      const page = await getJson('audit', `/audit/partners/timeline?from=${from}&limit=200`);
      setItems((previous) => (from === 0 ? page.items : [...previous, ...page.items]));
      setNext(page.next_from);
      setPosition(page.position);
    } catch (failure) {
      setError(failure);
    }
  };
  useEffect(() => {
    more(0);
  }, []);
  // Partner names come with the invitation: carry them to the later events.
  const names = new Map();
  for (const item of items) if (item.name) names.set(item.partner_id, `${item.name}${item.party ? ` (${item.party})` : ''}`);
  return html`<section class="panel" aria-labelledby="timeline-title">
    <h2 id="timeline-title">Partner timeline</h2>
    <${ErrorText} error=${error} />
    <div class="table-wrap"><table id="partner-timeline">
      <caption>Registrations, rotations and suspensions, in log order</caption>
      <thead><tr><th scope="col" class="num">Position</th><th scope="col">When</th><th scope="col">Partner</th><th scope="col">What</th><th scope="col">Hash</th></tr></thead>
      <tbody>${items.map(
        (item) => html`<tr data-type=${item.type}>
          <td class="num">${count(item.position)}</td>
          <td><${Time} iso=${item.recorded_at} /></td>
          <td>${names.get(item.partner_id) ?? item.partner_id}</td>
          <td>${TIMELINE_LABELS[item.type] ?? item.type}${item.reason ? `: ${item.reason}` : ''}</td>
          <td><${Hash} value=${item.hash} /></td>
        </tr>`,
      )}</tbody>
    </table></div>
    ${next !== null ? html`<button type="button" class="secondary" onClick=${() => more(next)}>Later events</button>` : null}
    <${Position} position=${position} label="read at log position" />
  </section>`;
}
