// A crowd against `sio-tutor serve`: N official clients (default 1,000) connect at the same
// moment with the browser's default transports (HTTP long-polling, then the WebSocket upgrade),
// every one must get its welcome, then a few of them chat and everyone gets every message.
// Run by tests/serve.rs:  node serve-crowd.mjs URL [N]
import assert from 'node:assert/strict';
import { Client, barrier, serverUrl, watchdog } from './serve-lib.mjs';

watchdog(120);
const url = serverUrl();
const count = Number(process.argv[3] ?? 1000);

const started = Date.now();
const crowd = [];
for (let i = 0; i < count; i += 1) {
  crowd.push(new Client(url, `c${i}`, { transports: ['polling', 'websocket'] }));
}
const welcomed = await Promise.allSettled(crowd.map((c) => c.ready()));
const failed = welcomed.filter((r) => r.status === 'rejected');
assert.equal(failed.length, 0, `${failed.length} of ${count} never got in: ${failed[0]?.reason}`);
const connectMs = Date.now() - started;
await barrier(crowd);

// Everyone knows everyone: the online list at arrival plus the announcements after it.
// And it did not cost one packet per classmate: arrivals come in batches, so the first to
// arrive, who hears of every later one, got far fewer announcements than there are people.
for (const c of [crowd[0], crowd[count >> 1], crowd[count - 1]]) {
  const known = new Set();
  let announcements = 0;
  for (const [event, ...args] of c.take()) {
    if (event === 'online') args[0].forEach((n) => known.add(n));
    if (event === 'user connected') {
      announcements += 1;
      [args[0]].flat().forEach((n) => known.add(n));
    }
  }
  assert.equal(known.size, count, `${c.given} knows all ${count}`);
  assert.ok(announcements <= count / 4, `${c.given} got ${announcements} announcements for ${count} arrivals`);
}

// Five of them chat; everyone gets each message.
for (const sender of crowd.slice(0, 5)) {
  const answer = await sender.send('chat message', `hello from ${sender.given}`);
  assert.deepEqual(answer, { ok: true });
}
await barrier(crowd);
for (const c of crowd) {
  const got = c.take().filter(([e]) => e === 'chat message');
  assert.equal(got.length, 5, `${c.given} got every message`);
}
crowd.forEach((c) => c.close());
console.log(JSON.stringify({ count, connectMs }));
