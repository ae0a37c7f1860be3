/**
 * The OpenAI-compatible wire format: parsing and checking request bodies, rendering a chat into
 * the prompt the model reads, and building responses and stream chunks. Pure (no I/O).
 *
 * Supported: `/v1/completions` (one prompt string), `/v1/chat/completions` (text messages),
 * `stream` (+ `stream_options.include_usage`), `max_tokens` / `max_completion_tokens`,
 * `temperature` (0..2), `top_p`, `seed`, `stop`, `n` = 1, `user`. Extensions: `top_k` and
 * `max_fee` (the most the caller accepts to pay for this request, in OPEN wei, as a decimal
 * string). Anything the engine cannot honour (several choices, log probabilities, echo, penalties,
 * logit bias, tools, images) is refused with a 400 naming the parameter, never silently ignored.
 */
import { PoaError } from "../core/errors.js";
import { countTokens } from "../factory/index.js";

export interface RequestLimits {
  /** Most prompt tokens a request may have. */
  maxPromptTokens: number;
  /** Largest `max_tokens` accepted. */
  maxTokens: number;
  /** `max_tokens` when the request gives none. */
  defaultMaxTokens: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxPromptTokens: 4096, maxTokens: 1024, defaultMaxTokens: 64 };

export interface Sampling {
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  /** undefined: the gateway derives one from the request's nonce (and reports it). */
  seed: number | undefined;
  stop: string[];
}

export type Endpoint = "completions" | "chat";

export interface InferenceRequest {
  endpoint: Endpoint;
  /** The `model` field as given. */
  model: string;
  /** The exact text the model reads (for a chat, the rendered conversation). */
  prompt: string;
  /** Tokens of `prompt` under the project's tokenizer (what the fee counts). */
  promptTokens: number;
  sampling: Sampling;
  stream: boolean;
  includeUsage: boolean;
  /** The caller's ceiling on this request's fee, in OPEN wei. */
  maxFee: bigint | undefined;
}

export interface PredictionRequest {
  model: string;
  rows: number[][];
  maxFee: bigint | undefined;
}

/** A 400: the request body is not what the endpoint takes. */
export function badRequest(message: string, param?: string): PoaError {
  return new PoaError("REQUEST_INVALID", message, {
    details: param === undefined ? {} : { param },
    action: "Fix the request body (see the gateway's API documentation).",
  });
}

type Body = Record<string, unknown>;

function asObject(value: unknown): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw badRequest("the request body must be a JSON object");
  return value as Body;
}

function numberIn(body: Body, key: string, min: number, max: number, fallback: number, integer = false): number {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max)
    throw badRequest(
      `"${key}" must be ${integer ? "an integer" : "a number"} in ${min}..${max} (got ${JSON.stringify(v)})`,
      key,
    );
  return v;
}

function refuseUnsupported(body: Body): void {
  const refuse = (key: string, why: string) => {
    throw badRequest(`"${key}" is not supported by this gateway (${why})`, key);
  };
  if (body.n !== undefined && body.n !== null && body.n !== 1) refuse("n", "one choice per request");
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1)
    refuse("best_of", "one choice per request");
  if (body.logprobs !== undefined && body.logprobs !== null && body.logprobs !== false && body.logprobs !== 0)
    refuse("logprobs", "the engine does not report log probabilities");
  if (body.top_logprobs !== undefined && body.top_logprobs !== null) refuse("top_logprobs", "no log probabilities");
  if (body.echo === true) refuse("echo", "the prompt is not repeated in the output");
  if (body.suffix !== undefined && body.suffix !== null) refuse("suffix", "no insertion");
  for (const key of ["presence_penalty", "frequency_penalty"])
    if (body[key] !== undefined && body[key] !== null && body[key] !== 0) refuse(key, "no penalties");
  if (
    body.logit_bias !== undefined &&
    body.logit_bias !== null &&
    !(typeof body.logit_bias === "object" && Object.keys(body.logit_bias).length === 0)
  )
    refuse("logit_bias", "no token biases");
  for (const key of ["tools", "functions", "tool_choice", "function_call"])
    if (body[key] !== undefined && body[key] !== null && !(Array.isArray(body[key]) && body[key].length === 0))
      refuse(key, "no tool calls");
  const format = body.response_format as { type?: unknown } | undefined | null;
  if (format !== undefined && format !== null && format.type !== "text") refuse("response_format", "text output only");
}

function parseModel(body: Body): string {
  const model = body.model;
  if (typeof model !== "string" || model.trim() === "")
    throw badRequest(`"model" must name a model (an on-chain model id)`, "model");
  return model.trim();
}

/** The `max_fee` extension: a decimal string (or safe integer) of OPEN wei. */
export function parseMaxFee(body: Body): bigint | undefined {
  const v = body.max_fee;
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === "string" && /^[0-9]{1,78}$/.test(v)) return BigInt(v);
  throw badRequest(`"max_fee" must be a decimal string of OPEN wei (e.g. "5000000000000000")`, "max_fee");
}

function parseSampling(body: Body, limits: RequestLimits, maxTokensKey: readonly string[]): Sampling {
  let maxTokens = limits.defaultMaxTokens;
  for (const key of maxTokensKey) {
    const v = body[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > limits.maxTokens)
      throw badRequest(`"${key}" must be an integer in 1..${limits.maxTokens} (got ${JSON.stringify(v)})`, key);
    maxTokens = v;
    break;
  }
  const temperature = numberIn(body, "temperature", 0, 2, 1);
  const topP = numberIn(body, "top_p", 0, 1, 1);
  if (topP === 0) throw badRequest(`"top_p" must be greater than 0`, "top_p");
  const topK = numberIn(body, "top_k", 0, 1_000_000, 0, true);
  let seed: number | undefined;
  if (body.seed !== undefined && body.seed !== null) {
    if (typeof body.seed !== "number" || !Number.isSafeInteger(body.seed))
      throw badRequest(`"seed" must be an integer`, "seed");
    seed = Number(BigInt.asUintN(32, BigInt(body.seed)));
  }
  let stop: string[] = [];
  const s = body.stop;
  if (typeof s === "string") stop = [s];
  else if (Array.isArray(s)) {
    if (s.length > 4 || !s.every((x) => typeof x === "string"))
      throw badRequest(`"stop" must be a string or up to 4 strings`, "stop");
    stop = s as string[];
  } else if (s !== undefined && s !== null) throw badRequest(`"stop" must be a string or up to 4 strings`, "stop");
  stop = stop.filter((x) => x !== "");
  return { maxTokens, temperature, topP, topK, seed, stop };
}

function parseStream(body: Body): { stream: boolean; includeUsage: boolean } {
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean")
    throw badRequest(`"stream" must be true or false`, "stream");
  const options = body.stream_options as { include_usage?: unknown } | undefined | null;
  return { stream: body.stream === true, includeUsage: options?.include_usage === true };
}

function checkPrompt(prompt: string, limits: RequestLimits): number {
  const tokens = countTokens(prompt);
  if (tokens === 0)
    throw badRequest("the prompt has no tokens: give some text (an empty request cannot be metered)", "prompt");
  if (tokens > limits.maxPromptTokens)
    throw new PoaError(
      "PROMPT_TOO_LONG",
      `the prompt has ${tokens} tokens; this gateway takes at most ${limits.maxPromptTokens}`,
      { details: { param: "prompt", tokens, limit: limits.maxPromptTokens }, action: "Shorten the prompt." },
    );
  return tokens;
}

/** A `/v1/completions` body. */
export function parseCompletionRequest(value: unknown, limits: RequestLimits = DEFAULT_LIMITS): InferenceRequest {
  const body = asObject(value);
  const model = parseModel(body);
  refuseUnsupported(body);
  let prompt = body.prompt;
  if (Array.isArray(prompt)) {
    if (prompt.length !== 1 || typeof prompt[0] !== "string")
      throw badRequest(`"prompt" must be one string (several prompts or token arrays are not supported)`, "prompt");
    prompt = prompt[0];
  }
  if (typeof prompt !== "string") throw badRequest(`"prompt" must be a string`, "prompt");
  const promptTokens = checkPrompt(prompt, limits);
  const sampling = parseSampling(body, limits, ["max_tokens"]);
  return {
    endpoint: "completions",
    model,
    prompt,
    promptTokens,
    sampling,
    ...parseStream(body),
    maxFee: parseMaxFee(body),
  };
}

const ROLES = new Set(["system", "developer", "user", "assistant"]);

/**
 * The chat as the text the model reads: one line per message, `<role>: <content>`, joined by a
 * line break (so the model continues the last message's paragraph). Pure; this exact text is the
 * record's prompt.
 */
export function renderChat(messages: readonly { role: string; content: string }[]): string {
  return messages.map((m) => `${m.role}: ${m.content}`).join("\n");
}

function messageText(content: unknown, index: number): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (p === null || typeof p !== "object" || p.type !== "text" || typeof p.text !== "string")
          throw badRequest(
            `messages[${index}].content[${j}] must be a text part (images and audio are not supported)`,
            "messages",
          );
        return p.text;
      })
      .join("");
  }
  throw badRequest(`messages[${index}].content must be a string or a list of text parts`, "messages");
}

/** A `/v1/chat/completions` body. */
export function parseChatRequest(value: unknown, limits: RequestLimits = DEFAULT_LIMITS): InferenceRequest {
  const body = asObject(value);
  const model = parseModel(body);
  refuseUnsupported(body);
  const raw = body.messages;
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest(`"messages" must be a non-empty list`, "messages");
  const messages = raw.map((m: unknown, i) => {
    const msg = m as { role?: unknown; content?: unknown; tool_calls?: unknown } | null;
    if (msg === null || typeof msg !== "object") throw badRequest(`messages[${i}] must be an object`, "messages");
    if (typeof msg.role !== "string" || !ROLES.has(msg.role))
      throw badRequest(`messages[${i}].role must be one of ${[...ROLES].join(", ")}`, "messages");
    if (msg.tool_calls !== undefined && msg.tool_calls !== null)
      throw badRequest(`messages[${i}].tool_calls: tool calls are not supported`, "messages");
    return { role: msg.role, content: messageText(msg.content, i) };
  });
  const prompt = renderChat(messages);
  const promptTokens = checkPrompt(prompt, limits);
  const sampling = parseSampling(body, limits, ["max_completion_tokens", "max_tokens"]);
  return { endpoint: "chat", model, prompt, promptTokens, sampling, ...parseStream(body), maxFee: parseMaxFee(body) };
}

/** Most rows a prediction request may carry. */
export const MAX_PREDICTION_ROWS = 1_000;

/** A `/v1/predictions` body (tabular models): `{"model", "rows": [[numbers]], "max_fee"?}`. */
export function parsePredictionRequest(value: unknown): PredictionRequest {
  const body = asObject(value);
  const model = parseModel(body);
  const rows = body.rows;
  if (!Array.isArray(rows) || rows.length === 0 || rows.length > MAX_PREDICTION_ROWS)
    throw badRequest(`"rows" must be a list of 1..${MAX_PREDICTION_ROWS} rows of numbers`, "rows");
  const checked = rows.map((row: unknown, i) => {
    if (!Array.isArray(row) || row.length === 0 || !row.every((x) => typeof x === "number" && Number.isFinite(x)))
      throw badRequest(`rows[${i}] must be a non-empty list of finite numbers`, "rows");
    return row as number[];
  });
  return { model, rows: checked, maxFee: parseMaxFee(body) };
}

// ---------------------------------------------------------------------------------------------
// Stop sequences

/**
 * Cuts a stream of text at the first stop sequence. `push` returns the text that is safe to emit
 * (never the start of a stop sequence that may complete later); `end` returns the rest.
 */
export class StopScanner {
  private held = "";
  private emitted = "";
  stopped = false;
  private readonly hold: number;

  constructor(private readonly stops: readonly string[]) {
    this.hold = Math.max(0, ...stops.map((s) => s.length - 1));
  }

  push(piece: string): string {
    if (this.stopped) return "";
    this.held += piece;
    let cut = -1;
    for (const s of this.stops) {
      const at = this.held.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stopped = true;
      const out = this.held.slice(0, cut);
      this.held = "";
      this.emitted += out;
      return out;
    }
    const safe = Math.max(0, this.held.length - this.hold);
    const out = this.held.slice(0, safe);
    this.held = this.held.slice(safe);
    this.emitted += out;
    return out;
  }

  end(): string {
    const out = this.stopped ? "" : this.held;
    this.held = "";
    this.emitted += out;
    return out;
  }

  /** Everything emitted so far. */
  get text(): string {
    return this.emitted;
  }
}

// ---------------------------------------------------------------------------------------------
// Responses

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function usageOf(tokensIn: number, tokensOut: number): Usage {
  return { prompt_tokens: tokensIn, completion_tokens: tokensOut, total_tokens: tokensIn + tokensOut };
}

export type FinishReason = "stop" | "length";

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
}

export function completionBody(
  meta: ResponseMeta,
  text: string,
  finish: FinishReason,
  usage: Usage,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
    usage,
    ...extra,
  };
}

export function chatBody(
  meta: ResponseMeta,
  text: string,
  finish: FinishReason,
  usage: Usage,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [
      { index: 0, message: { role: "assistant", content: text, refusal: null }, logprobs: null, finish_reason: finish },
    ],
    usage,
    ...extra,
  };
}

/** One stream chunk of either endpoint carrying `text` (and, on the last, the finish reason). */
export function streamChunk(
  endpoint: Endpoint,
  meta: ResponseMeta,
  text: string | undefined,
  finish: FinishReason | null,
  extra: Record<string, unknown> = {},
  first = false,
): Record<string, unknown> {
  if (endpoint === "completions")
    return {
      id: meta.id,
      object: "text_completion",
      created: meta.created,
      model: meta.model,
      choices: [{ text: text ?? "", index: 0, logprobs: null, finish_reason: finish }],
      ...extra,
    };
  const delta: Record<string, unknown> = {};
  if (first) delta.role = "assistant";
  if (text !== undefined) delta.content = text;
  return {
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...extra,
  };
}

/** The usage-only chunk sent when `stream_options.include_usage` is set. */
export function usageChunk(endpoint: Endpoint, meta: ResponseMeta, usage: Usage, extra: Record<string, unknown>) {
  return {
    id: meta.id,
    object: endpoint === "completions" ? "text_completion" : "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [],
    usage,
    ...extra,
  };
}
