// Faults against `sio-tutor serve`: a malformed packet, an oversized message and a flood from
// one client. The server must close or slow down only the offender, and the others must lose
// none of their messages. Run by tests/serve.rs:  node serve-faults.mjs URL
import assert from 'node:assert/strict';
import { Client, barrier, serverUrl, step, watchdog } from './serve-lib.mjs';

watchdog(30);
const url = serverUrl();

const anna = await Client.connect(url, 'anna');
const ben = await Client.connect(url, 'ben');
const good = [anna, ben];
await barrier(good);

// Counts the 'chat message's a client received from each sender.
function chats(inbox) {
  const from = {};
  for (const [event, msg, sender] of inbox) {
    if (event === 'chat message') (from[sender] ??= []).push(msg);
  }
  return from;
}

// --- A malformed packet: only that connection is closed -------------------------------------
const mallory = await Client.connect(url, 'mallory');
// engine.write sends a raw engine.io message; '2' is a Socket.IO EVENT, followed by broken JSON.
mallory.socket.io.engine.write('2["chat message", "unterminated');
assert.equal(await mallory.closed(), 'transport close');
good.forEach((c) => c.take());
let result = await step(good, () => anna.send('chat message', 'after malformed'));
assert.deepEqual(chats(result.inboxes.anna), { anna: ['after malformed'] });
assert.deepEqual(chats(result.inboxes.ben), { anna: ['after malformed'] });

// --- An oversized message: over the server's packet bound, the connection is closed ----------
const oscar = await Client.connect(url, 'oscar');
oscar.socket.emit('chat message', 'x'.repeat(200_000));
await oscar.closed();
await barrier(good);
good.forEach((c) => c.take());
result = await step(good, () => ben.send('chat message', 'after oversized'));
assert.deepEqual(chats(result.inboxes.anna), { ben: ['after oversized'] });
assert.deepEqual(chats(result.inboxes.ben), { ben: ['after oversized'] });

// --- A flood: more than 10 a second is refused, the others lose nothing -----------------------
const flo = await Client.connect(url, 'flo');
const everyone = [anna, ben, flo];
await barrier(everyone);
everyone.forEach((c) => c.take());

const sequence = async (client, count) => {
  for (let i = 0; i < count; i += 1) {
    // One at a time, well under the limit, each acknowledged: an honest student.
    assert.deepEqual(await client.send('chat message', `${client.name} ${i}`), { ok: true });
  }
};
// 60 at once, each acknowledged so that we know when all were handled. (Not many more: the
// server queues a bounded number of packets for a socket (MAX_QUEUED_PACKETS), and the acks,
// the relays and the notice all queue for flo; beyond that the server drops packets to the
// flooder, which is fine for a flooder but would lose the acks this test counts.)
const FLOOD = 60;
const started = performance.now();
const flood = Promise.all(Array.from({ length: FLOOD }, (_, i) => flo.send('chat message', `flood ${i}`)));
const [answers] = await Promise.all([flood, sequence(anna, 5), sequence(ben, 5)]);
const seconds = (performance.now() - started) / 1000;
await barrier(everyone);

const accepted = answers.filter((a) => a.ok).length;
const refused = answers.filter((a) => a.error).length;
assert.equal(accepted + refused, FLOOD);
// A full bucket of 10, plus 10 a second for as long as the flood lasted (longer on a busy box).
const allowed = 10 + Math.ceil(seconds * 10) + 1;
assert.ok(accepted >= 1 && accepted <= allowed, `the flood was slowed down: ${accepted} of ${FLOOD} in ${seconds.toFixed(2)} s`);
assert.ok(refused >= 1, 'some of the flood was refused');
const floInbox = flo.take();
const notices = floInbox.filter(([e]) => e === 'notice');
assert.ok(notices.length >= 1 && notices.length <= Math.ceil(seconds) + 1, `flo was told, once a second at most: ${notices.length}`);
assert.match(notices[0][1], /slow down/);
floInbox.forEach(([e, msg, sender]) => assert.ok(e !== 'chat message' || sender === 'flo' || /^(anna|ben) \d$/.test(msg)));

for (const c of [anna, ben]) {
  const got = chats(c.take());
  assert.deepEqual(got.anna, ['anna 0', 'anna 1', 'anna 2', 'anna 3', 'anna 4'], `${c.name} got all of anna's`);
  assert.deepEqual(got.ben, ['ben 0', 'ben 1', 'ben 2', 'ben 3', 'ben 4'], `${c.name} got all of ben's`);
  assert.equal(got.flo.length, accepted, `${c.name} got exactly the flood messages that were accepted`);
}

everyone.forEach((c) => c.close());
console.log(`serve faults: ok (flood: ${accepted} of ${FLOOD} accepted, ${notices.length} notice)`);
