// The technician area (issue 9): claim on first boot, then login; behind it the tools.
import { api, setCsrf } from './api.js';
import { $, h } from './dom.js';

let session = null;
let host = null;
const sections = [];

/** Technician sections (provisioning, tools) register here; each draws into its own element. */
export function addSection(render) {
  sections.push(render);
}

export async function initTech(h0) {
  host = h0;
  await refresh();
}

/** Logged in as the technician (the page shows the box's identifiers then). */
export function isTechnician() {
  return session?.technician === true;
}

export function onTechStatus(st) {
  if (session && st.claimed !== session.claimed) void refresh();
}

async function refresh() {
  const r = await api('GET', '/api/session');
  session = r.data;
  setCsrf(session.csrf_token);
  draw();
}

function field(label, input, name) {
  return h('label', {}, label, input, h('span', { class: 'err', dataset: { errorFor: name } }));
}

/**
 * The box has one technician account, so the forms ask for a password only; this hidden field
 * names the account, so that a password manager saves and fills the password for "technician"
 * (not for the setup code) and Chromium's form check finds the username field it asks for.
 */
function accountField() {
  return h('input', {
    type: 'text',
    name: 'username',
    autocomplete: 'username',
    value: 'technician',
    hidden: true,
  });
}

function showErrors(form, data) {
  for (const el of form.querySelectorAll('[data-error-for]')) el.textContent = '';
  const target = data.field && form.querySelector(`[data-error-for="${data.field}"]`);
  const msg = data.message ?? 'something went wrong';
  if (target) target.textContent = msg;
  else form.querySelector('.form-error').textContent = msg;
}

function draw() {
  const root = $('tech');
  if (!session.claimed) return root.replaceChildren(claimForm());
  if (!session.technician) return root.replaceChildren(loginForm());
  const logout = h(
    'button',
    { class: 'secondary', type: 'button', id: 'logout', onclick: doLogout },
    'Log out',
  );
  const head = h('div', { class: 'row' }, h('h2', {}, 'Technician'), logout);
  const parts = sections.map((render) => {
    const el = h('div', { class: 'section' });
    render(el, host);
    return el;
  });
  root.replaceChildren(head, ...parts);
}

function claimForm() {
  const min = session.min_password_length;
  const code = h('input', {
    name: 'code',
    autocomplete: 'off',
    autocapitalize: 'characters',
    required: true,
    placeholder: 'XXXX-XXXX-XXXX',
  });
  const pw = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'new-password',
    minlength: min,
    required: true,
  });
  const pw2 = h('input', {
    name: 'password2',
    type: 'password',
    autocomplete: 'new-password',
    required: true,
  });
  const form = h(
    'form',
    { id: 'claim-form' },
    h('h2', {}, 'Claim this box'),
    h(
      'p',
      { class: 'hint' },
      'Type the setup code from the journal or console, and choose the technician password.',
    ),
    field('Setup code', code, 'code'),
    accountField(),
    field(`New technician password (at least ${min} characters)`, pw, 'password'),
    field('Repeat the password', pw2, 'password2'),
    h('div', { class: 'err form-error' }),
    h('button', { type: 'submit' }, 'Claim'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (pw.value !== pw2.value)
      return showErrors(form, { field: 'password2', message: 'the two passwords differ' });
    const r = await api('POST', '/api/claim', { code: code.value, password: pw.value });
    if (!r.ok) return showErrors(form, r.data);
    loggedIn(r.data.csrf_token, true);
  });
  return form;
}

function loginForm() {
  const pw = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const form = h(
    'form',
    { id: 'login-form' },
    h('h2', {}, 'Technician login'),
    accountField(),
    field('Password', pw, 'password'),
    h('div', { class: 'err form-error' }),
    h('button', { type: 'submit' }, 'Log in'),
    h(
      'p',
      { class: 'hint' },
      'Forgot it? On the box itself: ',
      h('code', {}, "echo 'new password' | edge-gateway claim"),
      ' sets a new one.',
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await api('POST', '/api/login', { password: pw.value });
    if (!r.ok) return showErrors(form, r.data);
    loggedIn(r.data.csrf_token, true);
  });
  return form;
}

function loggedIn(token, claimed) {
  session = { ...session, claimed, technician: true, csrf_token: token };
  setCsrf(token);
  draw();
  host.reconnect();
}

async function doLogout() {
  await api('POST', '/api/logout');
  host.reconnect();
  await refresh();
}
