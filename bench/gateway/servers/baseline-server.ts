/**
 * A baseline server for G1/G3, run as a child process by the bench:
 *   tsx bench/gateway/servers/baseline-server.ts <express|node-http> <port> <response.json>
 * It answers every GET with the same status, headers and body the gateway returned for a cached GET
 * (captured by the bench into response.json), and `/ready` with 200. `express`: one no-op route of an
 * express 5 app with default settings (x-powered-by off, as in the gateway), `res.send`; `node-http`:
 * `res.writeHead` + `res.end` on a bare node:http server: the physical limit of one Node process here.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import express from 'express';

interface CapturedResponse {
  status: number;
  headers: Record<string, string>;
  bodyBase64: string;
}

const [mode, portArg, file] = process.argv.slice(2);
if ((mode !== 'express' && mode !== 'node-http') || !portArg || !file) {
  process.stderr.write('usage: baseline-server.ts <express|node-http> <port> <response.json>\n');
  process.exit(2);
}
const captured = JSON.parse(readFileSync(file, 'utf8')) as CapturedResponse;
const body = Buffer.from(captured.bodyBase64, 'base64');
const headers = captured.headers;

let server: http.Server;
if (mode === 'express') {
  const app = express();
  app.disable('x-powered-by');
  app.get('/ready', (_req, res) => void res.json({ status: 'ready' }));
  app.get('/{*path}', (_req, res) => void res.status(captured.status).set(headers).send(body));
  server = http.createServer(app);
} else {
  const ready = Buffer.from('{"status":"ready"}');
  server = http.createServer((req, res) => {
    if (req.url === '/ready') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': ready.length });
      res.end(ready);
      return;
    }
    res.writeHead(captured.status, { ...headers, 'content-length': body.length });
    res.end(body);
  });
}
server.keepAliveTimeout = 65_000;
server.listen(Number(portArg), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
