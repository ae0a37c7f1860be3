import { createServer } from "node:net";

import { PoaError } from "../core/errors.js";

/** Resolves true when `host:port` can be bound right now. */
export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Throws PORT_IN_USE naming the port (and, in `details.field`, the setting that chose it) when it is taken. */
export async function assertPortFree(host: string, port: number, what: string, field: string): Promise<void> {
  if (await isPortFree(host, port)) return;
  throw new PoaError("PORT_IN_USE", `${what} port ${host}:${port} is already in use`, {
    details: { host, port, field },
    action: "Stop whatever listens there (a devnet already running from another folder?), or choose another port.",
  });
}

/** A port the OS considers free on `host` (for tests and benchmarks that must never collide). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
