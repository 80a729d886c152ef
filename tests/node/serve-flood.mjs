// A script floods `sio-tutor serve` with 200,000 chat messages as fast as it can, no answers
// asked. The rate limit lets about ten a second through; the others must be refused where the
// server reads them, costing no task and no memory (tests/serve.rs reads the server's peak
// memory afterwards), and a classmate's message still gets through.
// Run by tests/serve.rs:  node serve-flood.mjs URL
import assert from 'node:assert/strict';
import { Client, barrier, serverUrl, watchdog } from './serve-lib.mjs';

watchdog(60);
const url = serverUrl();
const FLOOD = 200_000;

const flo = await Client.connect(url, 'flo');
const anna = await Client.connect(url, 'anna');
for (let i = 0; i < FLOOD; i += 1) flo.socket.emit('chat message', `flood ${i}`);
assert.deepEqual(await anna.send('chat message', 'during the flood'), { ok: true });
await barrier([flo, anna]);

const got = anna.take().filter(([event]) => event === 'chat message');
assert.ok(got.some(([, msg, sender]) => msg === 'during the flood' && sender === 'anna'), "anna's message reached anna");
const flooded = got.filter(([, , sender]) => sender === 'flo').length;
assert.ok(flooded >= 1 && flooded < 100, `the flood was cut to the rate limit: ${flooded} of ${FLOOD} relayed`);
[flo, anna].forEach((c) => c.close());
console.log(`serve flood: ok (${flooded} of ${FLOOD} relayed)`);
