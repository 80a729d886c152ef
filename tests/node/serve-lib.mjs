// Helpers shared by the `sio-tutor serve` tests: named socket.io-client sockets that record
// every event, and the acknowledgement barrier that proves who did NOT receive something.
//
// Non-receipt is never decided by waiting: an action is sent with an acknowledgement (the server
// answers only after its relay's emit has returned), then every client round-trips an
// acknowledged `sio-tutor:sync`. One connection is ordered, so once every answer is back, every
// delivery of that action has arrived, and an empty inbox proves nothing came.
import { io } from 'socket.io-client';
import assert from 'node:assert/strict';

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

// A named client. `name === undefined` sends no auth at all, as the official page does.
// Like the chat page, a named client (only a named one) declares `confirms` and answers every event the server
// sends with an acknowledgement (a relay), unless `answers` is false: then it behaves like a
// page that stopped answering. The acknowledgement callback is not recorded in the inbox.
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
    this.socket.onAny((event, ...args) => {
      const ack = typeof args[args.length - 1] === 'function' ? args.pop() : null;
      this.inbox.push([event, ...args]);
      if (ack && answers) {
        this.answered += 1;
        ack();
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

  close() {
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
