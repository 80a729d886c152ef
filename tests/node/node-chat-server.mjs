// The chat's handlers as Node runs them (src/serve/chat.rs's table), for the events the
// differential tests send: what a statement means is what it does here. Its own process, as
// `sio-tutor serve` is, so that a test's clients do not share its thread. Prints
// {"urls": [...]} first, as `sio-tutor serve --json` does.  Started by nodeChatServer() in
// serve-lib.mjs.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const server = createServer();
const io = new Server(server);
io.on('connection', (socket) => {
  const name = String(socket.handshake.auth?.name ?? 'guest');
  const ok = (callback) => typeof callback === 'function' && callback({ ok: true });
  socket.on('typing', (callback) => { socket.broadcast.emit('typing', name); ok(callback); });
  socket.on('chat message', (msg, callback) => { io.emit('chat message', msg, name); ok(callback); });
  socket.on('join', (room, callback) => { socket.join(room); socket.emit('rooms', [room]); ok(callback); });
  socket.on('room message', ({ room, text }, callback) => {
    if (!socket.rooms.has(room)) {
      callback?.({ error: `you are not in the room ${room}` });
      return;
    }
    io.to(room).emit('room message', room, text, name);
    ok(callback);
  });
  socket.on('sio-tutor:sync', (callback) => callback());
  socket.emit('welcome', { name });
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ urls: [`http://127.0.0.1:${server.address().port}/`] }));
});
