/**
 * The HTTP edge: reading bounded JSON bodies, the OpenAI error format with the HTTP status of each
 * error code, JSON answers and server-sent events. The library's errors (PoaError codes) map to
 * statuses here, once, so every endpoint answers the same failure the same way.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { messageOf, PoaError, type ErrorCode } from "../core/errors.js";

/** HTTP status of each error code the gateway answers with (anything else is a 500). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  REQUEST_INVALID: 400,
  INVALID_VALUE: 400,
  PROMPT_TOO_LONG: 400,
  FEE_ABOVE_MAX: 400,
  MODEL_KIND_MISMATCH: 400,
  API_KEY_SIGNATURE_INVALID: 400,
  API_KEY_INVALID: 401,
  CREDIT_INSUFFICIENT: 402,
  MODEL_PAUSED: 403,
  MODEL_NOT_FOUND: 404,
  NOT_FOUND: 404,
  STATE_CONFLICT: 409,
  MODEL_RETIRED: 410,
  REQUEST_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  CONTENT_HASH_MISMATCH: 502,
  ARTIFACT_INVALID: 502,
  ARTIFACT_URI_INVALID: 502,
  ADAPTER_BASE_MISMATCH: 502,
  VERSION_ROOT_MISMATCH: 502,
  BACKEND_FAILED: 502,
  CONTENT_NOT_FOUND: 503,
  BACKLOG_FULL: 503,
  RPC_UNREACHABLE: 503,
  STORE_UNAVAILABLE: 503,
  TIMEOUT: 503,
  CANNOT_CHECK: 503,
};

/** The OpenAI error `type` for a status. */
function typeOf(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 402) return "insufficient_credit";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status >= 500) return status === 503 ? "service_unavailable" : "server_error";
  return "invalid_request_error";
}

export function statusOf(error: unknown): number {
  return error instanceof PoaError ? (STATUS[error.code] ?? 500) : 500;
}

const json = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

/** `{error: {message, type, code, param, poa}}`: OpenAI's shape, with the PoaError's code and details. */
export function errorBody(error: unknown): Record<string, unknown> {
  if (!(error instanceof PoaError))
    return {
      error: {
        message: `internal error: ${messageOf(error)}`,
        type: "server_error",
        code: "internal_error",
        param: null,
      },
    };
  const status = statusOf(error);
  const param = typeof error.details.param === "string" ? error.details.param : null;
  return {
    error: {
      message: error.action === undefined ? error.message : `${error.message}. ${error.action}`,
      type: typeOf(status),
      code: error.code.toLowerCase(),
      param,
      poa: { code: error.code, details: JSON.parse(json(error.details)) as unknown },
    },
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = json(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  const status = statusOf(error);
  const headers: Record<string, string> = {};
  if (status === 429 || status === 503) headers["retry-after"] = "1";
  if (status === 413) headers.connection = "close";
  sendJson(res, status, errorBody(error), headers);
}

/** Reads the body as JSON, refusing more than `limit` bytes (413) and malformed JSON (400). */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const tooLarge = () =>
    new PoaError("REQUEST_TOO_LARGE", `the request body is larger than ${limit} bytes`, {
      details: { limit },
      action: "Send a smaller request.",
    });
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "")
    throw new PoaError("REQUEST_INVALID", "the request has no body: a JSON object is expected", {
      action: "Send a JSON body with Content-Type: application/json.",
    });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new PoaError("REQUEST_INVALID", `the request body is not valid JSON (${messageOf(error)})`, {
      action: "Send a JSON body with Content-Type: application/json.",
    });
  }
}

/** Server-sent events in the OpenAI stream format (`data: <json>` lines, then `data: [DONE]`). */
export class EventStream {
  private started = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly trailer?: string,
  ) {}

  start(headers: Record<string, string> = {}): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...(this.trailer === undefined ? {} : { trailer: this.trailer }),
      ...headers,
    });
    this.res.flushHeaders();
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  send(value: unknown): void {
    if (this.closed) return;
    this.res.write(`data: ${json(value)}\n\n`);
  }

  /** Ends the stream with `[DONE]`, and the trailer value if one was declared. */
  done(trailerValue?: string): void {
    if (this.closed) return;
    this.res.write("data: [DONE]\n\n");
    if (this.trailer !== undefined && trailerValue !== undefined)
      this.res.addTrailers({ [this.trailer]: trailerValue });
    this.res.end();
  }

  /** An error after the stream started: one error event (the openai client raises it), then the end. */
  fail(error: unknown): void {
    if (this.closed) return;
    this.res.write(`data: ${json(errorBody(error))}\n\n`);
    this.res.end();
  }
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface Listening {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free port). */
export async function listen(handler: Handler, host: string, port: number): Promise<Listening> {
  const server = createServer((req, res) => {
    handler(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        error.code === "EADDRINUSE"
          ? new PoaError("PORT_IN_USE", `port ${port} on ${host} is already in use`, {
              details: { port, host, field: "port" },
              action: "Stop what listens there, or choose another port.",
            })
          : new PoaError("INVALID_VALUE", `cannot listen on ${host}:${port}: ${error.message}`, {
              details: { host, port },
            }),
      );
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${shown}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}

/** The bearer token of a request, if any. */
export function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== "string") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
