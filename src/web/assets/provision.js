// The provisioning form, drawn from the settings' JSON Schema (the one gateway/info publishes):
// labels from the field names, help from `description`, input kinds from type/format, secrets
// (`writeOnly`) as write-only password fields showing only "set" / "not set". Errors come back
// from the server in the config error's own words and are shown next to their field.
import { api } from './api.js';
import { h } from './dom.js';
import { addSection } from './tech.js';

const LABELS = {
  till_id: 'Till id',
  branch_id: 'Branch id',
  'provider.url': 'Provider URL',
  'provider.api_key': 'Provider API key',
  'uplink.url': 'Ops broker URL',
  'uplink.username': 'Ops broker username',
  'uplink.password': 'Ops broker password',
  'mqtt.users': 'Till MQTT logins',
  username: 'Username',
  password_hash: 'Password',
  till_id_item: 'Till id (optional, default: this till)',
};

// What an empty field means, in a technician's words (the schema's descriptions say `null`).
const EMPTY_MEANS = {
  'provider.url': 'empty = built-in simulator (demo)',
  'uplink.url': 'empty = no ops broker',
};

/** A schema description as page text: its `code` quotes are for the README, and an empty field is
 * what the schema calls null. */
function note(text) {
  return h('span', { class: 'field-note' }, text.replaceAll('`', '').replace(/\bnull = /g, 'empty = '));
}

function nodeAt(schema, path) {
  let node = schema;
  for (const k of path.split('.')) node = node?.properties?.[k];
  return node;
}

function nullable(node) {
  return Array.isArray(node?.anyOf) && node.anyOf.some((a) => a.type === 'null');
}

function base(node) {
  return nullable(node) ? node.anyOf.find((a) => a.type !== 'null') : node;
}

function errorSlot(path) {
  return h('span', { class: 'err', dataset: { errorFor: path } });
}

function input(path, node, value, secretSet, envVar) {
  const b = base(node);
  const attrs = { name: path, id: `f-${path}`, autocomplete: 'off' };
  if (b.writeOnly) {
    Object.assign(attrs, {
      type: 'password',
      autocomplete: 'new-password',
      placeholder: secretSet ? 'set (leave empty to keep)' : 'not set',
    });
  } else {
    attrs.type = b.format === 'uri' ? 'url' : 'text';
    attrs.value = value ?? '';
    if (nullable(node)) attrs.placeholder = EMPTY_MEANS[path] ?? 'empty = none';
    else if (b.default !== undefined || node.default !== undefined)
      attrs.placeholder = `default: ${node.default ?? b.default}`;
  }
  if (envVar) attrs.disabled = true;
  const label = LABELS[path] ?? path;
  return h(
    'label',
    {},
    h(
      'span',
      {},
      label,
      b.writeOnly
        ? h('span', { class: 'tag', dataset: { secret: path } }, secretSet ? 'set' : 'not set')
        : null,
    ),
    h('input', attrs),
    node.description ? note(node.description) : null,
    envVar
      ? h('span', { class: 'field-note' }, `set by ${envVar}: the environment wins over this form`)
      : null,
    errorSlot(path),
  );
}

/** One till login: its own <form>, as each login is a credential of its own (see render). */
function userRow(itemSchema, i, user) {
  const p = itemSchema.properties;
  const set = h(
    'fieldset',
    {},
    h('legend', {}, user?.username ? `Login ${user.username}` : 'New login'),
    h(
      'label',
      {},
      LABELS.username,
      h('input', {
        name: 'username',
        value: user?.username ?? '',
        autocomplete: 'off',
        maxlength: p.username.maxLength,
      }),
      errorSlot(`mqtt.users.${i}.username`),
    ),
    h(
      'label',
      {},
      h(
        'span',
        {},
        LABELS.password_hash,
        h('span', { class: 'tag' }, user?.password_set ? 'set' : 'not set'),
      ),
      h('input', {
        name: 'password',
        type: 'password',
        autocomplete: 'new-password',
        placeholder: user?.password_set ? 'set (leave empty to keep)' : 'not set',
      }),
      errorSlot(`mqtt.users.${i}.password_hash`),
    ),
    h(
      'label',
      {},
      LABELS.till_id_item,
      h('input', { name: 'till_id', value: user?.till_id ?? '', autocomplete: 'off' }),
      errorSlot(`mqtt.users.${i}.till_id`),
    ),
  );
  const row = h('form', { class: 'till-login', dataset: { index: i }, novalidate: true }, set);
  set.append(
    h('button', { type: 'button', class: 'secondary', onclick: () => row.remove() }, 'Remove login'),
  );
  return row;
}

async function render(el) {
  const r = await api('GET', '/api/provision');
  if (!r.ok)
    return el.replaceChildren(h('p', { class: 'err' }, r.data.message ?? 'cannot load the settings'));
  const { schema, fields, values, secrets, env } = r.data;
  // A <form> per secret, not one for all fields: Chromium's password manager takes a <form> for one
  // sign-in, and one holding the provider key, the ops broker login and the till logins (a
  // password, text, a password again: "too complex") made it log "Multiple forms should be
  // contained in their own form elements", guessing which password goes with which name. So a
  // form ends after each secret (the box's ids with the provider, then the ops broker), and each
  // till login is a form; the last form, #provision-form, holds the Save button and sends all of
  // the fields at once, as the one form did.
  const root = h('div', { class: 'provision' }, h('h3', {}, 'Provisioning'));
  const form = h('form', { id: 'provision-form', novalidate: true });
  const users = h('div', { class: 'till-logins' });
  let part = null;
  for (const path of fields) {
    const node = nodeAt(schema, path);
    if (path === 'mqtt.users') {
      const item = node.items;
      for (const [i, u] of (values[path] ?? []).entries()) users.append(userRow(item, i, u));
      const add = h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'add-login',
          onclick: () => users.append(userRow(item, users.children.length, null)),
        },
        'Add till login',
      );
      root.append(
        h(
          'fieldset',
          {},
          h('legend', {}, LABELS[path]),
          note(node.description ?? ''),
          users,
          add,
          errorSlot(path),
        ),
      );
      part = null;
    } else {
      if (part === null) {
        part = h('form', { class: 'provision-part', novalidate: true });
        root.append(part);
      }
      part.append(input(path, node, values[path], secrets[path], env[path]));
      if (base(node).writeOnly) part = null;
    }
  }
  const status = h('div', { class: 'form-status' });
  form.append(
    h('div', { class: 'err form-error' }),
    status,
    h('button', { type: 'submit' }, 'Save and apply'),
  );
  root.append(form);
  // Enter in any field saves, as it did in the one form: the other forms have no submit button.
  root.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing || !(e.target instanceof HTMLInputElement)) return;
    e.preventDefault();
    form.requestSubmit();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const s of root.querySelectorAll('[data-error-for], .form-error')) s.textContent = '';
    status.textContent = '';
    const out = {};
    for (const path of fields) {
      if (path === 'mqtt.users') {
        out[path] = [...users.querySelectorAll('.till-login')].map((row) => ({
          username: row.querySelector('[name=username]').value,
          password: row.querySelector('[name=password]').value,
          till_id: row.querySelector('[name=till_id]').value,
        }));
      } else {
        const f = root.querySelector(`[name="${path}"]`);
        if (!f.disabled) out[path] = f.value;
      }
    }
    // Rows were renumbered by removals: error paths follow the order sent.
    [...users.querySelectorAll('.till-login')].forEach((row, i) => {
      for (const slot of row.querySelectorAll('[data-error-for]'))
        slot.dataset.errorFor = slot.dataset.errorFor.replace(/^mqtt\.users\.\d+/, `mqtt.users.${i}`);
    });
    const res = await api('POST', '/api/provision', { values: out });
    if (res.status === 422) {
      const rest = [];
      for (const p of res.data.problems) {
        const slot = root.querySelector(`[data-error-for="${p.path}"]`);
        if (slot) slot.textContent = `${p.message}; got ${p.seen}`;
        else rest.push(`${p.path}: ${p.message}; got ${p.seen}`);
      }
      form.querySelector('.form-error').textContent = rest.join('\n');
      return;
    }
    if (!res.ok) {
      form.querySelector('.form-error').textContent = res.data.message ?? 'saving failed';
      return;
    }
    status.className = 'okmsg form-status';
    status.textContent =
      res.data.applied === 'restarting'
        ? `Saved (${res.data.changed.join(', ')}). Applying: ${restartText(res.data.restarting)}; queued requests stay queued.`
        : res.data.applied === 'unchanged'
          ? 'Nothing changed.'
          : 'Saved. Restart the gateway to apply.';
    if (res.data.applied === 'restarting') setTimeout(() => render(el), 4000);
  });
  el.replaceChildren(root);
}

/** What the apply restarts, in words: all of the gateway, or the named parts only. */
function restartText(restarting) {
  if (restarting === 'all' || !Array.isArray(restarting)) return 'the whole gateway restarts in place';
  return `restarting ${restarting.join(', ')} only; everything else keeps running`;
}

addSection((el) => void render(el));
