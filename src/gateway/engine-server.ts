/**
 * A plain inference engine over a content store (`poa serve --engine`): the OpenAI-compatible
 * endpoints, every model artifact of the store by served name (artifacts.ts: the manifest's
 * `name`, else the artifact hash), no chain, no keys, no credit, no records, no payments. It is
 * what a gateway's `--backend` points at when the generation runs in another process (as vLLM or
 * a llama.cpp server would); the gateway in front of it meters, records and pays.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { ContentStore } from "../content/index.js";
import { PoaError } from "../core/errors.js";
import { countTokens, type TabularModel, type TextModel } from "../factory/index.js";
import { ArtifactCatalog } from "./artifacts.js";
import { BuiltinEngine } from "./engine.js";
import { EventStream, listen, readJson, sendError, sendJson } from "./http.js";
import {
  chatBody,
  completionBody,
  DEFAULT_LIMITS,
  parseChatRequest,
  parseCompletionRequest,
  parsePredictionRequest,
  streamChunk,
  usageChunk,
  usageOf,
  type RequestLimits,
} from "./openai.js";

export interface EngineOptions {
  content: string;
  host?: string;
  port?: number;
  memoryBudgetBytes?: number;
  limits?: Partial<RequestLimits>;
  maxBodyBytes?: number;
}

export interface RunningEngine {
  url: string;
  port: number;
  models: number;
  stop(): Promise<void>;
}

export async function startEngine(options: EngineOptions): Promise<RunningEngine> {
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxBody = options.maxBodyBytes ?? 2 ** 20;
  const catalog = await ArtifactCatalog.open(
    new ContentStore(options.content),
    options.memoryBudgetBytes ?? 256 * 2 ** 20,
  );
  const engine = new BuiltinEngine();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? "/", "http://engine").pathname.replace(/\/+$/, "");
    if (path === "/v1/models" && req.method === "GET") {
      sendJson(res, 200, {
        object: "list",
        data: catalog.entries().map((e) => ({
          id: e.name,
          object: "model",
          created: 0,
          owned_by: "poa-engine",
          poa: { kind: e.kind, artifact_hash: e.artifactHash, cid: e.cid },
        })),
      });
      return;
    }
    if (path === "/v1/predictions" && req.method === "POST") {
      const request = parsePredictionRequest(await readJson(req, maxBody));
      const model = await catalog.model(catalog.resolve(request.model));
      if (model.kind !== "tabular")
        throw new PoaError("MODEL_KIND_MISMATCH", `${request.model} is not a tabular model`, {
          details: { param: "model" },
        });
      const predictions = await engine.predict({ kind: "model", model: model as TabularModel }, request.rows);
      sendJson(res, 200, {
        object: "poa.predictions",
        model: request.model,
        predictions,
        usage: usageOf(
          request.rows.reduce((s, r) => s + r.length, 0),
          request.rows.length,
        ),
      });
      return;
    }
    if ((path === "/v1/completions" || path === "/v1/chat/completions") && req.method === "POST") {
      const body = await readJson(req, maxBody);
      const request =
        path === "/v1/completions" ? parseCompletionRequest(body, limits) : parseChatRequest(body, limits);
      const model = await catalog.model(catalog.resolve(request.model));
      if (model.kind === "tabular")
        throw new PoaError("MODEL_KIND_MISMATCH", `${request.model} is a tabular model: use /v1/predictions`, {
          details: { param: "model" },
        });
      const seed = request.sampling.seed ?? randomBytes(4).readUInt32BE(0);
      const input = { prompt: request.prompt, sampling: { ...request.sampling, seed } };
      const target = { kind: "model" as const, model: model as TextModel };
      const meta = {
        id: `cmpl-${randomBytes(12).toString("hex")}`,
        created: Math.floor(Date.now() / 1000),
        model: request.model,
      };
      if (!request.stream) {
        const result = await engine.complete(target, input);
        const usage = usageOf(request.promptTokens, countTokens(result.text));
        const extra = { poa: { seed } };
        sendJson(
          res,
          200,
          request.endpoint === "completions"
            ? completionBody(meta, result.text, result.finishReason, usage, extra)
            : chatBody(meta, result.text, result.finishReason, usage, extra),
        );
        return;
      }
      const events = new EventStream(res);
      events.start();
      const generator = engine.stream(target, input);
      let first = true;
      for (;;) {
        const next = await generator.next();
        if (events.closed) return;
        if (next.done === true) {
          const usage = usageOf(request.promptTokens, countTokens(next.value.text));
          events.send(streamChunk(request.endpoint, meta, undefined, next.value.finishReason, { usage }));
          if (request.includeUsage) events.send(usageChunk(request.endpoint, meta, usage, {}));
          events.done();
          return;
        }
        events.send(streamChunk(request.endpoint, meta, next.value, null, {}, first));
        first = false;
      }
    }
    throw new PoaError("NOT_FOUND", `no endpoint ${req.method ?? "GET"} ${path}`, { details: { path } });
  };

  const server = await listen(
    (req, res) => handle(req, res).catch((error: unknown) => sendError(res, error)),
    options.host ?? "127.0.0.1",
    options.port ?? 8081,
  );
  return { url: server.url, port: server.port, models: catalog.entries().length, stop: () => server.close() };
}
