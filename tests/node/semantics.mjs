// semantics.mjs: reference oracle for sio-tutor's statement language.
//
// Reads ONE JSON document on stdin ({namespaces, sockets, rows}), runs every row's
// statement on the official Node `socket.io` server with one real `socket.io-client`
// socket per listed socket, and prints on stdout who received what, one result per row:
//   {"results": [{"received": [names], "events": [{name, event, args}], "error": null|msg}]}
// A Rust test pipes the same scenario through our lab and compares the recipients.
//
// Why non-receipt is certain without any sleep (the acknowledgement barrier):
//   1. A statement runs inside this process. Node's emit and broadcast encode the packets
//      and hand them to each connection's engine.io write buffer synchronously (a returned
//      promise is awaited first), so when the statement is over every delivery is queued.
//   2. Then every still-connected client sends `sync` with an ack on its own connection.
//      The server answers at once, so the ack is queued on that connection AFTER every
//      packet of the statement, and engine.io and the client keep a connection's packets
//      in order.
//   3. So when a client's ack comes back, the client has already dispatched every event
//      the statement sent to it; once all acks are back, anything not recorded was never
//      sent. Only an emit deferred by a timer inside a statement would escape this, and
//      statements do not do that. (`volatile` emits may be dropped by Node itself when a
//      transport is busy, so they are not deterministic and do not belong in scenarios.)
// Event arguments are printed as received; a statement that sends socket ids as data
// would make the output differ from run to run.
// The only timer in the file is the 20 s watchdog, which reports a hang and fails the run;
// it never decides anything about receipt.
//
// Usage: node semantics.mjs < example.json

import { createServer } from "node:http";
import { format } from "node:util";
import { Server } from "socket.io";
import { io as connectClient } from "socket.io-client";

const WATCHDOG_MS = 20_000;

// What the run is doing now, so a watchdog abort can say where it got stuck.
let phase = "starting";
let watchdog = null;

main().catch((err) => {
  process.stderr.write(`semantics.mjs: ${phase}: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});

// The watchdog: armed for each scenario, so that a long batch is not cut short.
function armWatchdog() {
  clearTimeout(watchdog);
  watchdog = setTimeout(() => {
    process.stderr.write(
      `semantics.mjs: watchdog: no completion after ${WATCHDOG_MS / 1000} s, stuck while ${phase}\n`,
    );
    process.exit(3);
  }, WATCHDOG_MS);
}

async function main() {
  armWatchdog();
  phase = "reading input";
  const text = await readStdin();
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    inputError(`not valid JSON: ${err.message}`);
  }
  // A batch (`{"scenarios": [...]}`, used by the random differential tests) runs each scenario
  // on a fresh server, one after the other, in one process: starting Node once per scenario
  // would cost more than the scenarios themselves.
  let output;
  if (isObject(doc) && Array.isArray(doc.scenarios)) {
    const scenarios = [];
    for (const [i, one] of doc.scenarios.entries()) {
      armWatchdog();
      phase = `scenario ${i}`;
      scenarios.push({ results: await runScenario(parseInput(one)) });
    }
    output = { scenarios };
  } else {
    output = { results: await runScenario(parseInput(doc)) };
  }
  clearTimeout(watchdog);
  process.stdout.write(JSON.stringify(output) + "\n", () => process.exit(0));
}

async function runScenario(input) {
  const scenario = phase;
  phase = `${scenario}: starting the server`;
  const lab = await startServer(input.namespaces);

  const clients = [];
  for (const spec of input.sockets) {
    phase = `${scenario}: connecting ${spec.name} to ${spec.namespace}`;
    clients.push(await connectOne(lab, spec));
  }

  phase = `${scenario}: joining the initial rooms`;
  for (const [i, spec] of input.sockets.entries()) {
    await awaitIfThenable(clients[i].server.join(spec.rooms));
  }

  const results = [];
  for (const [i, row] of input.rows.entries()) {
    phase = `${scenario}: running row ${i} (${JSON.stringify(row)})`;
    results.push(await runRow(row, lab, clients));
  }

  phase = `${scenario}: shutting down`;
  await shutdown(lab, clients);
  return results;
}

// ---------------------------------------------------------------------------------------
// Input

// A broken input document is the only reason (besides a real failure) to exit non-zero.
function inputError(message) {
  process.stderr.write(`semantics.mjs: bad input document: ${message}\n`);
  process.exit(2);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

function parseInput(doc) {
  if (!isObject(doc)) inputError("the document must be a JSON object");

  const namespaces = doc.namespaces;
  if (!Array.isArray(namespaces) || namespaces.length === 0) {
    inputError("`namespaces` must be a non-empty array");
  }
  for (const ns of namespaces) {
    if (typeof ns !== "string" || !ns.startsWith("/")) {
      inputError(`namespace ${JSON.stringify(ns)} must be a string starting with "/"`);
    }
  }

  if (!Array.isArray(doc.sockets)) inputError("`sockets` must be an array");
  const names = new Set();
  const sockets = doc.sockets.map((s, i) => {
    if (!isObject(s)) inputError(`sockets[${i}] must be an object`);
    checkSocketName(s.name, `sockets[${i}].name`);
    if (names.has(s.name)) inputError(`socket name ${JSON.stringify(s.name)} is used twice`);
    names.add(s.name);
    const namespace = s.namespace ?? "/";
    if (!namespaces.includes(namespace)) {
      inputError(`sockets[${i}].namespace ${JSON.stringify(namespace)} is not in \`namespaces\``);
    }
    const rooms = s.rooms ?? [];
    if (!Array.isArray(rooms) || !rooms.every((r) => typeof r === "string")) {
      inputError(`sockets[${i}].rooms must be an array of strings`);
    }
    return { name: s.name, namespace, rooms };
  });

  if (!Array.isArray(doc.rows)) inputError("`rows` must be an array");
  const rows = doc.rows.map((r, i) => {
    if (!isObject(r)) inputError(`rows[${i}] must be an object`);
    const listed = (name, where) => {
      if (!names.has(name)) inputError(`${where} ${JSON.stringify(name)} is not a listed socket`);
      return name;
    };
    if (isObject(r.on)) {
      const { namespace, event, statement } = r.on;
      if (!namespaces.includes(namespace)) inputError(`rows[${i}].on.namespace is not served`);
      if (typeof event !== "string" || typeof statement !== "string") {
        inputError(`rows[${i}].on needs a string event and statement`);
      }
      return { kind: "on", namespace, event, statement };
    }
    if (isObject(r.emit)) {
      const { name, event, args } = r.emit;
      listed(name, `rows[${i}].emit.name`);
      if (typeof event !== "string" || !Array.isArray(args)) {
        inputError(`rows[${i}].emit needs a string event and an array of args`);
      }
      // `withAck`: the row is `alice.emitWithAck(...)`, whose answer the result reports.
      return { kind: "emit", name, event, args, withAck: r.emit.withAck === true };
    }
    // `bob.on('question', (q, callback) => callback('yes'))`: the line itself runs on bob's
    // real socket.io-client socket, as JavaScript.
    // `socket.onAny((event, ...args) => console.log(event, args))`: the line runs, as
    // JavaScript, on every server socket of `/`, with a console that records what it prints.
    if (isObject(r.onAny)) {
      if (typeof r.onAny.source !== "string") inputError(`rows[${i}].onAny.source must be a string`);
      return { kind: "onAny", source: r.onAny.source };
    }
    if (isObject(r.clientOn)) {
      const { name, source } = r.clientOn;
      listed(name, `rows[${i}].clientOn.name`);
      if (typeof source !== "string") inputError(`rows[${i}].clientOn.source must be a string`);
      return { kind: "clientOn", name, source };
    }
    if (isObject(r.use)) {
      if (typeof r.use.statement !== "string") inputError(`rows[${i}].use needs a statement`);
      return { kind: "use", statement: r.use.statement };
    }
    if (isObject(r.connect)) {
      const { name, namespace, auth } = r.connect;
      checkSocketName(name, `rows[${i}].connect.name`);
      if (names.has(name)) inputError(`rows[${i}] connects ${JSON.stringify(name)} a second time`);
      names.add(name);
      if (typeof namespace !== "string" || !namespace.startsWith("/")) {
        inputError(`rows[${i}].connect.namespace must be a namespace`);
      }
      if (auth !== null && auth !== undefined && !isObject(auth)) {
        inputError(`rows[${i}].connect.auth must be an object or null`);
      }
      return { kind: "connect", name, namespace, auth: auth ?? null };
    }
    if (r.disconnect !== undefined) {
      return { kind: "disconnect", name: listed(r.disconnect, `rows[${i}].disconnect`) };
    }
    if (r.cut !== undefined) {
      return { kind: "cut", name: listed(r.cut, `rows[${i}].cut`) };
    }
    const as = r.as ?? null;
    if (as !== null) listed(as, `rows[${i}].as`);
    if (typeof r.statement !== "string") inputError(`rows[${i}].statement must be a string`);
    // `ask`: the statement is an emitWithAck; how its promise settles is the row's result.
    return { kind: "statement", as, statement: r.statement, ask: r.ask === true };
  });

  return { namespaces, sockets, rows };
}

function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// Socket names become parameters of the statement function, so each must be a legal
// strict-mode parameter name that does not shadow `io` or `socket`.
function checkSocketName(name, where) {
  if (typeof name !== "string" || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) {
    inputError(`${where} must be a JavaScript identifier, got ${JSON.stringify(name)}`);
  }
  if (name === "io" || name === "socket") inputError(`${where} may not be "io" or "socket"`);
  try {
    new Function(name, '"use strict";');
  } catch {
    inputError(`${where} ${JSON.stringify(name)} is a reserved word`);
  }
}

// ---------------------------------------------------------------------------------------
// Server

async function startServer(namespaces) {
  const http = createServer();
  const io = new Server(http, { serveClient: false });
  // Server-side sockets by name, filled in by the connection handlers.
  const byName = new Map();
  const lab = {
    io,
    http,
    port: 0,
    byName,
    // `on` rows: (namespace, event) -> the compiled handler statement.
    handlers: new Map(),
    // What the last handler threw, for its client-emit row to report.
    handlerError: null,
    // What onAny listeners printed during the current row (not during its barrier).
    logs: [],
    capturing: false,
    // A plain client-emit row: the harness still asks for an ack (for its barrier), which a
    // real `emit` does not; the recording console leaves that function out of what it prints.
    plainEmit: false,
    // Socket names, for the parameters of a handler statement.
    names: [],
    clients: [],
  };
  for (const ns of namespaces) {
    // First of the namespace's middlewares, so that a row's `io.use(...)` runs after it and
    // never sees the lab's name in `socket.handshake.auth` (the Rust lab takes it out too).
    io.of(ns).use(takeName);
    io.of(ns).on("connection", (socket) => onConnection(socket, lab));
  }
  await new Promise((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", resolve);
  });
  lab.port = http.address().port;
  return lab;
}

// The key under which a client sends its name in the handshake auth, beside a row's own auth
// (sio-tutor's lab uses the same key, `NAME_KEY` in src/lab/server.rs).
const NAME_KEY = "sio-tutor:name";
const labNames = new WeakMap();

function takeName(socket, next) {
  const auth = socket.handshake.auth;
  if (isObject(auth)) {
    labNames.set(socket, auth[NAME_KEY]);
    delete auth[NAME_KEY];
  }
  next();
}

function handlerKey(namespace, event) {
  return `${namespace}\u0000${event}`;
}

function onConnection(socket, lab) {
  const byName = lab.byName;
  const name = labNames.get(socket);
  // The `disconnect` promise is created before anything can disconnect the socket,
  // so a later wait for it can never miss the event.
  const gone = new Promise((resolve) => socket.once("disconnect", resolve));
  socket.on("sync", (ack) => {
    if (typeof ack === "function") ack();
  });
  // A client event with an `on` row's handler: run it as `(msg) => statement`, with
  // `socket` the sender and `msg` the first argument, then acknowledge, as sio-tutor's lab
  // does (the ack comes after the handler's emit, so the barrier after it proves receipt).
  socket.onAny(async (event, ...args) => {
    if (event === "sync") return;
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    const handler = lab.handlers.get(handlerKey(socket.nsp.name, event));
    if (handler) {
      const values = lab.clients.map((c) => ({ id: c.server.id }));
      try {
        // `callback` is the client's ack function, as in `(msg, callback) => ...`; the ack()
        // below is then a no-op (socket.io sends an ack once).
        await awaitIfThenable(handler(lab.io, socket, args[0], ack ?? undefined, ...values));
      } catch (err) {
        lab.handlerError = err instanceof Error ? err.message : String(err);
      }
    }
    if (ack) ack();
  });
  // `disconnecting` and `disconnect` rows: `(reason) => statement`, looked up when the event
  // fires, as the lab's server does.
  for (const event of ["disconnecting", "disconnect"]) {
    socket.on(event, (reason) => {
      const handler = lab.handlers.get(handlerKey(socket.nsp.name, event));
      if (!handler) return;
      const values = lab.clients.map((c) => ({ id: c.server.id }));
      try {
        handler(lab.io, socket, reason, undefined, ...values);
      } catch (err) {
        lab.handlerError = err instanceof Error ? err.message : String(err);
      }
    });
  }
  byName.set(name, { socket, gone });
  // Last line on purpose (docs/stack-facts.md, 1): once the client sees `welcome`, every
  // handler above is in place.
  socket.emit("welcome");
}

// ---------------------------------------------------------------------------------------
// Clients

// Connects one socket and waits for its welcome. With `refusable`, a `connect_error` (a
// middleware's refusal) resolves to `{ refused: err.message }` instead of failing the run.
async function connectOne(lab, spec, auth = null, refusable = false) {
  const client = connectClient(`http://127.0.0.1:${lab.port}${spec.namespace}`, {
    transports: ["websocket"],
    auth: { ...(auth ?? {}), [NAME_KEY]: spec.name },
    forceNew: true, // one connection per socket, like the Rust lab's clients
    reconnection: false, // a socket the server dropped must stay dropped
  });
  const record = {
    name: spec.name,
    client,
    server: null,
    serverGone: null,
    clientGone: new Promise((resolve) => client.once("disconnect", resolve)),
    ready: false,
    live: true,
    events: [],
  };
  client.onAny((event, ...args) => {
    // Before `ready`, the only thing that can arrive is the handshake's `welcome`.
    if (!record.ready) return;
    // An emit with an ack callback hands the client a function; it is not data.
    record.events.push({ event, args: args.filter((a) => typeof a !== "function") });
  });

  const refused = await new Promise((resolve, reject) => {
    client.once("welcome", () => resolve(null));
    client.once("connect_error", (err) => {
      if (refusable) resolve(err.message);
      else reject(new Error(`${spec.name} could not connect to ${spec.namespace}: ${err.message}`));
    });
  });
  if (refused !== null) {
    client.close();
    return { refused };
  }
  record.ready = true;

  const entry = lab.byName.get(spec.name);
  if (!entry) throw new Error(`the server never registered ${spec.name}`);
  record.server = entry.socket;
  record.serverGone = entry.gone;
  return record;
}

// ---------------------------------------------------------------------------------------
// Rows

async function runRow(row, lab, clients) {
  lab.clients = clients;
  let error = null;
  let connectError = null;
  let settled = null;
  if (row.kind === "use") {
    try {
      await awaitIfThenable(compile(row.statement, ["io"])(lab.io));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
  } else if (row.kind === "connect") {
    const spec = { name: row.name, namespace: row.namespace, rooms: [] };
    const outcome = await connectOne(lab, spec, row.auth, true);
    if (outcome.refused !== undefined) connectError = outcome.refused;
    else clients.push(outcome);
  } else if (row.kind === "statement" && row.ask) {
    settled = await askStatement(row, lab.io, clients);
  } else if (row.kind === "statement") {
    error = await runStatement(row, lab.io, clients);
  } else if (row.kind === "onAny") {
    const console = {
      log: (...parts) => {
        if (!lab.capturing) return;
        const shown = lab.plainEmit
          ? parts.map((p) => (Array.isArray(p) ? p.filter((a) => typeof a !== "function") : p))
          : parts;
        lab.logs.push(format(...shown));
      },
    };
    try {
      for (const c of clients) {
        if (c.live && c.server.nsp.name === "/") compile(row.source, ["socket", "console"])(c.server, console);
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
  } else if (row.kind === "clientOn") {
    const c = clients.find((c) => c.name === row.name);
    try {
      compile(row.source, [row.name])(c.client);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
  } else if (row.kind === "emit" && row.withAck) {
    const c = clients.find((c) => c.name === row.name);
    lab.handlerError = null;
    lab.capturing = true;
    // No timeout: the lab runs this only when the server's handler answers.
    const value = await c.client.emitWithAck(row.event, ...row.args);
    settled = { resolved: value ?? null };
    error = lab.handlerError;
    lab.capturing = false;
  } else if (row.kind === "on") {
    try {
      // A departure handler gets `reason` where an event handler gets `msg`.
      const payload = ["disconnecting", "disconnect"].includes(row.event) ? "reason" : "msg";
      const params = ["io", "socket", payload, "callback", ...clients.map((c) => c.name)];
      lab.handlers.set(handlerKey(row.namespace, row.event), compile(row.statement, params));
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
  } else if (row.kind === "emit") {
    lab.capturing = true;
    lab.plainEmit = true;
    error = await clientEmit(row, lab, clients);
    lab.capturing = false;
    lab.plainEmit = false;
  } else if (row.kind === "disconnect") {
    const c = clients.find((c) => c.name === row.name);
    if (!c.live) {
      error = `${row.name} is not connected`;
    } else {
      c.client.disconnect();
      await retire(c);
    }
  } else if (row.kind === "cut") {
    // The lab's `cut`: the TCP connection closes under the client, with no goodbye. Destroying
    // the client's own socket is that, seen from the server.
    const c = clients.find((c) => c.name === row.name);
    const ws = c.live && c.client.io.engine && c.client.io.engine.transport.ws;
    const tcp = ws && ws._socket;
    if (!tcp) {
      error = `${row.name} has no WebSocket connection to cut`;
    } else {
      tcp.destroy();
      await retire(c);
    }
  }
  await settleDisconnections(clients);
  await barrier(clients);
  const logs = lab.logs;
  lab.logs = [];
  return { ...collect(clients, error), connect_error: connectError, settled, logs };
}

// Runs an emitWithAck statement and reports how its promise settled: the value it resolved to,
// or the rejection's message with the answers that came (`err.responses`, broadcasts only).
// A broadcast's answers come in the order they arrive: the Rust side compares them unordered.
async function askStatement(row, io, clients) {
  const names = clients.map((c) => c.name);
  const values = clients.map((c) => ({ id: c.server.id }));
  const sender = row.as === null ? undefined : clients.find((c) => c.name === row.as).server;
  try {
    const fn = compile(row.statement, ["io", "socket", ...names]);
    const value = await fn(io, sender, ...values);
    return { resolved: value ?? null };
  } catch (err) {
    return {
      rejected: err instanceof Error ? err.message : String(err),
      responses: err && err.responses !== undefined ? err.responses : null,
    };
  }
}


// A client emits an event and waits for the server's ack, or for its own disconnection when
// the handler disconnected it (an ack after a disconnect never arrives).
async function clientEmit(row, lab, clients) {
  const c = clients.find((c) => c.name === row.name);
  if (!c.live || !c.client.connected) return `${row.name} is not connected`;
  lab.handlerError = null;
  await Promise.race([c.client.emitWithAck(row.event, ...row.args).catch(() => {}), c.clientGone]);
  return lab.handlerError;
}

// Runs one statement; returns null, or the message of what it threw or rejected with.
async function runStatement(row, io, clients) {
  const names = clients.map((c) => c.name);
  const values = clients.map((c) => ({ id: c.server.id }));
  const sender = row.as === null ? undefined : clients.find((c) => c.name === row.as).server;
  try {
    const fn = compile(row.statement, ["io", "socket", ...names]);
    await awaitIfThenable(fn(io, sender, ...values));
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// Prefer the expression form, so a returned promise (e.g. an adapter's join) can be
// awaited; fall back to a function body for multi-statement text.
function compile(statement, params) {
  const expr = statement.trim().replace(/;+\s*$/, "");
  try {
    return new Function(...params, `"use strict";\nreturn (\n${expr}\n);`);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
  }
  return new Function(...params, `"use strict";\n${statement}`);
}

// In-memory adapters join synchronously, others return a promise: await only a thenable.
async function awaitIfThenable(value) {
  const isThenable =
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof value.then === "function";
  if (isThenable) await value;
}

// Any socket the statement disconnected (on either side) is waited for until BOTH sides
// have seen its `disconnect` event, then left out of later barriers.
async function settleDisconnections(clients) {
  for (const c of clients) {
    if (c.live && (!c.server.connected || !c.client.connected)) await retire(c);
  }
}

async function retire(c) {
  phase += `, waiting for ${c.name} to disconnect on both sides`;
  await Promise.all([c.serverGone, c.clientGone]);
  c.live = false;
}

// Every live client round-trips an acknowledged `sync` (one ack in flight per client).
// A client whose connection closes while its ack is pending gets the ack rejected by
// socket.io-client, and is then retired like a disconnected socket (the events before
// the close have arrived). The `connected` check must sit right before `emitWithAck`,
// in the same tick: socket.io-client buffers an emit made while disconnected and never
// rejects its ack, so that emit would hang.
async function barrier(clients) {
  await Promise.all(
    clients
      .filter((c) => c.live)
      .map(async (c) => {
        if (!c.client.connected || !c.server.connected) return retire(c);
        try {
          await c.client.emitWithAck("sync");
        } catch {
          await retire(c);
        }
      }),
  );
}

// Events in connection order, each client's in arrival order; then reset for the next row.
function collect(clients, error) {
  const events = [];
  for (const c of clients) {
    for (const e of c.events) events.push({ name: c.name, event: e.event, args: e.args });
    c.events = [];
  }
  return { received: events.map((e) => e.name), events, error };
}

// ---------------------------------------------------------------------------------------
// Shutdown

async function shutdown(lab, clients) {
  for (const c of clients) {
    if (c.live) c.client.disconnect();
  }
  // Wait until the server has let go of every socket before closing it.
  await Promise.all(clients.map((c) => c.serverGone));
  await lab.io.close();
}
