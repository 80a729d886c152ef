// Real browsers against `sio-tutor serve`: Debian's chromium, headless, driven by playwright-core.
// Two students chat, write privately and use a room; a third browser runs the official Socket.IO
// tutorial's page unchanged (assets/official.html, the tutorial's final index.html, which the
// server itself serves at /official, so the WebSocket upgrade is exercised too); and an HTML
// message is shown as text and runs nothing.
// Run by tests/serve.rs:  node serve-browser.mjs URL [SCREENSHOT.png]
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serverUrl, watchdog } from './serve-lib.mjs';

watchdog(60);
const url = serverUrl();
const screenshot = process.argv[3];
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// playwright's launch() gives the browser a fresh, temporary user-data-dir of its own, and
// each newContext() is as separate as another machine (its own cookies and storage).
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const dialogs = [];
const errors = [];

// Each student gets a fresh context (its own storage), as on separate machines.
async function student(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
  await page.goto(url);
  await page.fill('#name-input', name);
  await page.click('#name-form button');
  await page.locator('#status', { hasText: `connected as ${name}` }).waitFor();
  return page;
}

async function send(page, text, to = 'all') {
  await page.selectOption('#target', to);
  await page.fill('#input', text);
  await page.press('#input', 'Enter');
}

const line = (page, text) => page.locator('#messages li', { hasText: text });

let anna;
let ben;
try {
  anna = await student('anna');
  ben = await student('ben');
  await anna.locator('#online li', { hasText: 'ben' }).waitFor();

  // Chat between two browsers.
  await send(anna, 'hello from anna');
  await line(ben, 'hello from anna').waitFor();
  await line(anna, 'hello from anna').waitFor();

  // HTML from a student is text, never markup.
  const attack = '<img src=x onerror=alert(1)>';
  await send(anna, attack);
  await line(ben, attack).waitFor();
  assert.equal(await line(ben, attack).locator('.text').textContent(), attack);
  assert.equal(await ben.locator('#messages img').count(), 0, 'no <img> element was created');
  assert.equal(await anna.locator('#messages img').count(), 0, 'no <img> element was created');

  // Private message through ben's own-id room: ben clicks anna in the online list.
  await ben.click('#online button.person:has-text("anna")');
  assert.equal(await ben.inputValue('#target'), 'user:anna');
  await ben.fill('#input', 'just for anna');
  await ben.press('#input', 'Enter');
  await anna.locator('#messages li.private', { hasText: 'just for anna' }).waitFor();

  // A room: both join, anna writes to it.
  for (const page of [anna, ben]) {
    await page.fill('#room-input', 'maths');
    await page.press('#room-input', 'Enter');
    await page.locator('#rooms li', { hasText: 'maths' }).waitFor();
  }
  await send(anna, 'room hello', 'room:maths');
  await ben.locator('#messages li.room', { hasText: 'room hello' }).waitFor();

  // The official tutorial's page, unchanged, served by sio-tutor serve from its own origin: its
  // script loads /socket.io/socket.io.js and connects with io(), starting with long-polling and
  // upgrading to WebSocket, as in a real class.
  const officialContext = await browser.newContext();
  const official = await officialContext.newPage();
  official.on('pageerror', (error) => errors.push(`official: ${error.message}`));
  await official.goto(`${url}official`);
  await anna.locator('#online li', { hasText: 'guest-' }).waitFor();
  await official.waitForFunction(() => window.socket.io.engine.transport.name === 'websocket');
  await send(anna, 'hello official page');
  await official.locator('#messages li', { hasText: 'hello official page' }).waitFor();
  await official.fill('#input', 'hello from the official page');
  await official.press('#input', 'Enter');
  await line(anna, 'hello from the official page').waitFor();

  // A last round trip, so anything the attack could have started has had its chance.
  await send(ben, 'last one');
  await line(anna, 'last one').waitFor();
  assert.deepEqual(dialogs, [], 'no dialog was opened');
  assert.deepEqual(errors, [], 'no script error on any page');

  if (screenshot) {
    await ben.fill('#input', 'typing…');
    await anna.locator('#typing', { hasText: 'ben is typing' }).waitFor();
    await anna.screenshot({ path: screenshot });
  }
  console.log('fenced');
  // The pages stay until the test has seen the terminal report the last message: a page
  // confirms what it has shown within its confirmation window (assets/chat.js), and a page that
  // closed first would rightly be reported as disconnected.
  await new Promise((resolve) => { process.stdin.on('end', resolve); process.stdin.resume(); });
} finally {
  await browser.close();
}
