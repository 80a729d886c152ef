// The official Socket.IO chat example's server (index.js of the tutorial, without the page), for
// the benchmark to compare against. Prints {"urls": [...]} first, as `sio-tutor serve --json`.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const server = createServer();
const io = new Server(server);

io.on('connection', (socket) => {
  console.log('a user connected');
  socket.on('chat message', (msg) => {
    io.emit('chat message', msg);
  });
  socket.on('disconnect', () => {
    console.log('user disconnected');
  });
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ urls: [`http://127.0.0.1:${server.address().port}/`] }));
});
