// A teacher alone with `sio-tutor serve --bots 3`: the bots are online and one answers.
// Run by tests/serve.rs:  node serve-bots.mjs URL
import assert from 'node:assert/strict';
import { Client, serverUrl, watchdog } from './serve-lib.mjs';

watchdog(30);
const teacher = await Client.connect(serverUrl(), 'teacher');
const answered = new Promise((resolve) => {
  teacher.socket.on('chat message', (msg, from) => { if (from.startsWith('bot-')) resolve([msg, from]); });
});
assert.deepEqual((await teacher.send('chat message', 'hello bots')), { ok: true });
const online = teacher.inbox.filter(([e]) => e === 'online').at(-1)[1];
assert.deepEqual(online, ['bot-alice', 'bot-bob', 'bot-carol', 'teacher']);
const [msg, from] = await answered;
assert.match(msg, /^teacher, I got "hello bots"/);
console.log(`serve bots: ok (${from} answered)`);
teacher.close();
