/**
 * Scripted feed servers for the fetcher tests: real node:http / node:https /
 * raw TCP listeners on loopback, port 0, recording every accepted connection
 * and every request so tests can assert "no TCP connect happened".
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface Fixture {
  host: string;
  port: number;
  /** "host:port" as written in a URL (for allowHosts). */
  hostPort: string;
  url(path: string): string;
  /** Accepted TCP connections so far. */
  readonly connections: number;
  /** Sockets that have closed so far. */
  readonly closedSockets: number;
  requests: RecordedRequest[];
  /** Route a path (query included) to a handler; unknown paths get 404. */
  route(path: string, handler: Handler): void;
  /** Route a path to a fixed sequence of responses, one per request (the last repeats). */
  script(path: string, responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string | number | string[]>;
  body?: string | Buffer;
}

/** A self-signed certificate for 127.0.0.1 / localhost, for tests only (valid until 2126). */
export const TEST_TLS = {
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8UGn1qYGpxT3xIte
2/isSt744qmu1nlGSv/elP6pD+KhRANCAARYx571i+XHh3GVrX1cCmQfKMx3ibkX
n5owZQ0FsIMWGylHxga4vTAJAWm8Lv04EUO6dwJyUQDcdfh5F8sPVK7M
-----END PRIVATE KEY-----
`,
  cert: `-----BEGIN CERTIFICATE-----
MIIBoDCCAUegAwIBAgIUDpcxHcHUp0tTq/iDOYw7BHZD+RUwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMa2lvc3F1ZS10ZXN0MCAXDTI2MTEyMjEwMDgzM1oYDzIxMjYx
MDI5MTAwODMzWjAXMRUwEwYDVQQDDAxraW9zcXVlLXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAARYx571i+XHh3GVrX1cCmQfKMx3ibkXn5owZQ0FsIMWGylH
xga4vTAJAWm8Lv04EUO6dwJyUQDcdfh5F8sPVK7Mo28wbTAdBgNVHQ4EFgQU8Myf
BwdXNVIB4IEGGVoQLrXg40gwHwYDVR0jBBgwFoAU8MyfBwdXNVIB4IEGGVoQLrXg
40gwDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3Qw
CgYIKoZIzj0EAwIDRwAwRAIgeHzB1pXMqCX11CBDtLFc4c0/NNOKQaH4HGmyrVC+
i7MCIDD6zo2OxUWc/Ez6Q3c7WFXGJRRrHaH0fJYbvFiwOCgu
-----END CERTIFICATE-----
`,
};

export async function startFixture(opts: { host?: string; tls?: boolean } = {}): Promise<Fixture> {
  const host = opts.host ?? '127.0.0.1';
  const routes = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  let connections = 0;
  let closedSockets = 0;
  const sockets = new Set<net.Socket>();

  const handle: Handler = (req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    const handler = routes.get(req.url ?? '');
    if (handler) return handler(req, res);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such route');
  };
  const server = opts.tls ? https.createServer(TEST_TLS, handle) : http.createServer(handle);
  // Count raw TCP accepts, before any TLS or HTTP happens.
  server.on('connection', (socket: net.Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      closedSockets++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const scheme = opts.tls ? 'https' : 'http';

  return {
    host,
    port,
    hostPort: `${urlHost}:${port}`,
    url: (path) => `${scheme}://${urlHost}:${port}${path}`,
    get connections() {
      return connections;
    },
    get closedSockets() {
      return closedSockets;
    },
    requests,
    route: (path, handler) => routes.set(path, handler),
    script(path, responses) {
      let i = 0;
      routes.set(path, (_req, res) => {
        const r = responses[Math.min(i++, responses.length - 1)]!;
        res.writeHead(r.status, r.headers ?? {});
        res.end(r.body ?? '');
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP listener that accepts and never says a word (stalled peer, stalled TLS handshake). */
export async function startSilentServer(host = '127.0.0.1') {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let closedSockets = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.resume(); // read and drop what the client sends, so its FIN is seen
    socket.on('error', () => {});
    socket.on('close', () => {
      closedSockets++;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    hostPort: `${host}:${port}`,
    get connections() {
      return connections;
    },
    get closedSockets() {
      return closedSockets;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Resolves once `cond()` holds, or rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
