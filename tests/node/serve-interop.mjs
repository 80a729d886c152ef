// The official socket.io-client against `sio-tutor serve`: chat relay, nicknames, typing,
// private messages and rooms, each with its exact recipients, and the official tutorial's page
// logic unchanged. Run by tests/serve.rs:  node serve-interop.mjs URL
import assert from 'node:assert/strict';
import { Client, barrier, expectInboxes, serverUrl, step, watchdog } from './serve-lib.mjs';

watchdog(30);
const url = serverUrl();

// --- Nicknames and announcements -------------------------------------------------------------
const anna = await Client.connect(url, 'anna');
const ben = await Client.connect(url, 'ben');
const cleo = await Client.connect(url, '  cleo\n');   // tidied by the server
const all = [anna, ben, cleo];
assert.equal(cleo.given, 'cleo', 'the nickname is trimmed and control characters removed');
await barrier(all);
// Arrivals are announced to everyone in batches (`io.emit('user connected', names)`), the
// newcomer included, before its welcome; the newcomer also gets the whole list once.
expectInboxes('three arrivals', { anna: anna.take(), ben: ben.take(), cleo: cleo.take() }, {
  anna: [['online', ['anna']], ['user connected', ['anna']], ['welcome', { name: 'anna' }],
    ['user connected', ['ben']], ['user connected', ['cleo']]],
  ben: [['online', ['anna', 'ben']], ['user connected', ['ben']], ['welcome', { name: 'ben' }],
    ['user connected', ['cleo']]],
  cleo: [['online', ['anna', 'ben', 'cleo']], ['user connected', ['cleo']], ['welcome', { name: 'cleo' }]],
});

// A taken nickname gets a suffix; a nickname over 32 characters is refused with a message.
const twin = await Client.connect(url, 'anna');
assert.equal(twin.given, 'anna-2');
twin.close();
await Promise.all(all.map((c) => new Promise((resolve) => {
  const seen = () => c.inbox.some(([event, names]) => event === 'user disconnected' && names.includes('anna-2'));
  if (seen()) return resolve();
  c.socket.on('user disconnected', () => { if (seen()) resolve(); });
})));
all.forEach((c) => c.take());
await assert.rejects(Client.connect(url, 'x'.repeat(33)), /at most 32 characters/);

// --- The official example: io.emit('chat message', msg) -------------------------------------
let result = await step(all, () => anna.send('chat message', 'hello'));
assert.deepEqual(result.answer, { ok: true });
expectInboxes('io.emit', result.inboxes, {
  anna: [['chat message', 'hello', 'anna']],
  ben: [['chat message', 'hello', 'anna']],
  cleo: [['chat message', 'hello', 'anna']],
});

// --- Typing: socket.broadcast.emit('typing', name) -----------------------------------------
result = await step(all, () => ben.send('typing'));
expectInboxes('socket.broadcast.emit', result.inboxes, {
  anna: [['typing', 'ben']],
  cleo: [['typing', 'ben']],
});

// --- Private message: socket.to(cleo.id).emit(...) -----------------------------------------
result = await step(all, () => anna.send('private message', { to: 'cleo', text: 'psst' }));
expectInboxes('private message', result.inboxes, {
  cleo: [['private message', 'psst', 'anna']],
});
result = await step(all, () => anna.send('private message', { to: 'nobody', text: 'hi' }));
assert.match(result.answer.error, /nobody called nobody/);
expectInboxes('private message to nobody', result.inboxes, {
  anna: [['notice', 'nobody called nobody is online']],
});
result = await step(all, () => anna.send('private message', { to: 'anna', text: 'me' }));
expectInboxes('private message to oneself', result.inboxes, {
  anna: [['notice', 'a private message to yourself was not sent']],
});

// --- Rooms: socket.join / io.to(room) / socket.leave ----------------------------------------
result = await step(all, () => ben.send('join', 'maths'));
expectInboxes('ben joins', result.inboxes, { ben: [['rooms', ['maths']]] });
result = await step(all, () => cleo.send('join', 'maths'));
expectInboxes('cleo joins', result.inboxes, { cleo: [['rooms', ['maths']]] });

result = await step(all, () => ben.send('room message', { room: 'maths', text: '2+2' }));
expectInboxes('io.to(maths)', result.inboxes, {
  ben: [['room message', 'maths', '2+2', 'ben']],
  cleo: [['room message', 'maths', '2+2', 'ben']],
});
result = await step(all, () => anna.send('room message', { room: 'maths', text: 'let me in' }));
expectInboxes('not a member', result.inboxes, {
  anna: [['notice', 'join the room maths before writing to it']],
});

// Another socket's id is its private room: nobody may join it.
result = await step(all, () => ben.send('join', anna.socket.id));
assert.match(result.answer.error, /that is a socket's id/);
result = await step(all, () => cleo.send('private message', { to: 'anna', text: 'still private' }));
expectInboxes('private after a refused join', result.inboxes, {
  anna: [['private message', 'still private', 'cleo']],
});

result = await step(all, () => cleo.send('leave', 'maths'));
expectInboxes('cleo leaves', result.inboxes, { cleo: [['rooms', []]] });
result = await step(all, () => ben.send('room message', { room: 'maths', text: 'alone?' }));
expectInboxes('after leave', result.inboxes, { ben: [['room message', 'maths', 'alone?', 'ben']] });

// --- Limits ----------------------------------------------------------------------------------
result = await step(all, () => cleo.send('chat message', 'x'.repeat(1001)));
expectInboxes('1,001 characters', result.inboxes, {
  cleo: [['notice', 'your message was not sent: it is over 1000 characters']],
});
result = await step(all, () => cleo.send('chat message', 'é'.repeat(1000)));
assert.deepEqual(result.answer, { ok: true }, '1,000 characters are fine, even two bytes each');

// --- The official tutorial's page, unchanged -------------------------------------------------
// Its whole logic: `io()` with no auth, emit 'chat message' with the text, and show the first
// argument of every 'chat message'. It emits as soon as it is connected, without waiting for
// anything of ours: the server must already be listening then (handlers are registered in the
// connect middleware, before the connection is acknowledged).
const official = [];
for (let i = 0; i < 20; i += 1) {
  official.push(new Promise((resolve, reject) => {
    const socket = new Client(url, undefined).socket;
    const text = `official page ${i}`;
    socket.on('connect', () => socket.emit('chat message', text));
    socket.on('chat message', (msg) => { if (msg === text) resolve(socket); });
    socket.on('connect_error', reject);
  }));
}
const officials = await Promise.all(official);
// The official pages ask for no acknowledgement, so no barrier can prove that the server has
// finished relaying their messages: each one's relay is a handler of its own, which may still be
// writing to the others when that page gets its own copy. So each named client waits until it
// has all 20 (bounded: a missing one fails after 10 s), and the barrier then proves that nothing
// more is on its way.
await Promise.all(all.map((c) => new Promise((resolve, reject) => {
  const count = () => c.inbox.filter(([e, msg]) => e === 'chat message'
    && String(msg).startsWith('official page ')).length;
  if (count() >= 20) return resolve();
  const deadline = setTimeout(() => reject(new Error(`${c.name} got ${count()} of 20 official messages`)), 10_000);
  c.socket.onAny(() => { if (count() >= 20) { clearTimeout(deadline); resolve(); } });
})));
await barrier(all);
for (const c of all) {
  const texts = c.take().filter(([e]) => e === 'chat message').map(([, msg]) => msg).sort();
  assert.equal(texts.length, 20, `${c.name} received every official page's message`);
}
officials.forEach((s) => s.disconnect());

all.forEach((c) => c.close());
console.log('serve interop: ok');
