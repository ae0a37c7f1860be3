/**
 * A JSON-RPC proxy on 127.0.0.1 in front of a real node that refuses `eth_getLogs` over more than
 * `maxRange` blocks with the error hosted providers give (code -32005), like a rate-limited
 * public endpoint. Everything else is forwarded unchanged. Counts the refusals.
 */
import { createServer, type Server } from "node:http";

interface RpcRequest {
  jsonrpc: "2.0";
  id: number | string | null;
  method: string;
  params?: unknown[];
}

export interface RangeLimitedProxy {
  url: string;
  refused: number;
  /** Largest range forwarded. */
  largestForwarded: number;
  close(): Promise<void>;
}

export async function startRangeLimitedProxy(target: string, maxRange: number): Promise<RangeLimitedProxy> {
  const state = { refused: 0, largestForwarded: 0 };
  const handle = async (request: RpcRequest): Promise<unknown> => {
    if (request.method === "eth_getLogs") {
      const filter = (request.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const range = Number(BigInt(filter.toBlock ?? "0x0") - BigInt(filter.fromBlock ?? "0x0")) + 1;
      if (range > maxRange) {
        state.refused++;
        return {
          jsonrpc: "2.0",
          id: request.id,
          error: { code: -32005, message: `query exceeds max block range ${maxRange}` },
        };
      }
      state.largestForwarded = Math.max(state.largestForwarded, range);
    }
    const response = await fetch(target, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    return response.json();
  };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const parsed = JSON.parse(body) as RpcRequest | RpcRequest[];
      const answer = Array.isArray(parsed) ? Promise.all(parsed.map(handle)) : handle(parsed);
      answer.then(
        (result) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(result));
        },
        (error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get refused() {
      return state.refused;
    },
    get largestForwarded() {
      return state.largestForwarded;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
