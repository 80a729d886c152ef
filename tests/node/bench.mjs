// Benchmark: N clients connected to a chat server, one of them sends messages, and we measure
// the time until every client has each message (p50, p99) and the server's memory (RSS from
// /proc). The same load runs, in the same run, against `sio-tutor serve` and against the
// official Node server with the chat example's handler (bench-node-server.mjs), and the ratio is
// printed. Each figure is the median of several runs.
//
//   cargo build --release && node tests/node/bench.mjs target/release/sio-tutor
//   (or: cargo bench --bench serve, which does both)
//
// Options: --clients 100,1000  --messages 100  --runs 3
//
// With --redis-url URL (`cargo bench --bench serve -- --redis` starts a private Redis and passes
// it), the comparison is sio-tutor against itself instead: one `serve` process, and two
// `serve --redis URL` processes with the clients split between them (the sender on the first).
// Besides latency it measures throughput: 20 senders, half on each process, each sending 9
// messages a second for 3 s, timed until every client has all of them.
// The sender stays under sio-tutor's limit of 10 messages a second (it sends one every 110 ms),
// so the figures are for a live chat, not for a flood (which the server refuses by design).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { Confirmer } from './serve-lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const binary = args.find((a) => !a.startsWith('--') && !args[args.indexOf(a) - 1]?.startsWith('--'));
if (!binary) {
  console.error('usage: node bench.mjs path/to/sio-tutor [--clients 100,1000] [--messages 100] [--runs 3]');
  process.exit(2);
}
const sizes = option('clients', '100,1000').split(',').map(Number);
const messages = Number(option('messages', '100'));
const runs = Number(option('runs', '3'));
const GAP_MS = 110;
const WARMUP = 5;

const redisUrl = option('redis-url', null);
const BURST_SENDERS = 20;
const BURST_EACH = 27;

// Each setup is a list of server processes to start; the clients are spread over them.
// The default (compact) terminal view, as a class sees it; the output is drained below.
const serve = (...extra) => () => spawn(binary, ['serve', '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
const servers = redisUrl
  ? {
    'serve, 1 process': [serve()],
    'serve --redis, 2': [serve('--redis', redisUrl), serve('--redis', redisUrl)],
  }
  : {
    'sio-tutor serve': [serve()],
    'node socket.io': [() => spawn(process.execPath, [join(here, 'bench-node-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] })],
  };
const [ours, theirs] = Object.keys(servers);

function startServer(make) {
  const child = make();
  return new Promise((resolve, reject) => {
    let buffer = '';
    let found = false;
    // Everything the server prints is kept (and so drained: a server whose stdout pipe fills up
    // would stall): sio-tutor's compact lines say how many pages confirmed each message.
    child.output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      child.output += chunk;
      if (found) return;
      buffer += chunk;
      const line = buffer.split('\n')[0];
      if (buffer.includes('\n')) {
        found = true;
        // sio-tutor prints `... the chat is at URL`; the Node server a JSON line with `urls`.
        resolve({ child, url: line.match(/http:\/\/[^\s"]+/)[0], sioTutor: line.startsWith('sio-tutor serve') });
      }
    });
    child.on('exit', (code) => { if (!found) reject(new Error(`server exited with ${code}`)); });
  });
}

// sio-tutor's terminal, compact view: `> guest-1.emit('chat message', 'message 7')  →  ...
// confirmed 1000/1000`. Counts the pages that confirmed the measured messages (an answer means
// the page's handler ran), so that a run where confirmations were lost cannot pass as fast.
// With --redis each terminal counts its own students, so the counts of all terminals add up.
function confirmations(outputs, n) {
  let confirmed = 0;
  for (const output of outputs) {
    const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
    for (const match of plain.matchAll(/emit\('chat message', 'message (\d+)'\).* confirmed (\d+)\/(\d+)/g)) {
      if (Number(match[1]) >= WARMUP) confirmed += Number(match[2]);
    }
  }
  return { confirmed, expected: messages * n };
}

// Resolves once the server has printed `text` (sio-tutor's line for a message comes when all
// its answers are in).
function printed(child, text) {
  return new Promise((resolve) => {
    const check = () => {
      if (!child.output.includes(text)) return;
      child.stdout.off('data', check);
      resolve();
    };
    child.stdout.on('data', check);
    check();
  });
}

function rssMiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

// The server's CPU time so far (user + system), in ms, from /proc (clock ticks of 10 ms).
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function once(makers, n) {
  const started = [];
  for (const make of makers) started.push(await startServer(make));
  const children = started.map((s) => s.child);
  const sum = (f) => children.map((c) => f(c.pid)).reduce((a, b) => a + b, 0);
  const clients = [];
  const confirmers = [];
  const pending = new Map(); // message -> { count, started, done }
  let inFlight = null; // the measured message on its way, until every client has it
  let result;
  try {
    // All N at once, as a class does when the teacher says "go"; timed until every one is in.
    // Each client behaves as the chat page does: it declares that it confirms deliveries and
    // confirms each relay sio-tutor sends with the page's own code (Confirmer, serve-lib.mjs:
    // the relay numbers it has shown, in one answer per window; Node's chat example asks for
    // nothing). These 1,000 pages share one Node process, where a page's answer costs the
    // others' receipts its time (in a class each page answers on its own device): 1,000 answers
    // falling due together cost this process some 20 ms, and landing while a message is on
    // its way they were timed into that message. So an answer that falls due while a message
    // is on its way goes out as soon as every client has that message (`inFlight`), a few
    // milliseconds later, well inside the server's 3 s; under --redis the relays ask for an
    // acknowledgement instead, answered once the event loop has handled what has arrived
    // (setImmediate), for the same reason. Every page still confirms every message, and the
    // server still receives, reads and matches every answer: `confirmed` below counts them
    // from sio-tutor's own terminal, and its CPU time includes them.
    const connectStarted = performance.now();
    const batch = [];
    for (let j = 0; j < n; j += 1) {
      const url = started[j % started.length].url;
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { confirms: true } });
      const confirmer = new Confirmer(socket, () => inFlight);
      confirmers.push(confirmer);
      socket.on('chat message', (msg, ...rest) => {
        const answer = Confirmer.take(rest);
        if (typeof answer === 'function') setImmediate(answer);
        else if (answer) confirmer.confirm(answer);
        const entry = pending.get(msg);
        if (entry && ++entry.count === entry.needed) entry.done(performance.now() - entry.started);
      });
      clients.push(socket);
      batch.push(new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); }));
    }
    await Promise.all(batch);
    const connectMs = performance.now() - connectStarted;
    const connectedRss = sum((pid) => rssMiB(pid).rss);
    const latencies = [];
    let cpuStarted = 0;
    for (let i = 0; i < WARMUP + messages; i += 1) {
      if (i === WARMUP) cpuStarted = sum(cpuMs);
      const msg = `message ${i}`;
      const arrived = new Promise((resolve) => pending.set(msg, { count: 0, needed: n, started: performance.now(), done: resolve }));
      clients[0].emit('chat message', msg);
      inFlight = Promise.race([arrived, sleep(5000).then(() => Infinity)]);
      const ms = await inFlight;
      inFlight = null;
      pending.delete(msg);
      if (i >= WARMUP) latencies.push(ms);
      await sleep(GAP_MS);
    }
    // Measured once the answers to the last message are in: the pages send what they still
    // hold, and sio-tutor's terminal prints a message's line when all its answers are in.
    confirmers.forEach((c) => c.flush());
    const last = `'message ${WARMUP + messages - 1}'`;
    await Promise.race([
      Promise.all(started.filter((s) => s.sioTutor).map((s) => printed(s.child, last))),
      sleep(5000),
    ]);
    const cpuPerMessage = (sum(cpuMs) - cpuStarted) / messages;
    latencies.sort((a, b) => a - b);
    const peak = sum((pid) => rssMiB(pid).peak);
    let perSecond = NaN;
    if (redisUrl) {
      // Throughput: BURST_SENDERS senders (alternating between the processes), each at 9
      // messages a second, all at once; timed until every client has every message.
      const senders = clients.slice(0, BURST_SENDERS);
      const total = BURST_SENDERS * BURST_EACH;
      const entry = { count: 0, needed: total * n, started: performance.now() };
      const all = new Promise((resolve) => { entry.done = resolve; });
      for (let s = 0; s < senders.length; s += 1) {
        for (let k = 0; k < BURST_EACH; k += 1) pending.set(`burst ${s} ${k}`, entry);
      }
      await Promise.all(senders.map(async (socket, s) => {
        for (let k = 0; k < BURST_EACH; k += 1) {
          socket.emit('chat message', `burst ${s} ${k}`);
          await sleep(GAP_MS);
        }
      }));
      const ms = await Promise.race([all, sleep(30000).then(() => Infinity)]);
      perSecond = total / (ms / 1000);
    }
    result = {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      lost: latencies.filter((l) => l === Infinity).length,
      connectMs,
      rssConnected: connectedRss,
      peak,
      cpuPerMessage,
      perSecond,
    };
  } finally {
    confirmers.forEach((c) => c.flush());
    clients.forEach((s) => s.disconnect());
    for (const child of children) {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  return { children, result };
}

async function measured(makers, n) {
  const { children, result } = await once(makers, n);
  return { ...result, ...confirmations(children.map((c) => c.output), n) };
}

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'lost');
console.log(`${runs} runs each, ${messages} messages per run, median of the runs; time until all N clients have a message`);
for (const n of sizes) {
  // The runs alternate between the servers (sio-tutor, Node, sio-tutor, ...): on a machine
  // shared with other work, a busy minute then weighs on both alike rather than on whichever
  // server's runs it fell on.
  const runsOf = Object.fromEntries(Object.keys(servers).map((name) => [name, []]));
  for (let r = 0; r < runs; r += 1) {
    for (const [name, makers] of Object.entries(servers)) runsOf[name].push(await measured(makers, n));
  }
  const results = {};
  for (const name of Object.keys(servers)) {
    const all = runsOf[name];
    results[name] = {
      p50: median(all.map((x) => x.p50)),
      p99: median(all.map((x) => x.p99)),
      lost: all.reduce((s, x) => s + x.lost, 0),
      connect: median(all.map((x) => x.connectMs)),
      rss: median(all.map((x) => x.rssConnected)),
      peak: median(all.map((x) => x.peak)),
      cpu: median(all.map((x) => x.cpuPerMessage)),
      perSecond: median(all.map((x) => x.perSecond)),
      confirmed: all.reduce((s, x) => s + x.confirmed, 0),
      expected: all.reduce((s, x) => s + x.expected, 0),
    };
    const f = results[name];
    const throughput = redisUrl ? `  ${fmt(f.perSecond, 0)} messages/s (${fmt(f.perSecond * n, 0)} deliveries/s)` : '';
    console.log(`N=${String(n).padStart(5)}  ${name.padEnd(16)} p50 ${fmt(f.p50)} ms  p99 ${fmt(f.p99)} ms${throughput}  connect all ${fmt(f.connect, 0)} ms  server CPU ${fmt(f.cpu, 1)} ms/message  RSS ${fmt(f.rss, 1)} MiB connected, peak ${fmt(f.peak, 1)} MiB  lost ${f.lost}${name !== 'node socket.io' ? `  confirmed ${f.confirmed}/${f.expected} (${messages} messages x ${n} pages x ${runs} runs)` : ''}`);
  }
  const a = results[ours];
  const b = results[theirs];
  if (redisUrl) {
    console.log(`N=${String(n).padStart(5)}  ratio two/one: p50 ${fmt(b.p50 / a.p50)}x  p99 ${fmt(b.p99 / a.p99)}x  messages/s ${fmt(b.perSecond / a.perSecond)}x  server CPU ${fmt(b.cpu / a.cpu)}x  (latency above 1: two processes are slower)`);
  } else {
    console.log(`N=${String(n).padStart(5)}  ratio node/sio-tutor: p50 ${fmt(b.p50 / a.p50)}x  p99 ${fmt(b.p99 / a.p99)}x  connect ${fmt(b.connect / a.connect)}x  memory ${fmt(b.peak / a.peak)}x  server CPU ${fmt(b.cpu / a.cpu)}x  (above 1: sio-tutor is faster / smaller)`);
  }
}
process.exit(0);
