// A class that all sends at once ("everybody say hi!"): 300 clients (or CLASS) each emit one chat message
// at the same moment, on Node's server with the chat's handlers and on `sio-tutor serve` (URL).
// Node queues whatever a socket has not taken in yet, so every page gets every message; so must
// we. With socketioxide's default of 128 queued packets a socket, about 12 % of the deliveries
// were lost, and some senders' answers with them (see MAX_QUEUED_PACKETS in
// src/serve/limits.rs). Prints how long each server took, from the first send until every page
// had every message.  Run by tests/serve.rs:  node serve-burst.mjs URL [CLASS]
import assert from 'node:assert/strict';
import { Client, barrier, nodeChatServer, serverUrl, watchdog } from './serve-lib.mjs';

const CLASS = Number(process.argv[3] ?? 300);
watchdog(CLASS > 300 ? 300 : 60);

async function check(label, url) {
  const clients = await Promise.all(Array.from({ length: CLASS }, (_, i) => Client.connect(url, `c${i}`)));
  await barrier(clients);
  clients.forEach((c) => c.take());
  const started = performance.now();
  const answers = await Promise.all(clients.map((c) => c.send('chat message', `hi from ${c.name}`)
    .catch((error) => ({ sender: c.name, error: error.message }))));
  assert.deepEqual(answers.filter((a) => a.ok !== true), [], `${label}: every message accepted`);
  await barrier(clients);
  const ms = performance.now() - started;
  const everyone = clients.map((c) => `hi from ${c.name}`).sort();
  for (const client of clients) {
    const got = client.take().filter(([event]) => event === 'chat message').map(([, msg]) => msg).sort();
    assert.deepEqual(got, everyone, `${label}: ${client.name} got every message`);
  }
  clients.forEach((c) => c.close());
  return ms;
}

const node = await nodeChatServer();
const nodeMs = await check('node', node.url);
node.close();
const ourMs = await check('sio-tutor', serverUrl());
console.log(`serve burst: ok (${CLASS} x ${CLASS} deliveries: sio-tutor ${ourMs.toFixed(0)} ms, node ${nodeMs.toFixed(0)} ms)`);
process.exit(0);
