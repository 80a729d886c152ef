// One socket's events are handled in the order it sent them, as on Node: on `sio-tutor serve`
// (URL) and, to show the expectation is Node's, on Node's server with the chat's handlers
// (node-chat-server.mjs). Run by tests/serve.rs:  node serve-order.mjs URL
//
// Ten senders each emit, without waiting for any answer: `typing` then `chat message`, three
// times, then `join` a room and at once a `room message` to it; five rounds, ten new senders
// each. Node runs one socket's listeners one after another, so a watcher gets each sender's
// `typing` before that sender's message (the page clears "X is typing" when X's message comes),
// and the room message finds its sender in the room. Every answer is awaited, then the barrier:
// what the watcher has then is all it gets. Without `serve::turn` this failed in every run.
import assert from 'node:assert/strict';
import { Client, barrier, nodeChatServer, serverUrl, watchdog } from './serve-lib.mjs';

watchdog(60);
const ROUNDS = 5;
const SENDERS = 10;
const PAIRS = 3;

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

const node = await nodeChatServer();
await check('node', node.url);
node.close();
await check('sio-tutor', serverUrl());
console.log('serve order: ok');
process.exit(0);
