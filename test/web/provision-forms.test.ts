// The technician's forms in headless Chromium against a real in-process gateway, as Chromium's own
// form checks see them: its password manager's notes in the console and the DevTools issues about
// forms (CDP Audits). The provisioning form drew "[DOM] Multiple forms should be contained in their
// own form elements" while one <form> held the provider key, the ops broker login and the till
// logins; the login form drew "[DOM] Password forms should have (optionally hidden) username fields
// for accessibility" while it asked for a password alone. Neither notes nor issues may name the
// page's forms; Enter in any provisioning field still saves all of them; the claim and login forms
// name the technician account in a hidden username field and still log in.
import test, { type ExecutionContext } from 'ava';
import type { CDPSession, Page } from 'playwright-core';
import { waitUntil } from '../helpers/gateway.ts';
import { claimOnPage, DESKTOP, gatewayPage } from './browser.ts';
import { setupCodeFrom } from './client.ts';

const PASSWORD = 'technician-pass-1';

// A form the checks must flag, added after the page's own: once its note and its issue are in,
// Chromium has checked the forms drawn before it too (it checks forms some time after they appear).
const PROBE =
  '<form id="form-check-probe"><label id="form-check-probe-label" for="form-check-probe-none">probe</label>' +
  '<input type="password" name="probe" autocomplete="new-password"></form>';
const PROBE_NOTE = /^\[DOM\] Password forms should have \(optionally hidden\) username fields/;

interface FormIssue {
  errorType: string;
  violatingNodeId?: number;
}

/** Chromium's notes about forms in the console, and its DevTools issues about forms. */
async function watchFormChecks(page: Page, cdp: CDPSession) {
  const notes: string[] = [];
  const issues: FormIssue[] = [];
  page.on('console', (m) => {
    if (/\bforms?\b/i.test(m.text())) notes.push(m.text());
  });
  cdp.on('Audits.issueAdded', ({ issue }) => {
    const generic = issue.details.genericIssueDetails;
    if (generic?.errorType.startsWith('Form'))
      issues.push({ errorType: generic.errorType, violatingNodeId: generic.violatingNodeId });
  });
  await cdp.send('Audits.enable');
  return { notes, issues };
}

type Seen = Awaited<ReturnType<typeof watchFormChecks>>;

/**
 * Adds the probe form and waits for Chromium to report it, so that it has checked the forms drawn
 * before; then no note and no issue but the probe's may have come since the last call.
 */
async function expectNoFormFindings(
  t: ExecutionContext,
  page: Page,
  cdp: CDPSession,
  seen: Seen,
  what: string,
) {
  await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', html), PROBE);
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', {
    nodeId: root.nodeId,
    selector: '#form-check-probe-label',
  });
  const probeLabel = (await cdp.send('DOM.describeNode', { nodeId })).node.backendNodeId;
  await waitUntil(
    () =>
      seen.notes.some((n) => PROBE_NOTE.test(n)) && seen.issues.some((i) => i.violatingNodeId === probeLabel),
    `Chromium's form checks reporting the probe form after ${what}`,
    20_000,
  );
  await page.evaluate(() => document.getElementById('form-check-probe')?.remove());

  t.deepEqual(
    seen.notes.filter((n) => !PROBE_NOTE.test(n)),
    [],
    `no console note about ${what}`,
  );
  t.is(seen.notes.filter((n) => PROBE_NOTE.test(n)).length, 1, `the probe's note only, once, with ${what}`);
  t.deepEqual(
    seen.issues.filter((i) => i.violatingNodeId !== probeLabel),
    [],
    `no DevTools issue about ${what}`,
  );
  seen.notes.length = 0;
  seen.issues.length = 0;
}

/** The form's username field (null if none): its value, and whether it is drawn. */
async function accountField(page: Page, form: string) {
  return page.evaluate((form) => {
    const el = document.querySelector<HTMLInputElement>(`${form} input[autocomplete=username]`);
    return el && { value: el.value, shown: el.checkVisibility() };
  }, form);
}

test("Chromium's form checks find nothing in the provisioning form, and Enter in any of its fields saves them all", async (t) => {
  t.timeout(90_000);
  const { gw, page } = await gatewayPage(t, DESKTOP, {
    users: { 'till-1': { password: 'till-1-password' }, 'till-2': { password: 'till-2-password' } },
  });
  const cdp = await page.context().newCDPSession(page);
  const seen = await watchFormChecks(page, cdp);

  await page.goto(`http://127.0.0.1:${gw.gateway.httpPort}/`);
  await claimOnPage(page, setupCodeFrom(gw.lines), PASSWORD);
  await page.waitForSelector('#provision-form');
  await page.waitForSelector('.till-login:nth-child(2)');
  await page.click('#add-login');

  await expectNoFormFindings(t, page, cdp, seen, 'the provisioning form');

  // Enter in a field of the ops broker's form sends all the forms: the new till login's too, which
  // is refused for its missing password, the error next to its field.
  await page.press('[name="uplink.username"]', 'Enter');
  const missing = await page.waitForSelector('[data-error-for="mqtt.users.2.password_hash"]:not(:empty)');
  t.regex((await missing.textContent()) ?? '', /password/);
  // Without it, Enter in a till login's form: saved, and nothing had changed.
  await page.click('.till-login:nth-child(3) button');
  await page.press('.till-login:nth-child(1) [name=till_id]', 'Enter');
  t.is(await (await page.waitForSelector('.form-status:not(:empty)')).textContent(), 'Nothing changed.');
});

test("Chromium's form checks find nothing in the claim form nor in the login form, which name the technician account and still log in", async (t) => {
  t.timeout(90_000);
  const { gw, page } = await gatewayPage(t, DESKTOP);
  const cdp = await page.context().newCDPSession(page);
  const seen = await watchFormChecks(page, cdp);

  await page.goto(`http://127.0.0.1:${gw.gateway.httpPort}/`);
  await page.waitForSelector('#claim-form');
  await expectNoFormFindings(t, page, cdp, seen, 'the claim form');
  // A password manager saves the new password for the account named, not for the setup code.
  t.deepEqual(await accountField(page, '#claim-form'), { value: 'technician', shown: false });
  await claimOnPage(page, setupCodeFrom(gw.lines), PASSWORD);
  await page.click('#logout');

  await page.waitForSelector('#login-form');
  await expectNoFormFindings(t, page, cdp, seen, 'the login form');
  t.deepEqual(await accountField(page, '#login-form'), { value: 'technician', shown: false });
  await page.fill('#login-form [name=password]', PASSWORD);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#logout');
});
