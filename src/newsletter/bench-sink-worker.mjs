// `kiosque bench send`'s SMTP sink (smtp-server on loopback), in its own thread: a real mail server runs
// elsewhere, so the sink should not share the sender's event loop. Its CPU time still counts (same process).
import { parentPort } from 'node:worker_threads';
import { SMTPServer } from 'smtp-server';

let received = 0;
let bytes = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', (c) => (bytes += c.length));
    stream.on('end', () => {
      received++;
      callback(null, 'OK');
    });
  },
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'stats') parentPort.postMessage({ received, bytes });
  else if (m === 'close') server.close(() => parentPort.postMessage({ closed: true, received, bytes }));
});
