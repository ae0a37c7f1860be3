/**
 * The inference gateway: an OpenAI-compatible HTTP server that serves registered models (bases
 * and adapters) from one process, meters every request the way the FeeRouter computes fees,
 * charges the user's prepaid credit, writes the canonical inference record before answering, and
 * pays the FeeRouter in batches. docs/gateway.md describes the API and every rule.
 *
 * One request, in order (each step refuses before any work is done by the next):
 *   API key (401) -> body size and JSON (413, 400) -> parameters and prompt length (400)
 *   -> model registered, not paused or retired (404, 403, 410) -> concurrent requests of the key
 *   (429) -> unpaid backlog bound (503) -> fee within the caller's max_fee (400)
 *   -> worst-case fee reserved from credit (402) -> artifact loaded and checked (503, 502)
 *   -> generation -> record written durably -> response with the record's hash.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

import { getAddress, Wallet } from "ethers";

import { chainError } from "../chain/errors.js";
import { chainProvider, probeChainId } from "../chain/provider.js";
import { ContentStore } from "../content/index.js";
import type { Address } from "../core/address.js";
import { canonicalJson } from "../core/canonical-json.js";
import { PoaError } from "../core/errors.js";
import type { Hex } from "../core/hash.js";
import { countTokens, type TabularModel, type TextModel } from "../factory/index.js";
import { recordHash, type InferenceRecord } from "../settlement/record.js";
import { openStore, type Database } from "../store/index.js";
import {
  DatanetRegistry__factory,
  FeeRouter__factory,
  L2OpenToken__factory,
  ModelRegistry__factory,
} from "../../types/ethers-contracts/index.js";
import { ArtifactLoader, type ArtifactKind, type LoadedArtifact } from "./artifacts.js";
import { Attribution, DEFAULT_SPAN_OPTIONS, type SpanOptions } from "./attribution.js";
import { API_KEY_PATTERN, apiKeyHash, keyBindingMessage, verifyKeyBinding } from "./auth.js";
import { ChainClock } from "./clock.js";
import { chargedFromRecords, creditedFromLogs, CreditLedger, CreditWatcher, TransfersTo } from "./credit.js";
import { BackendEngine, BuiltinEngine, type Engine, type GenerationResult, type Target } from "./engine.js";
import { feeUp } from "./fees.js";
import { bearer, errorBody, EventStream, listen, readJson, sendError, sendJson, type Listening } from "./http.js";
import { ModelDirectory, parseModelId, requireServable, termsNow, type ModelInfo } from "./models.js";
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
  type InferenceRequest,
  type RequestLimits,
} from "./openai.js";
import { Payer, type PaymentOptions, type PaymentStage } from "./payments.js";
import { recordByHash, RecordWriter, type RecordEndpoint } from "./records.js";
import { GATEWAY_SCHEMA } from "./schema.js";
import { OperatorSender } from "./sender.js";

/** The response header that carries the record's hash (= the on-chain requestHash). */
export const REQUEST_HASH_HEADER = "x-poa-request-hash";

export interface GatewayContracts {
  modelRegistry: string;
  feeRouter: string;
  token: string;
  datanetRegistry: string;
}

export interface GatewayOptions {
  /** The L2's JSON-RPC URL and chain id. */
  rpcUrl: string;
  chainId: number;
  contracts: GatewayContracts;
  /** The operator's key: it pays the FeeRouter, and its address is where users deposit credit. */
  privateKey: string;
  /** The state store: a folder (PGlite) or a postgres:// URL. */
  store: string;
  /** The content store folder (artifacts and contributions, by CID). */
  content: string;
  /** Listen address (default 127.0.0.1) and port (default 8080; 0 = any free port). */
  host?: string;
  port?: number;
  /** Forward generation to this OpenAI-compatible server instead of the built-in engine. */
  backend?: string;
  backendKey?: string;
  limits?: Partial<RequestLimits>;
  /** Largest request body (default 1 MiB). */
  maxBodyBytes?: number;
  /** Memory budget of the adapter cache (default 256 MiB). */
  memoryBudgetBytes?: number;
  /** Most requests in progress per API key (default 16). */
  concurrencyPerKey?: number;
  payments?: Partial<PaymentOptions>;
  /** Blocks a deposit waits before it is credited (default 1). */
  creditConfirmations?: number;
  /** First block searched for deposits (default 0). */
  creditStartBlock?: bigint;
  /** How often new deposits are looked for (default 1,000 ms). */
  creditPollMs?: number;
  /** How long a model's on-chain record is used before it is read again, events or not (default 30,000 ms). */
  modelTtlMs?: number;
  /** How often the ModelRegistry's events are polled to notice changes (default 1,000 ms). */
  modelPollMs?: number;
  /** Observers (progress, logs, tests). */
  onPaymentStage?: PaymentOptions["onStage"];
  onModelLoad?: (event: { modelId: bigint; kind: ArtifactKind; ms: number; bytes: number }) => void;
  log?: (line: string) => void;
}

export interface RunningGateway {
  url: string;
  port: number;
  /** The operator's address: where users deposit OPEN. */
  address: Address;
  chainId: number;
  db: Database;
  status(): Record<string, unknown>;
  /** Stops serving; with `drain` (default true), pays what is waiting first (bounded by `timeoutMs`). */
  stop(options?: { drain?: boolean; timeoutMs?: number }): Promise<void>;
}

const MIB = 2 ** 20;

/** Starts a gateway; resolves when it listens. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? (() => {});
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  if (limits.defaultMaxTokens > limits.maxTokens) limits.defaultMaxTokens = limits.maxTokens;
  const maxBody = options.maxBodyBytes ?? MIB;
  const perKey = options.concurrencyPerKey ?? 16;

  // The chain must answer at start: nothing can be checked otherwise.
  const chainId = await probeChainId(options.rpcUrl);
  if (chainId !== options.chainId)
    throw new PoaError(
      "DEPLOYMENT_WRONG_CHAIN",
      `the node at ${options.rpcUrl} is chain ${chainId}, not ${options.chainId}`,
      {
        details: { expected: options.chainId, actual: chainId },
      },
    );
  const provider = chainProvider(options.rpcUrl, chainId, true);
  const wallet = new Wallet(options.privateKey, provider);
  const operator = getAddress(wallet.address) as Address;
  const registry = ModelRegistry__factory.connect(options.contracts.modelRegistry, provider);
  const router = FeeRouter__factory.connect(options.contracts.feeRouter, provider);
  const token = L2OpenToken__factory.connect(options.contracts.token, provider);
  const datanets = DatanetRegistry__factory.connect(options.contracts.datanetRegistry, provider);
  for (const [name, address] of Object.entries(options.contracts)) {
    const code = await provider.getCode(address).catch((error: unknown) => {
      throw chainError(error, `read the code of ${name}`);
    });
    if (code === "0x")
      throw new PoaError("CONTRACT_NOT_FOUND", `no contract at ${address} (${name}) on chain ${chainId}`, {
        details: { contract: name, address, chainId },
        action: "Use the deployment record of the protocol deployed on this chain.",
      });
  }

  const db = await openStore(options.store, { lockName: "gateway", migrations: [GATEWAY_SCHEMA] });
  let stopped = false;
  const cleanup: (() => Promise<void> | void)[] = [() => db.close(), () => provider.destroy()];
  try {
    await bindStore(db, BigInt(chainId), options.contracts.feeRouter, operator);
    const content = new ContentStore(options.content);
    const directory = new ModelDirectory(registry, { ttlMs: options.modelTtlMs ?? 30_000 });
    await directory.pollEvents();
    const clock = new ChainClock(provider);
    await clock.refresh();
    const loader = new ArtifactLoader(content, {
      budgetBytes: options.memoryBudgetBytes ?? 256 * MIB,
      loadModels: options.backend === undefined,
      onLoad: options.onModelLoad,
    });
    const engine: Engine =
      options.backend === undefined
        ? new BuiltinEngine()
        : new BackendEngine(options.backend, options.backendKey === undefined ? {} : { apiKey: options.backendKey });
    const ledger = new CreditLedger(operator);
    const stream = `gateway:credit:${chainId}:${operator.toLowerCase()}`;
    ledger.setCharged(await chargedFromRecords(db));
    ledger.setCredited(await creditedFromLogs(db, stream, operator));
    const watcher = new CreditWatcher(
      db,
      new TransfersTo(provider, options.contracts.token, operator, options.rpcUrl),
      ledger,
      {
        stream,
        startBlock: options.creditStartBlock ?? 0n,
        confirmations: options.creditConfirmations ?? 1,
      },
    );
    const payer = new Payer(
      {
        db,
        sender: new OperatorSender(wallet, options.rpcUrl),
        provider,
        router,
        token,
        operator,
        chainId: BigInt(chainId),
        directory,
        clock,
        ledger,
      },
      {
        batchSize: options.payments?.batchSize ?? 100,
        flushIntervalMs: options.payments?.flushIntervalMs ?? 5_000,
        maxBacklog: options.payments?.maxBacklog ?? 10_000,
        ...(options.payments?.confirmations === undefined ? {} : { confirmations: options.payments.confirmations }),
        ...(options.payments?.pollMs === undefined ? {} : { pollMs: options.payments.pollMs }),
        onStage: options.onPaymentStage,
        onError: (e) => log(`payments: ${e.message}`),
      },
    );
    await payer.load();
    const keys = await loadKeys(db);
    const writer = new RecordWriter(db);
    const attribution = new Attribution({ directory, loader, content, datanets });
    payer.start();
    cleanup.unshift(() => payer.stop({ drain: false }));

    // Deposits: indexed every creditPollMs.
    let creditTimer: NodeJS.Timeout | undefined;
    let creditRound: Promise<void> | undefined;
    const pollCredit = () => {
      creditRound = watcher
        .poll()
        .catch((e: unknown) => log(`credit: ${(e as Error).message}`))
        .finally(() => {
          creditRound = undefined;
          if (!stopped) creditTimer = setTimeout(pollCredit, options.creditPollMs ?? 1_000);
        });
    };
    pollCredit();
    cleanup.unshift(async () => {
      clearTimeout(creditTimer);
      await creditRound;
    });
    // Registry events: changes to models reach the cache within one poll.
    let modelTimer: NodeJS.Timeout | undefined;
    let modelRound: Promise<unknown> | undefined;
    const pollModels = () => {
      modelRound = directory
        .pollEvents()
        .catch(() => undefined)
        .finally(() => {
          modelRound = undefined;
          if (!stopped) modelTimer = setTimeout(pollModels, options.modelPollMs ?? 1_000);
        });
    };
    modelTimer = setTimeout(pollModels, options.modelPollMs ?? 1_000);
    cleanup.unshift(async () => {
      clearTimeout(modelTimer);
      await modelRound;
    });

    const service = new GatewayService({
      chainId,
      operator,
      contracts: options.contracts,
      limits,
      maxBody,
      perKey,
      db,
      directory,
      clock,
      loader,
      engine,
      ledger,
      watcher,
      payer,
      keys,
      writer,
      attribution,
      backend: options.backend,
    });
    const server: Listening = await listen(
      (req, res) => service.handle(req, res),
      options.host ?? "127.0.0.1",
      options.port ?? 8080,
    );
    log(`gateway ${operator} on chain ${chainId} listening on ${server.url}`);
    return {
      url: server.url,
      port: server.port,
      address: operator,
      chainId,
      db,
      status: () => service.statusBody(),
      async stop(stopOptions = {}) {
        if (stopped) return;
        stopped = true;
        await server.close();
        await service.idle(stopOptions.timeoutMs ?? 30_000);
        if (stopOptions.drain !== false) await payer.stop({ drain: true, timeoutMs: stopOptions.timeoutMs ?? 30_000 });
        for (const f of cleanup) await f();
      },
    };
  } catch (error) {
    stopped = true;
    for (const f of cleanup) await Promise.resolve(f()).catch(() => undefined);
    throw error;
  }
}

/** The store belongs to one chain, router and operator (see schema.ts). */
async function bindStore(db: Database, chainId: bigint, router: string, operator: string): Promise<void> {
  await db.query(
    `INSERT INTO gateway_config (id, chain_id, fee_router, operator) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING`,
    [chainId, router.toLowerCase(), operator.toLowerCase()],
  );
  const { rows } = await db.query<{ chain_id: bigint; fee_router: string; operator: string }>(
    "SELECT chain_id, fee_router, operator FROM gateway_config WHERE id = 1",
  );
  const row = rows[0]!;
  if (row.chain_id !== chainId || row.fee_router !== router.toLowerCase() || row.operator !== operator.toLowerCase())
    throw new PoaError(
      "STATE_CONFLICT",
      `this gateway store belongs to chain ${row.chain_id}, FeeRouter ${row.fee_router} and operator ${row.operator}, not chain ${chainId}, ${router.toLowerCase()} and ${operator.toLowerCase()}`,
      {
        details: { stored: row, given: { chainId, router, operator } },
        action:
          "Use the store of this chain and operator, or a new store folder (records of different chains never mix).",
      },
    );
}

async function loadKeys(db: Database): Promise<Map<string, string>> {
  const { rows } = await db.query<{ key_hash: string; account: string }>(
    "SELECT key_hash, account FROM gateway_api_key WHERE revoked_at IS NULL",
  );
  return new Map(rows.map((r) => [r.key_hash, getAddress(r.account)]));
}

interface ServiceDeps {
  chainId: number;
  operator: Address;
  contracts: GatewayContracts;
  limits: RequestLimits;
  maxBody: number;
  perKey: number;
  db: Database;
  directory: ModelDirectory;
  clock: ChainClock;
  loader: ArtifactLoader;
  engine: Engine;
  ledger: CreditLedger;
  watcher: CreditWatcher;
  payer: Payer;
  keys: Map<string, string>;
  writer: RecordWriter;
  attribution: Attribution;
  backend: string | undefined;
}

interface Caller {
  keyHash: string;
  account: Address;
}

class GatewayService {
  private readonly active = new Map<string, number>();
  private inflight = 0;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly d: ServiceDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inflight++;
    try {
      await this.route(req, res);
    } catch (error) {
      sendError(res, error);
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when no request is in progress (or after `timeoutMs`). */
  idle(timeoutMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://gateway");
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    const allow = (methods: string) => {
      if (!methods.split(",").includes(method))
        throw new PoaError("REQUEST_INVALID", `${method} is not allowed on ${path} (use ${methods})`, {
          details: { method, path },
        });
    };
    if (path === "/v1/models") {
      allow("GET");
      return this.models(res);
    }
    if (path.startsWith("/v1/models/")) {
      allow("GET");
      return this.model(res, decodeURIComponent(path.slice("/v1/models/".length)));
    }
    if (path === "/v1/completions" || path === "/v1/chat/completions") {
      allow("POST");
      const caller = this.authenticate(req);
      const body = await readJson(req, this.d.maxBody);
      const request =
        path === "/v1/completions"
          ? parseCompletionRequest(body, this.d.limits)
          : parseChatRequest(body, this.d.limits);
      return this.infer(res, caller, request);
    }
    if (path === "/v1/predictions") {
      allow("POST");
      const caller = this.authenticate(req);
      return this.predict(res, caller, parsePredictionRequest(await readJson(req, this.d.maxBody)));
    }
    if (path.startsWith("/v1/attribution/")) {
      allow("GET");
      const caller = this.authenticate(req);
      return this.attribution(res, caller, path.slice("/v1/attribution/".length), url.searchParams);
    }
    if (path === "/v1/keys") {
      allow("POST");
      return this.bindKey(res, await readJson(req, this.d.maxBody));
    }
    if (path.startsWith("/v1/keys/")) {
      allow("DELETE");
      return this.revokeKey(res, path.slice("/v1/keys/".length), await readJson(req, this.d.maxBody));
    }
    if (path === "/v1/credit") {
      allow("GET");
      return this.credit(res, this.authenticate(req));
    }
    if (path === "/v1/gateway" || path === "/health") {
      allow("GET");
      return sendJson(res, 200, this.statusBody());
    }
    throw new PoaError("NOT_FOUND", `no endpoint ${method} ${path}`, {
      details: { path },
      action: "See docs/gateway.md for the endpoints.",
    });
  }

  statusBody(): Record<string, unknown> {
    return {
      object: "poa.gateway",
      gateway: this.d.operator,
      chain_id: this.d.chainId,
      contracts: this.d.contracts,
      backend: this.d.backend ?? "built-in",
      key_message: keyBindingMessage({
        action: "bind",
        gateway: this.d.operator,
        chainId: this.d.chainId,
        account: this.d.operator,
        keyHash: `0x${"0".repeat(64)}`,
      })
        .replace(`Account: ${this.d.operator}`, "Account: <your address>")
        .replace(`0x${"0".repeat(64)}`, "<keccak256 of your key>"),
      limits: { ...this.d.limits, max_body_bytes: this.d.maxBody, concurrency_per_key: this.d.perKey },
      payments: this.d.payer.status(),
      models: this.d.loader.stats(),
      records: { written: this.d.writer.written, statements: this.d.writer.statements, tokens_out: this.d.writer.tokensOut },
      credit: {
        indexed_to_block: this.d.watcher.cursor?.toString() ?? null,
        last_error: this.d.watcher.lastError?.message ?? null,
      },
      chain: { last_error: this.d.directory.lastError?.message ?? null },
    };
  }

  private authenticate(req: IncomingMessage): Caller {
    const key = bearer(req);
    if (key === undefined)
      throw new PoaError("API_KEY_INVALID", "no API key: send Authorization: Bearer <key>", {
        action: "Bind a key to your account with POST /v1/keys, then send it with every request.",
      });
    if (!API_KEY_PATTERN.test(key))
      throw new PoaError("API_KEY_INVALID", "the API key is malformed (a key is poa_ and 64 hex digits)", {
        action: "Use the key you bound with POST /v1/keys.",
      });
    const keyHash = apiKeyHash(key);
    const account = this.d.keys.get(keyHash);
    if (account === undefined)
      throw new PoaError("API_KEY_INVALID", "this API key is not bound to any account here (or was revoked)", {
        action: "Bind it with POST /v1/keys (a signature of the key-binding message by your account).",
      });
    return { keyHash, account: account as Address };
  }

  /** Counts a request of the key in progress; RATE_LIMITED beyond the limit. */
  private acquire(caller: Caller): () => void {
    const n = this.active.get(caller.keyHash) ?? 0;
    if (n >= this.d.perKey)
      throw new PoaError(
        "RATE_LIMITED",
        `this API key already has ${n} requests in progress (the limit is ${this.d.perKey})`,
        {
          details: { limit: this.d.perKey },
          action: "Wait for a request to finish before sending another.",
        },
      );
    this.active.set(caller.keyHash, n + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const left = (this.active.get(caller.keyHash) ?? 1) - 1;
      if (left === 0) this.active.delete(caller.keyHash);
      else this.active.set(caller.keyHash, left);
    };
  }

  /** The model's record and, for an adapter, its base's; refuses what cannot be served. */
  private async resolve(model: string): Promise<{ info: ModelInfo; base: ModelInfo | undefined }> {
    const id = parseModelId(model);
    if (id === undefined)
      throw new PoaError(
        "MODEL_NOT_FOUND",
        `"${model}" is not a model id (a positive integer, as GET /v1/models lists)`,
        {
          details: { model, param: "model" },
        },
      );
    const info = await this.d.directory.get(id);
    const base =
      info.status !== "none" && info.baseModelId !== 0n ? await this.d.directory.get(info.baseModelId) : undefined;
    requireServable(info, base);
    return { info, base };
  }

  private modelEntry(info: ModelInfo) {
    const terms = termsNow(info, this.d.clock.now());
    return {
      id: info.id.toString(),
      object: "model",
      created: 0,
      owned_by: info.owner,
      poa: {
        kind: info.baseModelId === 0n ? "base" : "adapter",
        base_model_id: info.baseModelId === 0n ? null : info.baseModelId.toString(),
        attribution: info.attribution,
        artifact_hash: info.artifactHash,
        metadata_uri: info.metadataURI,
        trained_on: info.trainedOn.map((v) => ({ datanet_id: v.datanetId.toString(), version: v.version.toString() })),
        price_per_k_input: terms.pricePerKInput.toString(),
        price_per_k_output: terms.pricePerKOutput.toString(),
        scheduled:
          info.scheduled === undefined || info.scheduled.effectiveAt <= this.d.clock.now()
            ? null
            : {
                price_per_k_input: info.scheduled.pricePerKInput.toString(),
                price_per_k_output: info.scheduled.pricePerKOutput.toString(),
                effective_at: Number(info.scheduled.effectiveAt),
              },
      },
    };
  }

  private async models(res: ServerResponse): Promise<void> {
    const all = await this.d.directory.list();
    const byId = new Map(all.map((m) => [m.id.toString(), m]));
    const servable = all.filter((m) => {
      if (m.status !== "active") return false;
      if (m.baseModelId === 0n) return true;
      return byId.get(m.baseModelId.toString())?.status === "active";
    });
    sendJson(res, 200, { object: "list", data: servable.map((m) => this.modelEntry(m)) });
  }

  private async model(res: ServerResponse, id: string): Promise<void> {
    const { info } = await this.resolve(id);
    sendJson(res, 200, this.modelEntry(info));
  }

  /** Admission shared by every metered endpoint; returns what to undo if the request fails. */
  private admitted(caller: Caller, worstFee: bigint, maxFee: bigint | undefined, model: bigint) {
    if (maxFee !== undefined && worstFee > maxFee)
      throw new PoaError(
        "FEE_ABOVE_MAX",
        `this request may cost up to ${worstFee} wei of OPEN at model ${model}'s current prices, above its max_fee ${maxFee}`,
        {
          details: { param: "max_fee", fee: worstFee.toString(), maxFee: maxFee.toString(), model: model.toString() },
          action: "Raise max_fee, or ask for fewer tokens (max_tokens) or a shorter prompt.",
        },
      );
    const slot = this.d.payer.admit();
    try {
      const reservation = this.d.ledger.reserve(caller.account, worstFee);
      return { slot, reservation };
    } catch (error) {
      slot();
      throw error;
    }
  }

  private newRecord(modelId: bigint, prompt: string, output: string, tokensIn: number, tokensOut: number, nonce: Hex) {
    const record: InferenceRecord = {
      chainId: this.d.chainId,
      modelId,
      payer: this.d.operator,
      tokensIn,
      tokensOut,
      prompt,
      output,
      nonce,
    };
    return { record, requestHash: recordHash(record) };
  }

  private poaField(
    record: InferenceRecord,
    requestHash: Hex | null,
    caller: Caller,
    fee: bigint,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> {
    return {
      poa: {
        request_hash: requestHash,
        chain_id: record.chainId,
        model_id: record.modelId.toString(),
        payer: record.payer,
        account: caller.account,
        nonce: record.nonce,
        tokens_in: record.tokensIn,
        tokens_out: record.tokensOut,
        fee: fee.toString(),
        ...extra,
      },
    };
  }

  /** Writes the record (durably) and charges the user; undefined when the fee is zero (nothing to pay). */
  private async keep(
    caller: Caller,
    endpoint: RecordEndpoint,
    modelId: bigint,
    prompt: string,
    output: string,
    tokensIn: number,
    tokensOut: number,
    fee: bigint,
    nonce: Hex,
    undo: { slot: () => void; reservation: ReturnType<CreditLedger["reserve"]> },
  ) {
    const made = this.newRecord(modelId, prompt, output, tokensIn, tokensOut, nonce);
    if (fee === 0n) {
      // The FeeRouter refuses a zero fee: such a request (no priced token) is free and unrecorded.
      this.d.ledger.release(undo.reservation);
      return { ...made, kept: false };
    }
    await this.d.writer.write({ ...made, endpoint, account: caller.account, fee, maxFee: fee });
    this.d.ledger.charge(undo.reservation, fee);
    this.d.payer.recorded(modelId);
    return { ...made, kept: true };
  }

  private async infer(res: ServerResponse, caller: Caller, request: InferenceRequest): Promise<void> {
    const { info, base } = await this.resolve(request.model);
    if (info.attribution === "influence")
      throw new PoaError(
        "MODEL_KIND_MISMATCH",
        `model ${info.id} is a tabular model: it answers POST /v1/predictions, not text completions`,
        { details: { model: info.id.toString(), param: "model" } },
      );
    const release = this.acquire(caller);
    let undo: ReturnType<GatewayService["admitted"]> | undefined;
    try {
      const terms = termsNow(info, this.d.clock.now());
      const worst = feeUp(terms, request.promptTokens, request.sampling.maxTokens);
      undo = this.admitted(caller, worst, request.maxFee, info.id);
      const loaded = await this.d.loader.load(info, base);
      const nonce = `0x${randomBytes(32).toString("hex")}` as Hex;
      const seed = request.sampling.seed ?? Number.parseInt(nonce.slice(2, 10), 16);
      const input = { prompt: request.prompt, sampling: { ...request.sampling, seed } };
      const target = this.target(loaded);
      const meta = {
        id: `${request.endpoint === "chat" ? "chatcmpl" : "cmpl"}-${nonce.slice(2, 26)}`,
        created: Math.floor(Date.now() / 1000),
        model: request.model,
      };
      if (!request.stream) {
        const result = await this.d.engine.complete(target, input);
        const tokensOut = countTokens(result.text);
        const fee = feeUp(terms, request.promptTokens, tokensOut);
        const kept = await this.keep(
          caller,
          request.endpoint,
          info.id,
          request.prompt,
          result.text,
          request.promptTokens,
          tokensOut,
          fee,
          nonce,
          undo,
        );
        const extra = this.poaField(kept.record, kept.kept ? kept.requestHash : null, caller, kept.kept ? fee : 0n, {
          seed,
        });
        const usage = usageOf(request.promptTokens, tokensOut);
        const body =
          request.endpoint === "completions"
            ? completionBody(meta, result.text, result.finishReason, usage, extra)
            : chatBody(meta, result.text, result.finishReason, usage, extra);
        sendJson(res, 200, body, kept.kept ? { [REQUEST_HASH_HEADER]: kept.requestHash } : {});
        return;
      }
      await this.streamInference(res, caller, request, info.id, target, input, terms, nonce, seed, meta, undo);
    } catch (error) {
      if (undo !== undefined) this.d.ledger.release(undo.reservation);
      throw error;
    } finally {
      undo?.slot();
      release();
    }
  }

  private async streamInference(
    res: ServerResponse,
    caller: Caller,
    request: InferenceRequest,
    modelId: bigint,
    target: Target,
    input: Parameters<Engine["stream"]>[1],
    terms: ReturnType<typeof termsNow>,
    nonce: Hex,
    seed: number,
    meta: { id: string; created: number; model: string },
    undo: ReturnType<GatewayService["admitted"]>,
  ): Promise<void> {
    const events = new EventStream(res, REQUEST_HASH_HEADER);
    let aborted = false;
    res.on("close", () => {
      if (!res.writableEnded) aborted = true;
    });
    const generator = this.d.engine.stream(target, input);
    let result: GenerationResult | undefined;
    let first = true;
    try {
      for (;;) {
        const next = await generator.next();
        if (aborted) {
          await generator.return(undefined as never).catch(() => undefined);
          this.d.ledger.release(undo.reservation);
          return;
        }
        if (next.done === true) {
          result = next.value;
          break;
        }
        events.start();
        events.send(streamChunk(request.endpoint, meta, next.value, null, {}, first));
        first = false;
      }
    } catch (error) {
      if (!events.closed && first) throw error; // nothing sent yet: an ordinary error answer
      this.d.ledger.release(undo.reservation);
      events.fail(error);
      return;
    }
    events.start();
    const tokensOut = countTokens(result.text);
    const fee = feeUp(terms, request.promptTokens, tokensOut);
    let kept;
    try {
      kept = await this.keep(
        caller,
        request.endpoint,
        modelId,
        request.prompt,
        result.text,
        request.promptTokens,
        tokensOut,
        fee,
        nonce,
        undo,
      );
    } catch (error) {
      // No record, no charge: the stream ends with the error.
      this.d.ledger.release(undo.reservation);
      events.fail(error);
      return;
    }
    const usage = usageOf(request.promptTokens, tokensOut);
    const extra = this.poaField(kept.record, kept.kept ? kept.requestHash : null, caller, kept.kept ? fee : 0n, {
      seed,
    });
    if (first) events.send(streamChunk(request.endpoint, meta, "", null, {}, true));
    events.send(streamChunk(request.endpoint, meta, undefined, result.finishReason, { usage, ...extra }));
    if (request.includeUsage) events.send(usageChunk(request.endpoint, meta, usage, extra));
    events.done(kept.kept ? kept.requestHash : undefined);
  }

  private target(loaded: LoadedArtifact): Target {
    if (this.d.backend !== undefined) return { kind: "backend", name: loaded.name };
    return { kind: "model", model: loaded.model as TextModel };
  }

  private async predict(
    res: ServerResponse,
    caller: Caller,
    request: ReturnType<typeof parsePredictionRequest>,
  ): Promise<void> {
    const { info, base } = await this.resolve(request.model);
    if (info.attribution !== "influence")
      throw new PoaError(
        "MODEL_KIND_MISMATCH",
        `model ${info.id} is a text model: use /v1/completions or /v1/chat/completions`,
        {
          details: { model: info.id.toString(), param: "model" },
        },
      );
    const release = this.acquire(caller);
    let undo: ReturnType<GatewayService["admitted"]> | undefined;
    try {
      // Tabular metering: tokens in = the input values, tokens out = one per row (docs/gateway.md).
      const tokensIn = request.rows.reduce((s, r) => s + r.length, 0);
      const tokensOut = request.rows.length;
      const terms = termsNow(info, this.d.clock.now());
      const fee = feeUp(terms, tokensIn, tokensOut);
      undo = this.admitted(caller, fee, request.maxFee, info.id);
      const loaded = await this.d.loader.load(info, base);
      if (loaded.kind !== "tabular")
        throw new PoaError("MODEL_KIND_MISMATCH", `model ${info.id} is not a tabular model`, {
          details: { param: "model" },
        });
      const predictions = await this.d.engine.predict(
        this.d.backend !== undefined
          ? { kind: "backend", name: loaded.name }
          : { kind: "model", model: loaded.model as TabularModel },
        request.rows,
      );
      const nonce = `0x${randomBytes(32).toString("hex")}` as Hex;
      const prompt = canonicalJson(request.rows, 0);
      const output = canonicalJson(predictions, 0);
      const kept = await this.keep(
        caller,
        "predictions",
        info.id,
        prompt,
        output,
        tokensIn,
        tokensOut,
        fee,
        nonce,
        undo,
      );
      sendJson(
        res,
        200,
        {
          object: "poa.predictions",
          model: request.model,
          predictions: JSON.parse(output) as number[],
          usage: usageOf(tokensIn, tokensOut),
          ...this.poaField(kept.record, kept.kept ? kept.requestHash : null, caller, kept.kept ? fee : 0n),
        },
        kept.kept ? { [REQUEST_HASH_HEADER]: kept.requestHash } : {},
      );
    } catch (error) {
      if (undo !== undefined) this.d.ledger.release(undo.reservation);
      throw error;
    } finally {
      undo?.slot();
      release();
    }
  }

  private async attribution(res: ServerResponse, caller: Caller, hash: string, query: URLSearchParams): Promise<void> {
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash))
      throw new PoaError("REQUEST_INVALID", `"${hash}" is not a request hash (0x and 64 hex digits)`, {
        details: { param: "requestHash" },
      });
    const stored = await recordByHash(this.d.db, hash);
    if (stored === undefined || stored.account.toLowerCase() !== caller.account.toLowerCase())
      throw new PoaError("NOT_FOUND", `no request ${hash.toLowerCase()} of yours is recorded here`, {
        details: { requestHash: hash.toLowerCase() },
      });
    const int = (name: string, fallback: number) => {
      const v = query.get(name);
      if (v === null) return fallback;
      if (!/^[0-9]{1,6}$/.test(v) || Number(v) < 1)
        throw new PoaError("REQUEST_INVALID", `"${name}" must be a positive integer`, { details: { param: name } });
      return Number(v);
    };
    const value = query.get("value") ?? DEFAULT_SPAN_OPTIONS.value;
    if (value !== "length" && value !== "surprisal")
      throw new PoaError("REQUEST_INVALID", `"value" must be length or surprisal`, { details: { param: "value" } });
    const options: SpanOptions = {
      minSpan: int("min_span", DEFAULT_SPAN_OPTIONS.minSpan),
      maxCount: int("max_count", DEFAULT_SPAN_OPTIONS.maxCount),
      value,
    };
    const body = await this.d.attribution.attribute(stored, options);
    sendJson(res, 200, { object: "poa.attribution", ...(body as Record<string, unknown>) });
  }

  private async bindKey(res: ServerResponse, value: unknown): Promise<void> {
    const body = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const keyHash = typeof body.key_hash === "string" ? body.key_hash.toLowerCase() : "";
    const account = verifyKeyBinding(
      {
        action: "bind",
        gateway: this.d.operator,
        chainId: this.d.chainId,
        account: String(body.account ?? ""),
        keyHash,
      },
      body.signature,
    );
    const { rows } = await this.d.db.query<{ account: string; revoked_at: Date | null }>(
      `INSERT INTO gateway_api_key (key_hash, account, signature) VALUES ($1, $2, $3)
       ON CONFLICT (key_hash) DO UPDATE SET key_hash = EXCLUDED.key_hash RETURNING account, revoked_at`,
      [keyHash, account.toLowerCase(), String(body.signature)],
    );
    const row = rows[0]!;
    if (row.account !== account.toLowerCase() || row.revoked_at !== null)
      throw new PoaError("STATE_CONFLICT", "this key hash is already bound to another account, or was revoked", {
        details: { keyHash },
        action: "Make a new key (they are random) and bind that one.",
      });
    this.d.keys.set(keyHash, account);
    sendJson(res, 200, {
      object: "poa.api_key",
      account,
      key_hash: keyHash,
      gateway: this.d.operator,
      chain_id: this.d.chainId,
    });
  }

  private async revokeKey(res: ServerResponse, keyHash: string, value: unknown): Promise<void> {
    const body = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const account = verifyKeyBinding(
      {
        action: "revoke",
        gateway: this.d.operator,
        chainId: this.d.chainId,
        account: String(body.account ?? ""),
        keyHash: keyHash.toLowerCase(),
      },
      body.signature,
    );
    const { rowCount } = await this.d.db.query(
      "UPDATE gateway_api_key SET revoked_at = now() WHERE key_hash = $1 AND account = $2 AND revoked_at IS NULL",
      [keyHash.toLowerCase(), account.toLowerCase()],
    );
    if (rowCount === 0)
      throw new PoaError("NOT_FOUND", `no active key ${keyHash.toLowerCase()} of ${account} is bound here`, {
        details: { keyHash },
      });
    this.d.keys.delete(keyHash.toLowerCase());
    sendJson(res, 200, { object: "poa.api_key", account, key_hash: keyHash.toLowerCase(), revoked: true });
  }

  private credit(res: ServerResponse, caller: Caller): void {
    const l = this.d.ledger;
    sendJson(res, 200, {
      object: "poa.credit",
      account: caller.account,
      deposit_address: this.d.operator,
      token: this.d.contracts.token,
      credited: l.creditedOf(caller.account).toString(),
      charged: l.chargedOf(caller.account).toString(),
      reserved: l.reservedOf(caller.account).toString(),
      available: l.available(caller.account).toString(),
      indexed_to_block: this.d.watcher.cursor?.toString() ?? null,
    });
  }
}

export { errorBody, type PaymentStage };
