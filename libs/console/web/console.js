import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { forgetKeys, keys, keyWorks, saveKeys } from './api.js';
import { AuditPage } from './audit-pages.js';
import { CdrPage, ExportsPage, HealthPage, SearchPage, StatementsPage } from './pages.js';
import { html, routeParams } from './widgets.js';

const PAGES = [
  { path: '/statements', title: 'Statements', key: 'finance', page: StatementsPage },
  { path: '/cdrs', title: 'CDRs and sessions', key: 'finance', page: SearchPage },
  { path: '/exports', title: 'Exports', key: 'finance', page: ExportsPage },
  { path: '/audit', title: 'Audit', key: 'audit', page: AuditPage },
  { path: '/health', title: 'Health', key: null, page: HealthPage },
];

function useHash() {
  const [hash, setHash] = useState(location.hash || '#/statements');
  useEffect(() => {
    const changed = () => setHash(location.hash || '#/statements');
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function SignIn({ onSignedIn }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const finance = String(form.get('finance') ?? '').trim();
    const audit = String(form.get('audit') ?? '').trim();
    if (!finance && !audit) {
      setError('Give the finance key, the audit key, or both.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const refused = [];
      if (finance && !(await keyWorks('finance', finance))) refused.push('finance');
      if (audit && !(await keyWorks('audit', audit))) refused.push('audit');
      if (refused.length) {
        setError(`The ${refused.join(' and the ')} key was refused.`);
        return;
      }
      saveKeys({ finance: finance || undefined, audit: audit || undefined });
      event.target.reset();
      onSignedIn();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <section class="panel" aria-labelledby="signin-title">
      <h1 id="signin-title">Roamledger console</h1>
      <p>Sign in with the finance key (statements, CDRs, exports), the audit key (log head, verification, proofs, partner timeline), or both.
        The keys stay in this browser tab's session storage and are sent only in the Authorization header.</p>
      <form onSubmit=${submit} autocomplete="off">
        <label>Finance API key<input type="password" name="finance" id="finance-key" autocomplete="off" /></label>
        <label>Audit API key<input type="password" name="audit" id="audit-key" autocomplete="off" /></label>
        <button type="submit" disabled=${busy}>Sign in</button>
        ${error ? html`<p class="error" role="alert" id="signin-error">${error}</p>` : null}
      </form>
    </section>
  </main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(() => Boolean(keys().finance || keys().audit));
  const hash = useHash();
  if (!signedIn) return html`<${SignIn} onSignedIn=${() => setSignedIn(true)} />`;
  const held = keys();
  const path = hash.slice(1).split('?')[0];
  const params = routeParams(hash);
  const navigate = (to) => {
    location.hash = to;
  };
  const allowed = PAGES.filter((p) => p.key === null || held[p.key]);
  let content;
  if (path.startsWith('/cdr/') && held.finance) content = html`<${CdrPage} path=${path} />`;
  else {
    const page = allowed.find((p) => p.path === path) ?? allowed[0];
    content = html`<${page.page} params=${params} navigate=${navigate} key=${page.path} />`;
  }
  const signOut = () => {
    forgetKeys();
    setSignedIn(false);
  };
  return html`<header class="top">
      <h1>Roamledger console</h1>
      <nav aria-label="Console pages"><ul>
        ${allowed.map((p) => html`<li><a href=${`#${p.path}`} aria-current=${path === p.path || (p.path === '/cdrs' && path.startsWith('/cdr/')) ? 'page' : undefined}>${p.title}</a></li>`)}
      </ul></nav>
      <div class="who">
        <span>${[held.finance ? 'finance' : null, held.audit ? 'audit' : null].filter(Boolean).join(' + ')} key</span>
        <button type="button" class="secondary" onClick=${signOut}>Sign out</button>
      </div>
    </header>
    <main id="main">${content}</main>`;
}

const root = document.getElementById('app');
// The loading line goes: Preact renders beside what it did not render itself.
root.replaceChildren();
render(html`<${App} />`, root);
