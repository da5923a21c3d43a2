import type { RequestListener } from 'node:http';
import { metricsHandler } from '@tenantry/telemetry';

/**
 * The operator listener: what only an operator needs (the metrics, whose labels name internal routes and
 * whose process data names the host), on its own port — loopback unless GATEWAY_ADMIN_HOST says otherwise —
 * so nothing of it is reachable through the public door.
 */
export function operatorApp(): RequestListener {
  return (req, res) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.url?.split('?')[0] === '/metrics') {
      metricsHandler(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
  };
}
