// A class of 30 against `sio-tutor serve`: 28 pages that answer every relayed event, one that
// declares it answers and stops (`stalled`), and the official tutorial's page, which never
// answers (`guest-1`). Run by tests/serve.rs, which checks what the terminal said about each
// delivery:  node serve-class.mjs URL
import assert from 'node:assert/strict';
import { Client, barrier, serverUrl, step, watchdog } from './serve-lib.mjs';

watchdog(30);
const url = serverUrl();

const students = [];
for (let i = 1; i <= 28; i += 1) students.push(await Client.connect(url, `s${String(i).padStart(2, '0')}`));
const stalled = await Client.connect(url, 'stalled', false);
const official = new Client(url, undefined);
await official.ready();
const all = [...students, stalled, official];
await barrier(all);

// Typing five times is one line on the terminal; the message after it is one more.
for (let i = 0; i < 5; i += 1) await step(all, () => students[0].send('typing'));
const { answer, inboxes } = await step(all, () => students[0].send('chat message', 'hello class'));
assert.deepEqual(answer, { ok: true });
for (const [name, inbox] of Object.entries(inboxes)) {
  assert.deepEqual(inbox, [['chat message', 'hello class', 's01']], `${name} received the message`);
}
assert.equal(stalled.answered, 0, 'the stalled page answered nothing');
assert.ok(students[1].answered >= 6, 'a page answers every relayed event');

// The server gives each page 3 s (CONFIRM_TIMEOUT) to answer. `stalled` must still be
// connected when that runs out, or the terminal rightly says it disconnected instead: this is the
// one wait in these tests, and it waits for the absence of an answer, which no event can signal.
await new Promise((resolve) => setTimeout(resolve, 3500));
all.forEach((c) => c.close());
console.log('serve class: ok');
