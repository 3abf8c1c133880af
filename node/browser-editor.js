'use strict';
// The editor page in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; never a
// browser download), against a running Quire server. One scenario per run; exit 0 on success, 1 with screenshots of
// every page in SHOT_DIR on failure. Every wait is bounded.
//
//   node browser-editor.js HTTP_URL SCENARIO SHOT_DIR [OWNER_TOKEN VIEWER_TOKEN STRANGER_TOKEN]
//
// Scenarios: converge, offline, cursors, history, readonly-role, viewer (the last needs a server with auth and the
// JWTs of three users: the owner's page creates a document, the owner makes the second user a viewer over the ACL
// API, and each page opens it with its own token in the page URL, ?token=JWT; the third has no role).
const {chromium} = require('playwright-core');
const fs = require('fs');
const path = require('path');

const [base, scenario, shotDir, ownerToken, viewerToken, strangerToken] = process.argv.slice(2);
const CHROMIUM = process.env.QUIRE_CHROMIUM || '/usr/bin/chromium';
const WAIT_MS = 15000;
// Playwright adds --headless and a fresh temporary --user-data-dir per launch (it refuses one in args).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const pages = [];
const logs = [];

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

async function waitFor(page, fn, arg, what, timeout = WAIT_MS) {
  try {
    return await page.waitForFunction(fn, arg, {timeout, polling: 50});
  } catch (err) {
    throw new Error(`timed out after ${timeout} ms waiting for ${what} (${page.quireName})`);
  }
}

/** A page of its own browser context (its own storage and network) for one person. */
async function openAs(browser, name, url) {
  const context = await browser.newContext({viewport: {width: 1000, height: 560}});
  const page = await context.newPage();
  page.quireName = name;
  page.setDefaultTimeout(WAIT_MS);
  pages.push(page);
  page.on('console', (m) => logs.push(`[${name}] console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${name}] PAGE ERROR: ${e.message}`));
  await context.addInitScript((n) => localStorage.setItem('quire.name', n), name);
  await page.goto(url);
  return page;
}

async function ready(page) {
  await waitFor(page, () => window.quire && window.quire.connectionState() === 'connected' &&
    window.quire.version() > 0 && !window.quire.pending() && window.quire.roleKnown(), null, 'the document to open');
}

const text = (page) => page.evaluate(() => window.quire.text());

/** Both pages show the same text, equal to their sharedb documents, with nothing in flight. */
async function converged(a, b, what) {
  const deadline = Date.now() + WAIT_MS;
  let ta;
  let tb;
  while (Date.now() < deadline) {
    const sa = await a.evaluate(() => [window.quire.text(), window.quire.docText(), window.quire.pending()]);
    const sb = await b.evaluate(() => [window.quire.text(), window.quire.docText(), window.quire.pending()]);
    [ta, tb] = [sa[0], sb[0]];
    if (ta === tb && sa[0] === sa[1] && sb[0] === sb[1] && !sa[2] && !sb[2]) return ta;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pages did not converge (${what}):\n  ${a.quireName}: ${JSON.stringify(ta)}\n  ` +
    `${b.quireName}: ${JSON.stringify(tb)}`);
}

async function typeAtEnd(page, chars, delay = 15) {
  await page.click('.cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type(chars, {delay});
}

async function typeAtStart(page, chars, delay = 15) {
  await page.click('.cm-content');
  await page.keyboard.press('Control+Home');
  await page.keyboard.type(chars, {delay});
}

const docUrl = (name) => `${base}#docs/${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

const scenarios = {
  /** Two people type into the same document at once, emoji included; a third page loads what the server has. */
  async converge(browser) {
    const url = docUrl('converge');
    const a = await openAs(browser, 'Alice', url);
    await ready(a);
    await typeAtStart(a, '\n---\n', 0);
    const b = await openAs(browser, 'Bob', url);
    await ready(b);
    await waitFor(b, () => window.quire.text() === '\n---\n', null, 'the seed text');
    const fromA = 'Alice writes 😀 first line';
    const fromB = 'Bob adds 🎉 at the end ünïcode';
    await Promise.all([typeAtStart(a, fromA), typeAtEnd(b, fromB)]);
    const final = await converged(a, b, 'after concurrent typing');
    check(final === fromA + '\n---\n' + fromB, 'merged text is ' + JSON.stringify(final));
    const c = await openAs(browser, 'Carol', url);
    await ready(c);
    check(await text(c) === final, 'a fresh page loads the same text from the server');
    return {text: final};
  },

  /** One page goes offline, types (buffered), the other types too; back online both converge. */
  async offline(browser) {
    const url = docUrl('offline');
    const a = await openAs(browser, 'Alice', url);
    const b = await openAs(browser, 'Bob', url);
    await ready(a);
    await ready(b);
    await typeAtEnd(a, 'shared start\n');
    await converged(a, b, 'before going offline');
    await b.context().setOffline(true);
    await waitFor(b, () => window.quire.status() === 'offline', null, 'the offline indicator');
    await typeAtEnd(b, 'typed while offline 📴');
    await waitFor(b, () => /local edits? buffered/.test(document.getElementById('status').textContent), null,
      'the buffered-edits indicator');
    await typeAtStart(a, 'online meanwhile ');
    await waitFor(a, () => !window.quire.pending(), null, 'A saved');
    await b.waitForTimeout(500);
    check(!(await text(a)).includes('typed while offline'), 'an offline edit must not reach the other page');
    const bufferedLabel = await b.locator('#status').textContent();
    await b.context().setOffline(false);
    await waitFor(b, () => window.quire.status() === 'connected', null, 'reconnection');
    const final = await converged(a, b, 'after coming back online');
    check(final.includes('typed while offline 📴') && final.includes('online meanwhile '), 'both edits kept: ' +
      JSON.stringify(final));
    return {text: final, offlineLabel: bufferedLabel};
  },

  /** A's caret and selection appear in B's editor, with A's name, at the right place, moving with B's edits. */
  async cursors(browser) {
    const url = docUrl('cursors');
    const a = await openAs(browser, 'Alice', url);
    const b = await openAs(browser, 'Bob', url);
    await ready(a);
    await ready(b);
    await typeAtStart(a, '😀 hello world');
    await converged(a, b, 'the text');
    // Select "hello" (code points 2..7; UTF-16 3..8 because of the emoji).
    await a.keyboard.press('Control+Home');
    for (let i = 0; i < 2; i++) await a.keyboard.press('ArrowRight');
    for (let i = 0; i < 5; i++) await a.keyboard.press('Shift+ArrowRight');
    await waitFor(b, () => window.quire.remoteCursors().some((c) => c.name === 'Alice' && c.index === 2 &&
      c.length === 5), null, "Alice's selection in Bob's presence");
    await waitFor(b, () => window.quire.remoteCarets().some((c) => c.name === 'Alice' && c.pos === 8), null,
      "Alice's caret drawn after 'hello'");
    await waitFor(b, () => [...document.querySelectorAll('.cm-remote-name')].some((e) => e.textContent === 'Alice'),
      null, "Alice's name on her caret");
    check(await b.locator('.cm-remote-selection').count() > 0, "Alice's selection is highlighted");
    // Bob types before it: Alice's cursor moves with the text in both views.
    await typeAtStart(b, '>> ');
    await converged(a, b, "Bob's insert");
    await waitFor(b, () => window.quire.remoteCarets().some((c) => c.name === 'Alice' && c.pos === 11), null,
      "Alice's caret moved by Bob's insert");
    await waitFor(a, () => window.quire.remoteCarets().some((c) => c.name === 'Bob' && c.pos === 3), null,
      "Bob's caret in Alice's view");
    await b.screenshot({path: path.join(shotDir, 'cursors-bob.png')});
    await a.context().close();
    await waitFor(b, () => !window.quire.remoteCarets().some((c) => c.name === 'Alice'), null,
      "Alice's caret gone when she leaves");
    return {carets: await b.evaluate(() => window.quire.remoteCarets())};
  },

  /** The history lists versions with authors; a past version opens read-only and is restored as a new edit. */
  async history(browser) {
    const url = docUrl('history');
    const a = await openAs(browser, 'Alice', url);
    await ready(a);
    await typeAtEnd(a, 'first draft');
    await waitFor(a, () => !window.quire.pending() && window.quire.docText() === 'first draft', null, 'saved');
    const draft = await a.evaluate(() => window.quire.version());
    const b = await openAs(browser, 'Bob', url);
    await ready(b);
    await typeAtEnd(b, ' rewritten by Bob');
    await converged(a, b, "Bob's edit");
    const before = await a.evaluate(() => window.quire.version());

    await a.click('#history-toggle');
    await waitFor(a, (v) => document.querySelector(`#history-list button[data-version="${v}"]`), before,
      'the newest version in the list');
    const rows = await a.locator('#history-list .version').allTextContents();
    check(rows.some((r) => r.includes('Bob')) && rows.some((r) => r.includes('Alice')), 'authors listed: ' +
      JSON.stringify(rows));
    check(rows.some((r) => r.includes('created')), 'the create is listed: ' + JSON.stringify(rows));
    await a.click(`#history-list button[data-version="${draft}"]`);
    await waitFor(a, (v) => document.getElementById('past').dataset.version === String(v), draft,
      'the past version shown');
    const past = await a.locator('#past-editor .cm-content').textContent();
    check(past === 'first draft', 'version ' + draft + ' reads ' + JSON.stringify(past));
    check(await a.locator('#past-editor .cm-content').getAttribute('contenteditable') === 'false',
      'a past version is read-only');
    check(await text(a) === 'first draft rewritten by Bob', 'the live text is untouched while viewing');
    await a.click('#restore');
    const final = await converged(a, b, 'after the restore');
    check(final === 'first draft', 'restored text is ' + JSON.stringify(final));
    const after = await a.evaluate(() => window.quire.version());
    check(after === before + 1, `the restore is one new version (${before} -> ${after})`);
    await waitFor(a, (v) => document.querySelector(`#history-list button[data-version="${v}"]`), after,
      'the restore in the list');
    await a.screenshot({path: path.join(shotDir, 'history-alice.png')});
    return {versions: after};
  },

  /** A server that says "viewer" opens the page read-only: nothing typed changes the text. */
  async 'readonly-role'(browser) {
    const url = docUrl('readonly');
    const a = await openAs(browser, 'Alice', url);
    await ready(a);
    await typeAtEnd(a, 'owner text');
    await waitFor(a, () => !window.quire.pending(), null, 'saved');
    const context = await browser.newContext();
    await context.route('**/api/docs/*/*/role', (route) => route.fulfill({
      status: 200, contentType: 'application/json', body: '{"role":"viewer"}'}));
    await context.addInitScript(() => localStorage.setItem('quire.name', 'Vera'));
    const v = await context.newPage();
    v.quireName = 'Vera';
    pages.push(v);
    v.on('pageerror', (e) => logs.push(`[Vera] PAGE ERROR: ${e.message}`));
    await v.goto(url);
    await waitFor(v, () => window.quire && window.quire.readOnly() && window.quire.status() === 'readonly' &&
      window.quire.text() === 'owner text', null, 'the read-only page');
    await v.click('.cm-content');
    await v.keyboard.type('viewer keys');
    await v.waitForTimeout(300);
    check(await text(v) === 'owner text', 'typing changes nothing');
    check(await v.locator('#editor .cm-content').getAttribute('contenteditable') === 'false', 'not editable');
    check(await v.locator('#status').textContent() === 'Read-only', 'the indicator says read-only');
    check(await text(a) === 'owner text', "the owner's text is unchanged");
    return {};
  },

  /**
   * With auth (tokens in the page URLs): the owner's page creates and types; the owner makes Victor a viewer over the
   * ACL API; Victor's page opens read-only from his role in the document's ACL, follows the owner's typing, and his
   * own typing changes nothing and is never sent (no op refused by the server, no notice).
   */
  async viewer(browser) {
    check(ownerToken && viewerToken, 'viewer needs OWNER_TOKEN and VIEWER_TOKEN');
    const name = `viewer-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
    const pageUrl = (token) => `${base}?token=${encodeURIComponent(token)}#docs/${name}`;
    const owner = await openAs(browser, 'Olivia', pageUrl(ownerToken));
    await ready(owner);
    check(!(await owner.evaluate(() => window.quire.readOnly())), "the owner's page is editable");
    await typeAtEnd(owner, 'only the owner writes here');
    await waitFor(owner, () => !window.quire.pending() && window.quire.docText() === 'only the owner writes here',
      null, 'saved');

    const grant = await fetch(`${base}api/docs/docs/${name}/acl/victor`, {method: 'PUT',
      headers: {'Authorization': 'Bearer ' + ownerToken, 'Content-Type': 'application/json'},
      body: JSON.stringify({role: 'viewer'})});
    const acl = await grant.json();
    check(grant.status === 200 && acl.acl.some((e) => e.user === 'victor' && e.role === 'viewer'),
      'the owner made victor a viewer: ' + grant.status + ' ' + JSON.stringify(acl));

    const viewer = await openAs(browser, 'Victor', pageUrl(viewerToken));
    await waitFor(viewer, () => window.quire && window.quire.roleKnown() && window.quire.readOnly() &&
      window.quire.status() === 'readonly' && window.quire.text() === 'only the owner writes here', null,
      'the read-only page with the text');
    check(await viewer.locator('#status').textContent() === 'Read-only', 'the indicator says read-only');
    check(await viewer.locator('#editor .cm-content').getAttribute('contenteditable') === 'false', 'not editable');

    await typeAtEnd(owner, ', and more');
    await waitFor(viewer, () => window.quire.text() === 'only the owner writes here, and more', null,
      "the owner's new typing on the viewer's page");

    await viewer.click('.cm-content');
    await viewer.keyboard.press('Control+End');
    await viewer.keyboard.type('viewer keys');
    await viewer.keyboard.press('Backspace');
    // Both pages round-trip through the server: an op the viewer had sent would be refused (counted) before this.
    await typeAtStart(owner, '> ');
    const final = await converged(owner, viewer, "the owner's last edit");
    check(final === '> only the owner writes here, and more', 'the text is only the owner\'s: ' + JSON.stringify(final));
    check(await viewer.evaluate(() => !window.quire.pending() && window.quire.notice() === ''),
      'nothing pending or refused on the viewer page: ' + await viewer.evaluate(() => window.quire.notice()));
    const metrics = await (await fetch(`${base}metrics`)).text();
    const rejected = metrics.split('\n').filter((l) => /^quire_edge_ops_rejected_total\{/.test(l) && !/ 0(\.0)?$/.test(l));
    check(rejected.length === 0, 'the server refused no op: ' + rejected.join('; '));
    check(!logs.some((l) => /FORBIDDEN|document error/.test(l)), 'no refusal in the page logs');
    await viewer.screenshot({path: path.join(shotDir, 'viewer-victor.png')});

    // Someone without a role, and someone without a token: told so, shown nothing, able to type nothing.
    const notices = {};
    for (const [who, url] of [['Mallory', pageUrl(strangerToken)], ['Nobody', `${base}#docs/${name}`]]) {
      const page = await openAs(browser, who, url);
      await waitFor(page, () => window.quire && window.quire.roleKnown() && window.quire.readOnly() &&
        window.quire.notice() !== '', null, 'the page to say why it is read-only');
      notices[who] = await page.evaluate(() => window.quire.notice());
      check(await page.evaluate(() => window.quire.text()) === '', who + ' sees no text');
    }
    check(/do not have access/.test(notices.Mallory), 'the stranger is told: ' + notices.Mallory);
    check(/Not signed in/.test(notices.Nobody), 'the anonymous page is told: ' + notices.Nobody);
    return {text: final, notices};
  },
};

async function main() {
  check(scenarios[scenario], 'unknown scenario ' + scenario + '; one of ' + Object.keys(scenarios).join(', '));
  fs.mkdirSync(shotDir, {recursive: true});
  const browser = await chromium.launch({executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: WAIT_MS});
  try {
    const result = await scenarios[scenario](browser);
    check(!logs.some((l) => l.includes('PAGE ERROR')), 'no page threw an uncaught error');
    console.log(JSON.stringify(Object.assign({ok: true, scenario}, result)));
  } catch (err) {
    for (let i = 0; i < pages.length; i++) {
      const file = path.join(shotDir, `${scenario}-FAILED-${i}-${pages[i].quireName}.png`);
      try {
        await pages[i].screenshot({path: file, timeout: 5000});
        console.error('screenshot: ' + file);
      } catch (shotErr) {
        console.error('no screenshot of ' + pages[i].quireName + ': ' + shotErr.message);
      }
    }
    throw err;
  } finally {
    const errors = logs.filter((l) => l.includes('PAGE ERROR'));
    if (errors.length) console.error(errors.join('\n'));
    await browser.close();
  }
}

const guard = setTimeout(() => {
  console.error('FAIL: scenario ' + scenario + ' took longer than 100 s');
  console.error(logs.join('\n'));
  process.exit(3);
}, 100000);
main().then(() => {
  clearTimeout(guard);
  process.exit(0);
}, (err) => {
  clearTimeout(guard);
  console.error('FAIL:', err && err.stack || err);
  console.error(logs.slice(-40).join('\n'));
  process.exit(1);
});
