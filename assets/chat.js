// The classroom chat page. It speaks the official chat example's protocol ('chat message' in
// both directions) and adds what the tutorial leaves as homework.
//
// Safety rule for this file: text from the network is only ever put on the page with
// textContent (or as an <option>'s text), never as HTML. There is no innerHTML here.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const messages = $('messages');
  const statusBadge = $('status');
  const overlay = $('welcome');
  const nameForm = $('name-form');
  const nameInput = $('name-input');
  const nameError = $('name-error');
  const form = $('form');
  const input = $('input');
  const target = $('target');
  const targetCaption = $('target-caption');
  const online = $('online');
  const roomsList = $('rooms');
  const joinForm = $('join-form');
  const roomInput = $('room-input');
  const typingLine = $('typing');

  // The server's limits, mirrored so that an honest student sees them before the server says no.
  const MAX_MESSAGE = 1000;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  // Text a student chose (a nickname, a message, a room name) goes in its own <bdi dir="auto">:
  // the browser isolates it, so a right-to-left override inside cannot reorder anything around it.
  function user(text, className) {
    const node = el('bdi', className, text);
    node.dir = 'auto';
    return node;
  }

  // One line in the message list: [tag] who: text. Every part is plain text.
  function add(kind, who, text, tag) {
    const item = el('li', kind);
    if (tag) item.appendChild(user(tag, 'tag'));
    if (who) item.appendChild(user(who, 'who'));
    item.appendChild(user(text, 'text'));
    const atBottom = messages.scrollTop + messages.clientHeight >= messages.scrollHeight - 40;
    messages.appendChild(item);
    if (atBottom) messages.scrollTop = messages.scrollHeight;
  }

  function setStatus(text, ok) {
    statusBadge.textContent = text;
    statusBadge.className = 'status ' + (ok ? 'online' : 'offline');
  }

  if (typeof io === 'undefined') {
    const problem = 'The Socket.IO client did not load. Without internet, start the server with '
      + '--client-js FILE (see README.md).';
    nameError.textContent = problem;
    add('notice', '', problem);
    return;
  }

  // Connect only once a nickname is chosen: it travels in the handshake's auth.
  const socket = io({ autoConnect: false });
  let me = null;
  let people = [];
  let myRooms = [];

  nameInput.value = localStorage.getItem('sio-tutor-name') || '';
  nameInput.focus();

  nameForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    localStorage.setItem('sio-tutor-name', name);
    nameError.textContent = '';
    // `confirms`: this page answers every relayed event, so the teacher's terminal can show
    // each delivery as confirmed, or missed with the reason.
    socket.auth = name ? { name, confirms: true } : { confirms: true };
    setStatus('connecting…', false);
    socket.connect();
  });

  socket.on('connect_error', (error) => {
    // While the client retries by itself (`socket.active`: the network dropped, the server
    // restarts), the chat stays on screen and only the badge says so. Otherwise the server
    // refused the handshake (a nickname it does not accept): back to the card, with why.
    if (socket.active) {
      setStatus('reconnecting…', false);
      return;
    }
    nameError.textContent = error.message;
    overlay.classList.remove('hidden');
    setStatus('not connected', false);
  });

  socket.on('welcome', (info) => {
    me = info && info.name;
    overlay.classList.add('hidden');
    setStatus('connected as ' + me, true);
    add('announce', '', 'You joined as ' + me + '.');
    // The online list arrived before the welcome, when this page did not know its own name yet:
    // draw it again, with "(you)" and without yourself among the private-message targets.
    showPeople();
    input.focus();
  });

  socket.on('disconnect', (reason) => {
    setStatus('disconnected', false);
    add('notice', '', 'Disconnected (' + reason + ').');
  });

  // The official example: io.emit('chat message', msg). This server adds the sender's name.
  // Each relayed event asks this page to confirm it once the line is on the page: that is what
  // the teacher's terminal counts as "confirmed". One server numbers its relays (a last argument
  // { 'sio-tutor:relay': n }) and the page names the numbers it has shown in one
  // 'sio-tutor:shown' event, at most once per CONFIRM_WINDOW_MS: at once in a quiet chat, and
  // one answer for several relays in a busy one (with a class of 1,000, an answer per relay per
  // page was a third of the server's work). A second: in a busy chat the teacher's terminal
  // shows a message's line at most a second late (the server waits 3 s for answers), and at 9
  // messages a second one answer confirms about nine. Servers sharing a class through Redis
  // send an acknowledgement instead, answered at once.
  const RELAY = 'sio-tutor:relay';
  const CONFIRM_WINDOW_MS = 1000;
  let shown = [];
  let confirmTimer = null;
  let lastConfirm = -Infinity;
  function flushShown() {
    confirmTimer = null;
    lastConfirm = Date.now();
    if (shown.length === 0) return;
    const numbers = shown;
    shown = [];
    socket.emit('sio-tutor:shown', numbers);
  }
  // Called with a relay's trailing arguments, after its line is on the page.
  function confirm(rest) {
    const last = rest[rest.length - 1];
    if (typeof last === 'function') { last(); return; }
    if (last === null || typeof last !== 'object' || !Number.isSafeInteger(last[RELAY])) return;
    shown.push(last[RELAY]);
    if (confirmTimer === null) {
      confirmTimer = setTimeout(flushShown, Math.max(0, lastConfirm + CONFIRM_WINDOW_MS - Date.now()));
    }
  }
  // Leaving: what has been shown is still confirmed.
  window.addEventListener('pagehide', () => { if (confirmTimer !== null) { clearTimeout(confirmTimer); flushShown(); } });

  socket.on('chat message', (msg, from, ...rest) => {
    add(from === me ? 'mine' : 'theirs', from === undefined ? '' : from + ':', msg);
    stoppedTyping(from);
    confirm(rest);
  });

  socket.on('private message', (msg, from, ...rest) => {
    add('private', from + ' → you:', msg, 'private');
    confirm(rest);
  });

  socket.on('room message', (room, msg, from, ...rest) => {
    add(from === me ? 'room mine' : 'room', from + ':', msg, room);
    stoppedTyping(from);
    confirm(rest);
  });

  // The whole list comes once, on arrival; then each arrival and departure updates it.
  // Arrivals and departures come in batches (a list of names), so that a class arriving at
  // once does not cost everyone a packet per classmate.
  const list = (names) => (Array.isArray(names) ? names : [names]).map(String);
  const joinedLine = (names) => (names.length <= 3 ? names.join(', ')
    : names.slice(0, 3).join(', ') + ' and ' + (names.length - 3) + ' more');
  socket.on('user connected', (names) => {
    const fresh = list(names).filter((name) => !people.includes(name));
    if (fresh.length === 0) return;
    add('announce', '', joinedLine(fresh) + ' joined.');
    people.push(...fresh);
    showPeople();
  });
  socket.on('user disconnected', (names) => {
    const gone = list(names);
    add('announce', '', joinedLine(gone) + ' left.');
    people = people.filter((p) => !gone.includes(p));
    gone.forEach(stoppedTyping);
    showPeople();
  });
  socket.on('notice', (text) => add('notice', '', text));

  // "X is typing": a name disappears three seconds after its last typing event, or at once when
  // X's message arrives or X leaves.
  const typists = new Map();
  function stoppedTyping(name) {
    if (!typists.has(name)) return;
    clearTimeout(typists.get(name));
    typists.delete(name);
    showTypists();
  }
  function showTypists() {
    const names = [...typists.keys()];
    typingLine.replaceChildren();
    if (names.length === 0) return;
    names.forEach((name, i) => {
      if (i > 0) typingLine.append(', ');
      typingLine.appendChild(user(name));
    });
    typingLine.append(names.length === 1 ? ' is typing…' : ' are typing…');
  }
  socket.on('typing', (name, ...rest) => {
    clearTimeout(typists.get(name));
    typists.set(name, setTimeout(() => { typists.delete(name); showTypists(); }, 3000));
    showTypists();
    confirm(rest);
  });

  socket.on('online', (names) => {
    people = Array.isArray(names) ? names.map(String) : [];
    showPeople();
  });

  function showPeople() {
    online.replaceChildren();
    for (const name of people) {
      const item = el('li');
      if (name === me) {
        const you = el('span', 'you');
        you.append(user(name), ' (you)');
        item.appendChild(you);
      } else {
        const button = el('button', 'person');
        button.appendChild(user(name));
        button.type = 'button';
        button.title = 'Write to ' + name + ' privately';
        button.addEventListener('click', () => { target.value = 'user:' + name; updateCaption(); input.focus(); });
        item.appendChild(button);
      }
      online.appendChild(item);
    }
    fillTargets();
  }

  socket.on('rooms', (rooms) => {
    myRooms = Array.isArray(rooms) ? rooms.map(String) : [];
    roomsList.replaceChildren();
    for (const room of myRooms) {
      const item = el('li');
      item.appendChild(user(room));
      const leave = el('button', 'small', 'leave');
      leave.type = 'button';
      leave.addEventListener('click', () => socket.emit('leave', room));
      item.appendChild(leave);
      roomsList.appendChild(item);
    }
    fillTargets();
  });

  // The "to" menu: everyone, each room you are in, each other person.
  function fillTargets() {
    const chosen = target.value;
    target.replaceChildren();
    const option = (value, text) => {
      const node = el('option', '', text);
      node.value = value;
      target.appendChild(node);
    };
    option('all', 'everyone');
    for (const room of myRooms) option('room:' + room, 'room ' + room);
    for (const name of people) if (name !== me) option('user:' + name, name + ' (private)');
    target.value = [...target.options].some((o) => o.value === chosen) ? chosen : 'all';
    updateCaption();
  }

  function code(text) { return el('code', '', text); }
  function updateCaption() {
    const value = target.value || 'all';
    targetCaption.replaceChildren();
    if (value.startsWith('room:')) {
      const room = value.slice(5);
      targetCaption.append('Only the members of ' + room + ' get it: ',
        code("io.to('" + room + "').emit('room message', room, msg, name)"));
    } else if (value.startsWith('user:')) {
      const name = value.slice(5);
      targetCaption.append('Every socket is alone in a room named by its own id, so only ' + name + ' gets it: ',
        code('socket.to(' + name + ".id).emit('private message', msg, name)"));
    } else {
      targetCaption.append('Everyone gets it, you included: ', code("io.emit('chat message', msg, name)"),
        ' (the official chat example).');
    }
  }
  target.addEventListener('change', updateCaption);
  fillTargets();

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    if ([...text].length > MAX_MESSAGE) {
      add('notice', '', 'That message is over ' + MAX_MESSAGE + ' characters; the server would refuse it.');
      return;
    }
    const value = target.value || 'all';
    if (value.startsWith('room:')) {
      socket.emit('room message', { room: value.slice(5), text });
    } else if (value.startsWith('user:')) {
      const to = value.slice(5);
      socket.emit('private message', { to, text });
      add('private mine', 'you → ' + to + ':', text, 'private');
    } else {
      socket.emit('chat message', text);
    }
    input.value = '';
  });

  // Tell the others at most every two seconds, however fast the keys go.
  let lastTyping = 0;
  input.addEventListener('input', () => {
    const now = Date.now();
    if (socket.connected && now - lastTyping > 2000) {
      lastTyping = now;
      socket.emit('typing');
    }
  });

  joinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = roomInput.value.trim();
    if (room) socket.emit('join', room);
    roomInput.value = '';
  });
})();
