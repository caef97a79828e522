import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

/** One HTTP exchange seen by the proxy. */
export interface Exchange {
  method: string;
  path: string;
  requestHeaders: IncomingHttpHeaders;
  requestBody: string;
  status: number;
  responseHeaders: IncomingHttpHeaders;
  responseBody: string;
}

export interface LoggingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/**
 * A plain HTTP proxy on 127.0.0.1 in front of `target` that records every request and
 * response in full: point a client's --rekor-url at it to capture exactly what it sent
 * and what our server answered (evidence for a server bug report).
 */
export async function startLoggingProxy(target: string): Promise<LoggingProxy> {
  const exchanges: Exchange[] = [];
  const t = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const up = request(
        { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('end', () => {
            const body = Buffer.concat(out);
            exchanges.push({
              method: req.method ?? '',
              path: req.url ?? '',
              requestHeaders: req.headers,
              requestBody: requestBody.toString(),
              status: upRes.statusCode ?? 0,
              responseHeaders: upRes.headers,
              responseBody: body.toString(),
            });
            res.writeHead(upRes.statusCode ?? 502, upRes.headers);
            res.end(body);
          });
        },
      );
      up.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      up.end(requestBody);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A readable transcript of the exchanges (for failure messages and bug reports). */
export function transcript(exchanges: Exchange[], max = 2000): string {
  return exchanges
    .map((e) => `> ${e.method} ${e.path}\n> ${e.requestBody.slice(0, max)}\n< ${e.status} ${e.responseHeaders['content-type'] ?? ''}\n< ${e.responseBody.slice(0, max)}`)
    .join('\n\n');
}
