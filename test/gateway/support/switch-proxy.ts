/**
 * A TCP relay on 127.0.0.1 in front of a real node, that can be switched off and on: `down()`
 * stops listening and cuts every open connection (clients get ECONNREFUSED / ECONNRESET, exactly
 * what an RPC outage looks like), `up()` listens again on the same port. Nothing is answered in
 * the node's place: bytes are relayed unchanged.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface SwitchProxy {
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startSwitchProxy(target: string): Promise<SwitchProxy> {
  const { hostname, port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const make = (): Server =>
    createServer((client) => {
      const upstream = connect(Number(targetPort), hostname);
      sockets.add(client);
      sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on("error", drop);
      upstream.on("error", drop);
      client.on("close", drop);
      upstream.on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  let server: Server | undefined = make();
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const closeServer = async () => {
    const s = server;
    server = undefined;
    if (s === undefined) return;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    down: closeServer,
    async up() {
      if (server !== undefined) return;
      server = make();
      await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    },
    close: closeServer,
  };
}
