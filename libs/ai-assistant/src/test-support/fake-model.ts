import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for an OpenAI-compatible endpoint on a loopback port: records each request, answers as `respond` says. */
export async function fakeModel(respond: (body: ChatRequest, res: ServerResponse) => void) {
  const requests: Array<{ body: ChatRequest; raw: string; authorization: string | undefined; path: string | undefined }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as ChatRequest;
      requests.push({ body, raw, authorization: req.headers.authorization, path: req.url });
      respond(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
}
/** A chat completion answer with `content` as the first choice's text. */
export const answer = (res: ServerResponse, content: string) =>
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
