// Two `sio-tutor serve --redis URL` processes, one class: the official socket.io-client on each
// side; chat, private messages and rooms across them, one online list, unique names.
// Run by tests/serve.rs:  node serve-shared.mjs URL_A URL_B
//
// Across processes the sync barrier is not enough (a relay for B's sockets travels A → Redis →
// B on its own schedule). The fence: after an action, its sender sends a chat message through
// the same adapter path; Redis and each server keep one publisher's messages in order, so once
// every client has the fence, everything the action sent them has arrived, and an inbox
// without it proves it did not come.
import assert from 'node:assert/strict';
import { Client, watchdog } from './serve-lib.mjs';

watchdog(60);
const [urlA, urlB] = process.argv.slice(2);
if (!urlB) {
  console.error('usage: node serve-shared.mjs URL_A URL_B');
  process.exit(2);
}

// Resolves once `client` has received `event` with these first arguments.
function received(client, event, ...args) {
  const has = () => client.inbox.some(([e, ...a]) => e === event && args.every((x, i) => JSON.stringify(a[i]) === JSON.stringify(x)));
  return new Promise((resolve) => {
    if (has()) return resolve();
    const check = () => { if (has()) { client.socket.offAny(check); resolve(); } };
    client.socket.onAny(check);
  });
}

let fences = 0;
// The action, then a fence from `sender`; returns every client's inbox, the fence left out.
async function fenced(clients, sender, action) {
  const answer = await action();
  const fence = `fence ${fences += 1}`;
  assert.deepEqual(await sender.send('chat message', fence), { ok: true });
  await Promise.all(clients.map((c) => received(c, 'chat message', fence, sender.given)));
  const inboxes = {};
  for (const c of clients) {
    inboxes[c.given] = c.take().filter(([e, ...a]) => !(e === 'chat message' && a[0] === fence)
      && e !== 'user connected' && e !== 'user disconnected');
  }
  return { answer, inboxes };
}

function expectInboxes(what, inboxes, expected) {
  for (const [name, inbox] of Object.entries(inboxes)) {
    assert.deepEqual(inbox, expected[name] ?? [], `${what}: what ${name} received`);
  }
}

// --- One class, two doors: names are unique across both, one online list -------------------
const anna = await Client.connect(urlA, 'anna');
const ben = await Client.connect(urlB, 'ben');
const cleo = await Client.connect(urlA, 'cleo');
const dan = await Client.connect(urlB, 'dan');
const all = [anna, ben, cleo, dan];
const online = dan.inbox.find(([event]) => event === 'online');
assert.deepEqual(online, ['online', ['anna', 'ben', 'cleo', 'dan']], 'the online list covers both processes');
// anna's process learns of dan (on the other one) by the adapter's broadcast.
await received(anna, 'user connected', ['dan']);

const twin = await Client.connect(urlB, 'anna');
assert.equal(twin.given, 'anna-2', 'a name taken on the other process gets a suffix');
twin.close();
await Promise.all(all.map((c) => received(c, 'user disconnected', ['anna-2'])));
const guest = new Client(urlB, undefined);
await received(guest, 'welcome', { name: 'guest-1' }).catch(() => {});
guest.close();
all.forEach((c) => c.take());

// --- io.emit from B reaches A's students -----------------------------------------------------
let result = await fenced(all, ben, () => ben.send('chat message', 'hello from B'));
assert.deepEqual(result.answer, { ok: true });
expectInboxes('io.emit across processes', result.inboxes, {
  anna: [['chat message', 'hello from B', 'ben']],
  ben: [['chat message', 'hello from B', 'ben']],
  cleo: [['chat message', 'hello from B', 'ben']],
  dan: [['chat message', 'hello from B', 'ben']],
});

// --- A private message from A to a student on B, and only to them ---------------------------
result = await fenced(all, anna, () => anna.send('private message', { to: 'dan', text: 'psst' }));
assert.deepEqual(result.answer, { ok: true });
expectInboxes('private message across processes', result.inboxes, {
  dan: [['private message', 'psst', 'anna']],
});

// --- Typing: socket.broadcast from A reaches B, not the typist --------------------------------
result = await fenced(all, cleo, () => cleo.send('typing'));
expectInboxes('socket.broadcast across processes', result.inboxes, {
  anna: [['typing', 'cleo']],
  ben: [['typing', 'cleo']],
  dan: [['typing', 'cleo']],
});

// --- A room with members on both processes ----------------------------------------------------
assert.deepEqual(await ben.send('join', 'maths'), { ok: true });
assert.deepEqual(await cleo.send('join', 'maths'), { ok: true });
all.forEach((c) => c.take());
result = await fenced(all, cleo, () => cleo.send('room message', { room: 'maths', text: 'x = 2' }));
assert.deepEqual(result.answer, { ok: true });
expectInboxes('io.to(room) across processes', result.inboxes, {
  ben: [['room message', 'maths', 'x = 2', 'cleo']],
  cleo: [['room message', 'maths', 'x = 2', 'cleo']],
});

// The terminals report the last relays through Redis on their own schedule: the students stay
// until the test has seen those reports and closes our standard input.
console.log('fenced');
await new Promise((resolve) => { process.stdin.on('end', resolve); process.stdin.resume(); });
all.forEach((c) => c.close());
process.exit(0);
