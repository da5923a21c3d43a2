import type { IncomingMessage } from 'node:http';
import { HttpProblem } from '@tenantry/http';

const badFraming = (detail: string) => new HttpProblem('bad-request', 400, 'Bad request', detail, { framing: 'refused' });

/**
 * Refuses, at the edge, every request whose framing a service could read differently from the gateway.
 * Node's parser already refuses `Content-Length` together with `Transfer-Encoding`, duplicated or invalid
 * `Content-Length`, obs-folded headers and bare LF line ends (the server answers those with a 400
 * problem, see `startHttpServer`); this repeats the first check and adds the gateway's own rules:
 *
 * - only the `chunked` transfer coding (any other would reach a service as a body it cannot decode);
 * - no body on GET or HEAD: their answers are cached by URL, so a body could only make the cache
 *   serve one request's answer for another; nothing in the API reads one (RFC 9110 §9.3.1);
 * - origin-form targets only (`/path?query`): an absolute-form target (`GET http://other/…`) could be
 *   routed by its path here and by its authority elsewhere.
 */
export function assertUnambiguousFraming(req: IncomingMessage): void {
  const { headers } = req;
  const transferEncoding = headers['transfer-encoding'];
  const contentLength = headers['content-length'];
  if (!req.url?.startsWith('/')) throw badFraming('The request target must be a path (origin form), not an absolute URL or "*".');
  if (transferEncoding !== undefined && contentLength !== undefined)
    throw badFraming('A request must not carry both Content-Length and Transfer-Encoding.');
  if (transferEncoding !== undefined && transferEncoding.trim().toLowerCase() !== 'chunked') {
    throw badFraming(`Transfer-Encoding "${transferEncoding.slice(0, 40)}" is not accepted; send "chunked" or a Content-Length.`);
  }
  if (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (transferEncoding !== undefined || (contentLength !== undefined && contentLength !== '0'))
  ) {
    throw badFraming(`A ${req.method} request must not have a body.`);
  }
}

export interface BodyLimits {
  maxBytes: number;
  /** The whole body must arrive within this time (a trickled body is cut with a 408). */
  timeoutMs: number;
}

/**
 * Reads the request body the gateway will forward, whole, before an upstream connection is taken: a slow
 * or trickled body occupies the client's connection to the gateway, never a connection of the shared
 * upstream pool. The size limit is checked as bytes arrive (413), the deadline cuts slow bodies (408);
 * either way the connection is closed after the answer, since the rest of the body is still on its way.
 * Undefined when the request has no body (no Content-Length, no Transfer-Encoding).
 */
export function readRequestBody(req: IncomingMessage, closeAfterAnswer: () => void, limits: BodyLimits): Promise<Buffer | undefined> {
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve(undefined);
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    closeAfterAnswer();
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        req.pause();
        closeAfterAnswer();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(error);
    const onAborted = () =>
      finish(new HttpProblem('bad-request', 400, 'Bad request', 'The client closed the connection before the body was complete.'));
    const timer = setTimeout(
      () =>
        finish(
          new HttpProblem(
            'request-timeout',
            408,
            'Request timeout',
            `The request body did not arrive within ${Math.round(limits.timeoutMs / 100) / 10} s.`,
          ),
        ),
      limits.timeoutMs,
    );
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem('payload-too-large', 413, 'Payload too large', `The request body exceeds ${maxBytes} bytes.`, {
    max_body_bytes: maxBytes,
  });
}
