/**
 * A local OTLP/HTTP trace receiver for G5, run as a child process by the bench:
 *   tsx bench/gateway/servers/otlp-sink.ts <port>
 * Accepts `POST /v1/traces` (any encoding), reads the body and answers 200 with an empty
 * ExportTraceServiceResponse; counts exports and bytes (`GET /stats`). It decodes nothing, so it costs
 * the traced gateway only the export itself.
 */
import http from 'node:http';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: otlp-sink.ts <port>\n');
  process.exit(2);
}
let exports = 0;
let bytes = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/ready' || req.url === '/stats')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ready', exports, bytes }));
    return;
  }
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    if (req.url === '/v1/traces') exports += 1;
    res.writeHead(req.url === '/v1/traces' ? 200 : 404, {
      'content-type': req.headers['content-type'] ?? 'application/x-protobuf',
      'content-length': 0,
    });
    res.end();
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
