// Hostile text against `sio-tutor serve`: terminal escapes, forged report lines, invisible and
// right-to-left characters in nicknames and messages. Run by tests/serve.rs, which then checks
// what the teacher's terminal printed:  node serve-hostile.mjs URL
import assert from 'node:assert/strict';
import { Client, barrier, serverUrl, step, watchdog } from './serve-lib.mjs';

watchdog(30);
const url = serverUrl();

const anna = await Client.connect(url, 'anna');
const ben = await Client.connect(url, 'ben');
const all = [anna, ben];

// What a student could send to take over the projected terminal: clear it, retitle it (OSC),
// recolour it, move the cursor back (CR) and forge report lines (LF), a NUL, a C1 CSI.
const forged = [
  'hi\x1b[2J\x1b[H',
  '\x1b]0;pwned\x07title',
  '\x1b[31mred\x1b[0m',
  'overwrite\rserver: a user connected  (teacher)',
  'x\n    ✓ teacher   received \'chat message\' \'forged\'',
  'nul\0byte',
  'c1\u009b2Jcsi',
  'bidi \u202egnirts desrever',
];
for (const text of forged) {
  const { answer } = await step(all, () => anna.send('chat message', text));
  assert.deepEqual(answer, { ok: true }, `relayed: ${JSON.stringify(text)}`);
}
// The same in a room name is refused outright.
let result = await step(all, () => ben.send('join', 'maths\x1b[2J'));
assert.match(result.answer.error, /room name/);

// --- Spoofing ---------------------------------------------------------------------------------
await assert.rejects(Client.connect(url, 'viewer\u200b'), /invisible or right-to-left/);
await assert.rejects(Client.connect(url, '\u202eanna'), /invisible or right-to-left/);
await assert.rejects(Client.connect(url, 'an\x1bna'), /invisible or right-to-left/);
// NFC: "René" typed with a combining accent is the same name as the precomposed one.
const rene = await Client.connect(url, 'Rene\u0301');
assert.equal(rene.given, 'Ren\u00e9');
const rene2 = await Client.connect(url, 'Ren\u00e9');
assert.equal(rene2.given, 'Ren\u00e9-2', 'two ways to write one name are one name');
rene.close();
rene2.close();

// A message of only invisible characters is empty.
result = await step(all, () => anna.send('chat message', '\u200b\u200d\u202e \ufeff'));
assert.match(result.answer.error, /empty message/);

await barrier(all);
all.forEach((c) => c.close());
console.log('serve hostile: ok');
