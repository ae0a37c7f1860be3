/**
 * A gateway in a real child process, for crash tests: `node --import tsx test/gateway/support/
 * child.ts <json options>` starts the library's gateway and prints JSON lines on stdout
 * (`{"url"}` once listening, `{"stage", "batch"}` for each payment step). With `killAt`, the process
 * sends itself SIGKILL at that payment stage (the `killAfter`-th time it is reached): a real
 * `kill -9` in the middle of a flush. Loading this file (as mocha does with every file under
 * test/) runs nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";

import { startGateway, type GatewayOptions } from "../../../src/gateway/index.js";

const CHILD = fileURLToPath(import.meta.url);

export interface ChildOptions extends Omit<GatewayOptions, "creditStartBlock"> {
  killAt?: string;
  /** Kill on the n-th time `killAt` is reached (default 1). */
  killAfter?: number;
}

export interface GatewayChild {
  process: ChildProcess;
  /** The gateway's URL once it listens. */
  url: Promise<string>;
  lines: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** SIGKILL now (a kill -9 from outside). */
  kill(): void;
}

export function startGatewayChild(options: ChildOptions): GatewayChild {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
  });
  const lines: Record<string, unknown>[] = [];
  let err = "";
  let resolveUrl: (url: string) => void;
  let rejectUrl: (error: Error) => void;
  const url = new Promise<string>((resolve, reject) => {
    resolveUrl = resolve;
    rejectUrl = reject;
  });
  url.catch(() => undefined);
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        const value = JSON.parse(line) as Record<string, unknown>;
        lines.push(value);
        if (typeof value.url === "string") resolveUrl(value.url);
      } catch {
        // not ours
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      rejectUrl(new Error(`the gateway child exited (${code ?? signal}) before listening: ${err}`));
      resolve({ code, signal });
    }),
  );
  return {
    process: child,
    url,
    lines,
    exited,
    stderr: () => err,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]!) as ChildOptions;
  const say = (value: unknown) =>
    process.stdout.write(`${JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`);
  let seen = 0;
  const gateway = await startGateway({
    ...options,
    onPaymentStage: (stage, batch) => {
      say({ stage, batch });
      if (stage === options.killAt && ++seen >= (options.killAfter ?? 1)) process.kill(process.pid, "SIGKILL");
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  say({ url: gateway.url, address: gateway.address });
  const stop = async () => {
    await gateway.stop({ drain: true, timeoutMs: 20_000 });
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${String((error as Error).stack ?? error)}\n`);
    process.exit(1);
  });
}
