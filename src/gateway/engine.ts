/**
 * Where text is generated: the built-in engine (the Model Factory's models, in this process) or a
 * backend (any OpenAI-compatible server: vLLM, LoRAX, a llama.cpp server, another `poa serve
 * --engine`), reached over HTTP with `POST /v1/completions` (a chat is rendered by the gateway
 * first, so the backend reads exactly the record's prompt).
 *
 * Whatever generates, the gateway meters: the output's tokens are counted with the project's
 * tokenizer, an output longer than `max_tokens` by that count is cut at the token boundary, and
 * stop sequences are applied to the text. A backend's own `usage` is never trusted.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";

import { tokenize } from "../attribution/tokenize.js";
import { messageOf, PoaError } from "../core/errors.js";
import type { TabularModel, TextModel } from "../factory/index.js";
import { StopScanner, type FinishReason, type Sampling } from "./openai.js";

export interface GenerationInput {
  prompt: string;
  sampling: Sampling & { seed: number };
}

export interface GenerationResult {
  text: string;
  finishReason: FinishReason;
}

/** The text cut to its first `maxTokens` tokens (by the project's tokenizer). Pure. */
export function limitTokens(text: string, maxTokens: number): { text: string; cut: boolean } {
  const { words, ends } = tokenize(text);
  if (words.length <= maxTokens) return { text, cut: false };
  return { text: text.slice(0, ends[maxTokens - 1]), cut: true };
}

/** What the gateway generates with: a loaded model (built-in) or a served name (backend). */
export type Target = { kind: "model"; model: TextModel } | { kind: "backend"; name: string };

export interface Engine {
  complete(target: Target, input: GenerationInput): Promise<GenerationResult>;
  /** Yields text pieces; returns the whole result (whose text is the pieces joined). */
  stream(target: Target, input: GenerationInput): AsyncGenerator<string, GenerationResult, void>;
  predict(
    target: { kind: "model"; model: TabularModel } | { kind: "backend"; name: string },
    rows: number[][],
  ): Promise<number[]>;
}

function factoryOptions(s: GenerationInput["sampling"]) {
  return { maxTokens: s.maxTokens, temperature: s.temperature, topK: s.topK, topP: s.topP, seed: s.seed };
}

/** The Model Factory's models in this process. */
export class BuiltinEngine implements Engine {
  async complete(target: Target, input: GenerationInput): Promise<GenerationResult> {
    if (target.kind !== "model") throw new PoaError("STATE_CONFLICT", "the built-in engine needs a loaded model");
    const g = target.model.generate(input.prompt, factoryOptions(input.sampling));
    if (input.sampling.stop.length === 0) return { text: g.text, finishReason: g.finishReason };
    const scanner = new StopScanner(input.sampling.stop);
    scanner.push(g.text);
    scanner.end();
    return { text: scanner.text, finishReason: scanner.stopped ? "stop" : g.finishReason };
  }

  async *stream(target: Target, input: GenerationInput): AsyncGenerator<string, GenerationResult, void> {
    if (target.kind !== "model") throw new PoaError("STATE_CONFLICT", "the built-in engine needs a loaded model");
    const scanner = new StopScanner(input.sampling.stop);
    const generator = target.model.stream(input.prompt, factoryOptions(input.sampling));
    let finishReason: FinishReason = "length";
    for (;;) {
      const next = generator.next();
      if (next.done === true) {
        finishReason = next.value.finishReason;
        break;
      }
      const out = scanner.push(next.value);
      if (out !== "") yield out;
      if (scanner.stopped) break;
      // One token per turn of the event loop: other requests (other adapters) advance in between.
      await yieldToLoop();
    }
    const rest = scanner.end();
    if (rest !== "") yield rest;
    return { text: scanner.text, finishReason: scanner.stopped ? "stop" : finishReason };
  }

  async predict(target: { kind: "model"; model: TabularModel } | { kind: "backend"; name: string }, rows: number[][]) {
    if (target.kind !== "model") throw new PoaError("STATE_CONFLICT", "the built-in engine needs a loaded model");
    return target.model.predict(rows);
  }
}

function backendError(url: string, what: string, cause?: unknown): PoaError {
  return new PoaError("BACKEND_FAILED", `the backend at ${url} failed: ${what}`, {
    details: { backend: url },
    cause,
    action: "Check that the backend server is running and serves this model, then try again.",
  });
}

/** An OpenAI-compatible server reached over HTTP. */
export class BackendEngine implements Engine {
  private readonly base: string;

  constructor(
    url: string,
    private readonly options: { apiKey?: string; timeoutMs?: number } = {},
  ) {
    this.base = url.replace(/\/+$/, "").replace(/\/v1$/, "");
  }

  private async post(path: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<Response> {
    const url = `${this.base}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.apiKey === undefined ? {} : { authorization: `Bearer ${this.options.apiKey}` }),
        },
        body: JSON.stringify(body),
        signal: signal ?? AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      throw backendError(url, `cannot be reached (${messageOf((error as { cause?: unknown }).cause ?? error)})`, error);
    }
    if (!response.ok) {
      let message = `HTTP ${response.status}`;
      try {
        const answer = (await response.json()) as { error?: { message?: unknown } };
        if (typeof answer.error?.message === "string") message += `: ${answer.error.message}`;
      } catch {
        // not JSON: the status says enough
      }
      throw backendError(url, message);
    }
    return response;
  }

  private request(name: string, input: GenerationInput, stream: boolean): Record<string, unknown> {
    const s = input.sampling;
    return {
      model: name,
      prompt: input.prompt,
      max_tokens: s.maxTokens,
      temperature: s.temperature,
      top_p: s.topP,
      ...(s.topK > 0 ? { top_k: s.topK } : {}),
      seed: s.seed,
      ...(s.stop.length > 0 ? { stop: s.stop } : {}),
      stream,
    };
  }

  async complete(target: Target, input: GenerationInput): Promise<GenerationResult> {
    if (target.kind !== "backend") throw new PoaError("STATE_CONFLICT", "a backend engine generates by name");
    const response = await this.post("/v1/completions", this.request(target.name, input, false));
    let answer: { choices?: { text?: unknown; finish_reason?: unknown }[] };
    try {
      answer = (await response.json()) as typeof answer;
    } catch (error) {
      throw backendError(this.base, "its answer is not JSON", error);
    }
    const choice = answer.choices?.[0];
    if (typeof choice?.text !== "string") throw backendError(this.base, "its answer has no choices[0].text");
    const scanner = new StopScanner(input.sampling.stop);
    scanner.push(choice.text);
    scanner.end();
    const limited = limitTokens(scanner.text, input.sampling.maxTokens);
    const finishReason: FinishReason = limited.cut
      ? "length"
      : scanner.stopped || choice.finish_reason === "stop"
        ? "stop"
        : "length";
    return { text: limited.text, finishReason };
  }

  async *stream(target: Target, input: GenerationInput): AsyncGenerator<string, GenerationResult, void> {
    if (target.kind !== "backend") throw new PoaError("STATE_CONFLICT", "a backend engine generates by name");
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.options.timeoutMs ?? 120_000);
    try {
      const response = await this.post("/v1/completions", this.request(target.name, input, true), abort.signal);
      if (response.body === null) throw backendError(this.base, "its stream has no body");
      const scanner = new StopScanner(input.sampling.stop);
      let text = "";
      let finish: FinishReason = "length";
      let cut = false;
      const decoder = new TextDecoder();
      let buffer = "";
      const reader = response.body.getReader();
      outer: for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line.startsWith("data:")) continue;
          const data = line.slice(5).trim();
          if (data === "[DONE]") break outer;
          let chunk: { choices?: { text?: unknown; finish_reason?: unknown }[]; error?: { message?: unknown } };
          try {
            chunk = JSON.parse(data) as typeof chunk;
          } catch (error) {
            throw backendError(this.base, "a stream event is not JSON", error);
          }
          if (chunk.error !== undefined) throw backendError(this.base, String(chunk.error.message ?? "stream error"));
          const choice = chunk.choices?.[0];
          if (choice?.finish_reason === "stop") finish = "stop";
          if (typeof choice?.text !== "string" || choice.text === "") continue;
          const piece = scanner.push(choice.text);
          if (piece === "") {
            if (scanner.stopped) break outer;
            continue;
          }
          const limited = limitTokens(text + piece, input.sampling.maxTokens);
          const out = limited.text.slice(text.length);
          text = limited.text;
          if (out !== "") yield out;
          if (limited.cut) {
            cut = true;
            break outer;
          }
          if (scanner.stopped) break outer;
        }
      }
      await reader.cancel().catch(() => undefined);
      if (!cut) {
        const rest = scanner.end();
        if (rest !== "") {
          const limited = limitTokens(text + rest, input.sampling.maxTokens);
          const out = limited.text.slice(text.length);
          text = limited.text;
          cut = limited.cut;
          if (out !== "") yield out;
        }
      }
      return { text, finishReason: cut ? "length" : scanner.stopped ? "stop" : finish };
    } finally {
      clearTimeout(timer);
    }
  }

  async predict(target: { kind: "model"; model: TabularModel } | { kind: "backend"; name: string }, rows: number[][]) {
    if (target.kind !== "backend") throw new PoaError("STATE_CONFLICT", "a backend engine predicts by name");
    const response = await this.post("/v1/predictions", { model: target.name, rows });
    const answer = (await response.json().catch(() => ({}))) as { predictions?: unknown };
    const p = answer.predictions;
    if (!Array.isArray(p) || p.length !== rows.length || !p.every((x) => typeof x === "number" && Number.isFinite(x)))
      throw backendError(this.base, "its answer has no list of predictions, one per row");
    return p as number[];
  }
}
