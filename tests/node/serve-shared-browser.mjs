// Real browsers against two `sio-tutor serve --redis URL` processes: Debian's chromium,
// headless, driven by playwright-core. anna's page is served by process A, ben's by process B;
// they see each other online, chat both ways, write privately and meet in a room.
// Run by tests/serve.rs:  node serve-shared-browser.mjs URL_A URL_B
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { watchdog } from './serve-lib.mjs';

watchdog(60);
const [urlA, urlB] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

// Each student gets a fresh context (its own storage), as on separate machines.
async function student(url, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
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

try {
  const anna = await student(urlA, 'anna');
  const ben = await student(urlB, 'ben');
  // One online list: each sees the other, though they are on different processes.
  await anna.locator('#online li', { hasText: 'ben' }).waitFor();
  await ben.locator('#online li', { hasText: 'anna' }).waitFor();

  await send(anna, 'hello from A');
  await line(ben, 'hello from A').waitFor();
  await send(ben, 'hello from B');
  await line(anna, 'hello from B').waitFor();

  // A private message from B to A, through anna's own-id room.
  await ben.click('#online button.person:has-text("anna")');
  await ben.fill('#input', 'just for anna');
  await ben.press('#input', 'Enter');
  await anna.locator('#messages li.private', { hasText: 'just for anna' }).waitFor();

  // A room with a member on each process.
  for (const page of [anna, ben]) {
    await page.fill('#room-input', 'maths');
    await page.press('#room-input', 'Enter');
    await page.locator('#rooms li', { hasText: 'maths' }).waitFor();
  }
  await send(anna, 'room hello', 'room:maths');
  await ben.locator('#messages li.room', { hasText: 'room hello' }).waitFor();

  // The last one, which both terminals report (the test waits for it).
  await send(ben, 'last one');
  await line(anna, 'last one').waitFor();
  assert.deepEqual(errors, [], 'no script error on any page');
  console.log('fenced');
  // The pages stay until the test has seen both terminals report the last message.
  await new Promise((resolve) => { process.stdin.on('end', resolve); process.stdin.resume(); });
} finally {
  await browser.close();
}
