import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rieInvoker } from './rie-client';

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('rieInvoker', () => {
  it('probes true for any HTTP answer and false once nothing listens', async () => {
    const { server, url } = await listen((_request, response) => response.writeHead(404).end('not found'));
    const invoker = rieInvoker(url, { timeoutMs: 1000 });

    expect(await invoker.probe()).toBe(true);
    await close(server);
    expect(await invoker.probe()).toBe(false);
  });

  it('probes false for an emulator that accepts connections but never answers (a paused container)', async () => {
    const { server, url } = await listen(() => undefined);
    const invoker = rieInvoker(url, { timeoutMs: 1000, probeTimeoutMs: 200 });

    expect(await invoker.probe()).toBe(false);
    server.closeAllConnections();
    await close(server);
  });

  it('reports a refused connection as unreachable: the function never saw the event', async () => {
    const { server, url } = await listen(() => undefined);
    await close(server);

    const result = await rieInvoker(url, { timeoutMs: 1000 }).invoke({ Records: [] });

    expect(result).toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('reports an unknown host as unreachable', async () => {
    const result = await rieInvoker('http://no-such-container.invalid:8080', { timeoutMs: 5000 }).invoke({});

    expect(result.kind).toBe('unreachable');
  });

  it('reports a connection dropped after the event was sent as a failed invocation, not unreachable', async () => {
    const { server, url } = await listen((request) => request.on('data', () => request.socket.destroy()));

    const result = await rieInvoker(url, { timeoutMs: 1000 }).invoke({ Records: [] });

    expect(result.kind).toBe('invoke-failed');
    await close(server);
  });
});
