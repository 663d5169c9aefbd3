// Technician tools: test scan, connectivity tests, dead letters, diagnostics download.
import { api } from './api.js';
import { ago, h } from './dom.js';
import { addSection } from './tech.js';

let deadCount = null;
let redrawDead = null;

export function onDeadCount(n) {
  if (n !== deadCount) {
    deadCount = n;
    redrawDead?.();
  }
}

function testScan() {
  const text = h('input', { name: 'test-text', placeholder: 'e.g. 4006381333931', autocomplete: 'off' });
  const err = h('span', { class: 'err' });
  const form = h(
    'form',
    { id: 'test-scan-form' },
    h('h3', {}, 'Test scan'),
    h(
      'p',
      { class: 'hint' },
      'Scan with any attached device, or type a code: it appears under Scans with its bytes in hex.',
    ),
    h('div', { class: 'row' }, text, h('button', { type: 'submit' }, 'Send')),
    err,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.textContent = '';
    if (text.value === '') {
      err.textContent = 'type a code first (or scan one with an attached device)';
      return text.focus();
    }
    const r = await api('POST', '/api/test-scan', { text: text.value });
    if (!r.ok) err.textContent = r.data.message ?? 'failed';
  });
  return form;
}

// The verdict in a technician's words (the API's `verdict` stays as it is, for scripts).
const VERDICT_WORDS = { ok: 'ok', failed: 'failed', not_configured: 'not configured' };

function connectivity() {
  const out = h('div', { id: 'connectivity-result' });
  const run = async (target) => {
    out.replaceChildren(h('p', { class: 'hint' }, `testing ${target}…`));
    const r = await api('POST', '/api/tools/connectivity', { target });
    const v = r.data;
    const state = v.verdict === 'ok' ? 'up' : v.verdict === 'failed' ? 'down' : 'idle';
    out.replaceChildren(
      h(
        'p',
        { class: 'verdict', dataset: { target, verdict: v.verdict ?? 'failed' } },
        h('span', { class: 'dot', dataset: { state } }),
        ` ${target === 'ops' ? 'Ops broker' : 'Provider'}: ${VERDICT_WORDS[v.verdict] ?? v.verdict ?? 'failed'} — ${v.reason ?? v.message}${v.ms !== undefined ? ` (${v.ms} ms)` : ''}`,
      ),
    );
  };
  return h(
    'div',
    {},
    h('h3', {}, 'Connectivity'),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', id: 'test-provider', onclick: () => run('provider') }, 'Test provider'),
      h('button', { type: 'button', id: 'test-ops', onclick: () => run('ops') }, 'Test ops broker'),
    ),
    out,
  );
}

function deadLetters() {
  const box = h('div', { id: 'dead-letters' });
  const draw = async () => {
    const r = await api('GET', '/api/dead');
    if (!r.ok) return;
    const dead = r.data.dead;
    // What the list shows now: the live count redraws it when it differs. A retry that dies again
    // within one live update (1 → 0 → 1) would otherwise leave "No dead letters" on the page.
    deadCount = dead.length;
    if (dead.length === 0)
      return box.replaceChildren(
        h('p', { class: 'hint' }, 'No dead letters: every request was delivered or is on its way.'),
      );
    const act = (d, action) => async () => {
      // Discarding drops the booking for good: the customer's points or redemption never reach
      // the provider. One confirmation, naming what is lost.
      if (
        action === 'discard' &&
        !window.confirm(`Discard ${d.kind} ${d.transaction} for good? It will never reach the provider.`)
      )
        return;
      const r = await api('POST', `/api/dead/${d.id}/${action}`);
      await draw();
      if (!r.ok) box.prepend(h('p', { class: 'err' }, r.data.message ?? `${action} failed`));
    };
    box.replaceChildren(
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Request'), h('th', {}, 'Why'), h('th', {}, ''))),
        h(
          'tbody',
          {},
          dead.map((d) =>
            h(
              'tr',
              { dataset: { deadId: d.id } },
              h(
                'td',
                {},
                h('div', {}, `${d.kind} ${d.transaction}`),
                h(
                  'div',
                  { class: 'hint' },
                  `${d.attempts} ${d.attempts === 1 ? 'attempt' : 'attempts'}, ${ago(d.created_at)}`,
                ),
              ),
              h('td', {}, d.error ? `${d.error.code}: ${d.error.message}` : '—'),
              h(
                'td',
                {},
                h(
                  'div',
                  { class: 'row' },
                  h('button', { type: 'button', class: 'retry', onclick: act(d, 'retry') }, 'Retry'),
                  h(
                    'button',
                    { type: 'button', class: 'secondary discard', onclick: act(d, 'discard') },
                    'Discard',
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    );
  };
  redrawDead = draw;
  void draw();
  return h('div', {}, h('h3', {}, 'Dead letters'), box);
}

function diagnostics() {
  return h(
    'div',
    {},
    h('h3', {}, 'Diagnostics'),
    h(
      'p',
      { class: 'hint' },
      'Settings without secrets, recent log lines, devices and versions: safe to mail to support.',
    ),
    h('a', { href: '/api/diagnostics', download: true, id: 'diagnostics' }, 'Download diagnostics'),
  );
}

addSection((el) => el.replaceChildren(testScan(), connectivity(), deadLetters(), diagnostics()));
