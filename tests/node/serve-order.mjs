// One socket's events are handled in the order it sent them, as on Node: on `sio-tutor serve`
// (URL) and, to show the expectation is Node's, on a Node socket.io server with the chat's
// handlers for the same events, started here. Run by tests/serve.rs:  node serve-order.mjs URL
//
// Ten senders each emit, without waiting for any answer: `typing` then `chat message`, three
// times, then `join` a room and at once a `room message` to it; five rounds, ten new senders
// each (more at once would fill socketioxide's 128-packet buffer of each socket and lose
// packets). Node runs one socket's listeners one after another, so a watcher gets each sender's `typing` before that sender's message (the
// page clears "X is typing" when X's message comes), and the room message finds its sender in
// the room. Every answer is awaited, then the barrier: what the watcher has then is all it gets.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { Client, barrier, serverUrl, watchdog } from './serve-lib.mjs';

watchdog(60);
const ROUNDS = 5;
const SENDERS = 10;
const PAIRS = 3;

// The chat's handlers for these events, as Node runs them (see src/serve/chat.rs's table).
function nodeServer() {
  const server = createServer();
  const io = new Server(server);
  io.on('connection', (socket) => {
    const name = String(socket.handshake.auth?.name ?? 'guest');
    const ok = (callback) => typeof callback === 'function' && callback({ ok: true });
    socket.on('typing', (callback) => { socket.broadcast.emit('typing', name); ok(callback); });
    socket.on('chat message', (msg, callback) => { io.emit('chat message', msg, name); ok(callback); });
    socket.on('join', (room, callback) => { socket.join(room); socket.emit('rooms', [room]); ok(callback); });
    socket.on('room message', ({ room, text }, callback) => {
      if (!socket.rooms.has(room)) {
        callback?.({ error: `you are not in the room ${room}` });
        return;
      }
      io.to(room).emit('room message', room, text, name);
      ok(callback);
    });
    socket.on('sio-tutor:sync', (callback) => callback());
    socket.emit('welcome', { name });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, io }));
  });
}

async function check(label, url) {
  const watcher = await Client.connect(url, 'watcher');
  for (let round = 0; round < ROUNDS; round++) {
    const senders = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await Client.connect(url, `s${round}-${i}`));
    const answers = [];
    for (const sender of senders) {
      for (let k = 0; k < PAIRS; k++) {
        answers.push(sender.send('typing'));
        answers.push(sender.send('chat message', `m${k}`));
      }
      answers.push(sender.send('join', sender.name));
      answers.push(sender.send('room message', { room: sender.name, text: 'in the room' }));
    }
    const answered = await Promise.all(answers);
    await barrier([watcher, ...senders]);

    const seen = new Map();
    for (const [event, ...args] of watcher.take()) {
      const who = event === 'typing' ? args[0] : event === 'chat message' ? args[1] : null;
      if (who !== null) seen.set(who, [...(seen.get(who) ?? []), event]);
    }
    const expected = Array.from({ length: PAIRS }, () => ['typing', 'chat message']).flat();
    for (const sender of senders) {
      assert.deepEqual(seen.get(sender.name), expected, `${label}: what the watcher got from ${sender.name}, in order`);
      const inRoom = sender.take().filter(([event]) => event === 'room message');
      assert.deepEqual(inRoom, [['room message', sender.name, 'in the room', sender.name]], `${label}: ${sender.name}'s room message`);
      sender.close();
    }
    for (const answer of answered) assert.deepEqual(answer, { ok: true }, `${label}: every event accepted`);
  }
  watcher.close();
}

const node = await nodeServer();
await check('node', node.url);
node.io.close();
await check('sio-tutor', serverUrl());
console.log('serve order: ok');
process.exit(0);
