// Helpers shared by the `sio-tutor serve` tests: named socket.io-client sockets that record
// every event, the acknowledgement barrier that proves who did NOT receive something, and a Node
// server with the chat's handlers (node-chat-server.mjs) for the tests that check a behaviour
// is Node's.
//
// Non-receipt is never decided by waiting: an action is sent with an acknowledgement (the server
// answers only after its relay's emit has returned), then every client round-trips an
// acknowledged `sio-tutor:sync`. One connection is ordered, so once every answer is back, every
// delivery of that action has arrived, and an empty inbox proves nothing came.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { io } from 'socket.io-client';

export const SYNC = 'sio-tutor:sync';

// Fails a stuck run instead of hanging CI. The only timer in these tests.
export function watchdog(seconds = 30) {
  const timer = setTimeout(() => {
    console.error(`watchdog: the test did not finish in ${seconds} s`);
    process.exit(3);
  }, seconds * 1000);
  timer.unref();
}

export function serverUrl() {
  const url = process.argv[2];
  if (!url) {
    console.error('usage: node <script> URL   (the URL `sio-tutor serve --port 0` printed)');
    process.exit(2);
  }
  return url;
}

// The chat page's side of confirmed delivery (`confirm` in assets/chat.js), for simulated pages:
// a relay's last argument is a number marker (`{ 'sio-tutor:relay': n }`, one server) or an
// acknowledgement (servers sharing a class through Redis). Numbers are answered together in one
// `sio-tutor:shown` event, at most once per CONFIRM_WINDOW_MS (at once when quiet); an
// acknowledgement is answered at once.
export const RELAY = 'sio-tutor:relay';
export const SHOWN = 'sio-tutor:shown';
export const CONFIRM_WINDOW_MS = 1000;

export class Confirmer {
  // `hold`, if given, returns a promise to wait for before an answer goes out, or null (the
  // benchmark's fairness rule: see tests/node/bench.mjs).
  constructor(socket, hold = () => null) {
    this.socket = socket;
    this.hold = hold;
    this.shown = [];
    this.timer = null;
    this.last = -Infinity;
  }

  // Takes a relay's marker or acknowledgement off the end of `args`; null for other events.
  static take(args) {
    const last = args[args.length - 1];
    const marker = last !== null && typeof last === 'object' && Number.isSafeInteger(last[RELAY]);
    return typeof last === 'function' || marker ? args.pop() : null;
  }

  // Confirms a relay the page has shown (`answer` is what `take` returned).
  confirm(answer) {
    if (typeof answer === 'function') {
      answer();
      return;
    }
    this.shown.push(answer[RELAY]);
    if (this.timer === null) {
      this.timer = setTimeout(() => this.due(), Math.max(0, this.last + CONFIRM_WINDOW_MS - Date.now()));
    }
  }

  due() {
    const held = this.hold();
    if (held) held.then(() => this.flush());
    else this.flush();
  }

  // Sends what is waiting now (the page does so when it is left).
  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    this.last = Date.now();
    if (this.shown.length === 0) return;
    const numbers = this.shown;
    this.shown = [];
    this.socket.emit(SHOWN, numbers);
  }
}

// A named client. `name === undefined` sends no auth at all, as the official page does.
// Like the chat page, a named client (only a named one) declares `confirms` and confirms every
// relay it receives (see Confirmer), unless `answers` is false: then it behaves like a page that
// stopped answering. The marker or acknowledgement is not recorded in the inbox.
export class Client {
  constructor(url, name, options = {}, answers = name !== undefined) {
    this.name = name;
    this.inbox = [];
    this.answered = 0;
    this.socket = io(url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      ...(name === undefined ? {} : { auth: { name, confirms: true } }),
      ...options,
    });
    this.confirmer = new Confirmer(this.socket);
    this.socket.onAny((event, ...args) => {
      const answer = Confirmer.take(args);
      this.inbox.push([event, ...args]);
      if (answer && answers) {
        this.answered += 1;
        this.confirmer.confirm(answer);
      }
    });
  }

  // Resolves with the server's welcome ({ name }), rejects with a connect_error's message.
  ready() {
    return new Promise((resolve, reject) => {
      this.socket.once('welcome', (info) => { this.given = info.name; resolve(info); });
      this.socket.once('connect_error', (error) => reject(error));
    });
  }

  static async connect(url, name, answers = true) {
    const client = new Client(url, name, {}, answers);
    await client.ready();
    return client;
  }

  // Sends an event and waits for the server's answer ({ ok } or { error }).
  send(event, ...args) {
    return this.socket.timeout(10_000).emitWithAck(event, ...args);
  }

  sync() {
    return this.socket.timeout(10_000).emitWithAck(SYNC);
  }

  // Everything received since the last call, the barrier's own traffic left out.
  take() {
    const inbox = this.inbox;
    this.inbox = [];
    return inbox;
  }

  closed() {
    return new Promise((resolve) => {
      if (this.socket.disconnected) resolve('already');
      else this.socket.once('disconnect', resolve);
    });
  }

  // Leaves as the page does: what it has shown is confirmed first.
  close() {
    this.confirmer.flush();
    this.socket.disconnect();
  }
}

export async function barrier(clients) {
  await Promise.all(clients.map((c) => c.sync()));
}

// Runs an action, waits for the barrier, and returns each client's inbox by name.
export async function step(clients, action) {
  const answer = await action();
  await barrier(clients);
  const inboxes = {};
  for (const c of clients) inboxes[c.given ?? c.name] = c.take();
  return { answer, inboxes };
}

// Asserts the exact inbox of every client: `expected` maps a name to its list of events.
export function expectInboxes(what, inboxes, expected) {
  for (const [name, inbox] of Object.entries(inboxes)) {
    assert.deepEqual(inbox, expected[name] ?? [], `${what}: what ${name} received`);
  }
}

// Starts node-chat-server.mjs (the chat's handlers on Node's server) in a process of its own.
// Resolves with its URL and a function that stops it.
export function nodeChatServer() {
  const child = spawn(process.execPath, [new URL('./node-chat-server.mjs', import.meta.url).pathname], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // A failed assertion or the watchdog ends this process: the server goes with it, or it would
  // hold the test's stderr open and the test would wait for it forever.
  process.on('exit', () => child.kill());
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`node-chat-server.mjs exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      resolve({ url: JSON.parse(line).urls[0], close: () => child.kill() });
    });
  });
}
