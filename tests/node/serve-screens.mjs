// The chat page at a projector's size (1280x800) and a phone's (390x844), in headless chromium:
// nothing overflows sideways, the message input and Send fit, a 32-character nickname stays in
// its box (in the online list and in the typing line), and the sidebar's captions are not
// clipped. Screenshots go to DIR when given (a temp dir: they are looked at, never committed).
// Run by tests/serve.rs:  node serve-screens.mjs URL [DIR]
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { serverUrl, watchdog } from './serve-lib.mjs';

watchdog(60);
const url = serverUrl();
const dir = process.argv[3];
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const long = 'W'.repeat(32);

async function student(name, viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url);
  await page.fill('#name-input', name);
  await page.click('#name-form button');
  await page.locator('#status', { hasText: 'connected as' }).waitFor();
  return page;
}

// Every element that sticks out of the viewport on the right, or out of its own scroll box.
const overflow = (page) => page.evaluate(() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  if (document.documentElement.scrollWidth > width) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  for (const node of document.querySelectorAll('body *')) {
    const box = node.getBoundingClientRect();
    if (box.width === 0 || getComputedStyle(node).display === 'none') continue;
    // Clipped by a box that is itself on screen (an ellipsis, a scrolling list): not visible.
    let clipped = false;
    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== 'visible' && up.getBoundingClientRect().right <= width + 0.5) clipped = true;
    }
    if (!clipped && box.right > width + 0.5) out.push(`${node.tagName}#${node.id}.${node.className} right=${box.right}`);
  }
  for (const node of document.querySelectorAll('aside, aside *, #online li')) {
    if (node.scrollWidth > node.clientWidth + 1 && getComputedStyle(node).overflowX === 'visible') {
      out.push(`${node.tagName}.${node.className} overflows its box: ${node.scrollWidth} > ${node.clientWidth}`);
    }
  }
  return out;
});

try {
  for (const [label, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
    const me = await student(long, viewport);
    const other = await student('ben', viewport);
    await me.locator('#online li', { hasText: 'ben' }).waitFor();
    // While the long name is typing, the others' typing line holds it too.
    await me.fill('#input', 'a message');
    await other.locator('#typing', { hasText: 'is typing' }).waitFor();
    assert.deepEqual(await overflow(other), [], `${label}: nothing sticks out while ${long} types`);
    await me.press('#input', 'Enter');
    await other.locator('#messages li', { hasText: 'a message' }).waitFor();
    await me.click('#online button.person:has-text("ben")');
    for (const page of [me, other]) {
      assert.deepEqual(await overflow(page), [], `${label}: nothing sticks out`);
      const input = await page.locator('#input').boundingBox();
      const send = await page.locator('#form button').boundingBox();
      assert.ok(input.width >= 120, `${label}: the message input is ${input.width}px wide`);
      assert.ok(send.x + send.width <= viewport.width, `${label}: Send is on screen`);
    }
    if (dir) {
      await me.screenshot({ path: `${dir}/${label}.png` });
      await me.screenshot({ path: `${dir}/${label}-full.png`, fullPage: true });
    }
    await me.context().close();
    await other.context().close();
  }
  console.log('serve screens: ok');
} finally {
  await browser.close();
}
