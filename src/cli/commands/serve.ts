import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

import { PoaError } from "../../core/errors.js";
import { defineCommand } from "../define.js";
import { NETWORK_OPTIONS, networkSelection } from "../options.js";

const MIB = 2 ** 20;

/** Resolves when the process receives SIGINT, SIGTERM or SIGHUP (the handlers are removed then). */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    const on = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, on);
      resolve(signal);
    };
    for (const s of signals) process.on(s, on);
  });
}

export const serve = defineCommand({
  name: "serve",
  summary:
    "Run the inference gateway: OpenAI-compatible API, metered, paid on-chain in batches, every request recorded",
  description: `Serves the network's registered models (base models and their LoRA adapters) over an
OpenAI-compatible HTTP API on --host:--port: GET /v1/models, POST /v1/completions and
/v1/chat/completions (stream: true for server-sent events), POST /v1/predictions for tabular
models, GET /v1/attribution/<requestHash>, and POST /v1/keys to bind an API key to an account.
Only registered, unpaused, unretired models are served; each artifact is read from the content
store (--content) under the CID of the model's metadata URI (ipfs://<cid>) and checked against
its on-chain artifact hash. Bases are loaded once; adapters are kept in an LRU of --memory-budget.

Users pay from prepaid credit: OPEN transferred from their account to the gateway's address (the
operator, --private-key) is credited once confirmed. Every served request writes the canonical
inference record to the store (--store: a folder, or a postgres:// URL) before it is answered;
the operator pays the FeeRouter with payBatch every --batch-size requests of a model or every
--flush-seconds, exactly once per record, across crashes. Past --max-backlog unpaid records (for
example while the RPC is down) new requests get 503 until payments go through.

--backend <url> forwards generation to an OpenAI-compatible server (the model is named there by
its artifact's served name); metering, credit, records and payments stay here. --engine runs a
plain engine instead: every artifact of --content by served name, no chain, no keys, no records
(what a --backend can point at). Runs until Ctrl-C or SIGTERM; then pays what is waiting.
Details: docs/gateway.md.`,
  options: {
    ...NETWORK_OPTIONS,
    host: { type: "string", default: "127.0.0.1", description: "address to listen on" },
    port: { type: "integer", min: 0, max: 65535, default: 8080, description: "port to listen on (0: any free port)" },
    store: {
      type: "string",
      placeholder: "<folder|postgres://…>",
      default: ".poa/gateway",
      description: "the gateway's database: a folder (embedded PostgreSQL) or a PostgreSQL server URL",
    },
    content: {
      type: "path",
      default: ".poa/content",
      description: "the content store folder (artifacts, contributions)",
    },
    backend: { type: "url", description: "forward generation to this OpenAI-compatible server" },
    "backend-key": { type: "string", env: "POA_BACKEND_KEY", description: "API key sent to the backend" },
    engine: { type: "boolean", description: "run a plain engine over --content (no chain, no records, no payments)" },
    "batch-size": { type: "integer", min: 1, max: 500, default: 100, description: "requests per payBatch transaction" },
    "flush-seconds": {
      type: "number",
      min: 0.05,
      max: 3600,
      default: 5,
      description: "longest a record waits for its payment batch",
    },
    "max-backlog": {
      type: "integer",
      min: 1,
      default: 10_000,
      description: "most unpaid records before new requests get 503",
    },
    "memory-budget": {
      type: "integer",
      min: 1,
      default: 256,
      placeholder: "<MiB>",
      description: "memory for loaded adapters, in MiB",
    },
    "max-body": {
      type: "integer",
      min: 1024,
      default: MIB,
      placeholder: "<bytes>",
      description: "largest request body",
    },
    "max-prompt-tokens": { type: "integer", min: 1, default: 4096, description: "longest prompt, in tokens" },
    "max-tokens": {
      type: "integer",
      min: 1,
      max: 4096,
      default: 1024,
      description: "largest max_tokens a request may ask",
    },
    "default-max-tokens": {
      type: "integer",
      min: 1,
      max: 4096,
      default: 64,
      description: "max_tokens when a request gives none",
    },
    "concurrency-per-key": {
      type: "integer",
      min: 1,
      default: 16,
      description: "requests in progress per API key (429 beyond)",
    },
    "credit-confirmations": {
      type: "integer",
      min: 1,
      default: 1,
      description: "blocks on top of a deposit before it is credited",
    },
    "credit-from-block": {
      type: "integer",
      min: 0,
      description: "first block searched for deposits (default: the token's deployment)",
    },
  },
  exitCodes: ["   for this command: 0 after Ctrl-C or SIGTERM once what was waiting is paid"],
  examples: [
    "npx poa serve",
    "npx poa serve --port 8090 --store postgres://poa:secret@127.0.0.1:5432/poa --batch-size 50",
    "npx poa serve --engine --content .poa/content --port 8081",
    "npx poa serve --backend http://127.0.0.1:8081",
  ],
  async run(args) {
    const log = (line: string) => console.error(`[serve] ${line}`);
    if (args.engine) {
      if (args.backend !== undefined)
        throw new PoaError("INVALID_VALUE", "--engine serves models itself: it takes no --backend", {
          details: { usage: true },
        });
      const { startEngine } = await import("../../gateway/index.js");
      const engine = await startEngine({
        content: args.content,
        host: args.host,
        port: args.port,
        memoryBudgetBytes: args.memoryBudget * MIB,
        maxBodyBytes: args.maxBody,
        limits: {
          maxPromptTokens: args.maxPromptTokens,
          maxTokens: args.maxTokens,
          defaultMaxTokens: args.defaultMaxTokens,
        },
      });
      console.log(`Engine serving ${engine.models} model(s) from ${args.content}: listening on ${engine.url}`);
      const signal = await untilSignal();
      await engine.stop();
      console.log(`Engine stopped (${signal}).`);
      return 0;
    }
    const { resolveNetwork, loadDeployment } = await import("../../context/network.js");
    const { contractAddress } = await import("../../chain/deployment.js");
    const { startGateway } = await import("../../gateway/index.js");
    const context = await resolveNetwork(networkSelection(args));
    let record;
    let fromBlock: bigint;
    try {
      record = await loadDeployment(context);
      const token = record.contracts.L2OpenToken;
      fromBlock = BigInt(args.creditFromBlock ?? 0);
      if (args.creditFromBlock === undefined && token !== undefined && /^0x[0-9a-fA-F]{64}$/.test(token.txHash)) {
        const receipt = await context.l2.getTransactionReceipt(token.txHash).catch(() => null);
        if (receipt !== null) fromBlock = BigInt(receipt.blockNumber);
      }
    } finally {
      context.close();
    }
    if (context.key === undefined)
      throw new PoaError("INVALID_PRIVATE_KEY", `no operator key for network "${context.name}"`, {
        details: { network: context.name },
        action: "Give the key of the account that pays the FeeRouter (and receives deposits).",
      });
    const file = context.deploymentFile;
    const gateway = await startGateway({
      rpcUrl: context.endpoints.l2Rpc,
      chainId: context.endpoints.l2ChainId,
      contracts: {
        modelRegistry: contractAddress(record, "ModelRegistry", file),
        feeRouter: contractAddress(record, "FeeRouter", file),
        token: contractAddress(record, "L2OpenToken", file),
        datanetRegistry: contractAddress(record, "DatanetRegistry", file),
      },
      privateKey: context.key,
      store: args.store,
      content: args.content,
      host: args.host,
      port: args.port,
      ...(args.backend === undefined ? {} : { backend: args.backend }),
      ...(args.backendKey === undefined ? {} : { backendKey: args.backendKey }),
      limits: {
        maxPromptTokens: args.maxPromptTokens,
        maxTokens: args.maxTokens,
        defaultMaxTokens: args.defaultMaxTokens,
      },
      maxBodyBytes: args.maxBody,
      memoryBudgetBytes: args.memoryBudget * MIB,
      concurrencyPerKey: args.concurrencyPerKey,
      payments: {
        batchSize: args.batchSize,
        flushIntervalMs: Math.round(args.flushSeconds * 1000),
        maxBacklog: args.maxBacklog,
      },
      creditConfirmations: args.creditConfirmations,
      creditStartBlock: fromBlock,
      log,
    });
    console.log(
      `Gateway ${gateway.address} (chain ${gateway.chainId}, ${args.backend === undefined ? "built-in engine" : `backend ${args.backend}`}): listening on ${gateway.url}`,
    );
    console.log(`Deposit OPEN to ${gateway.address} to fund an account; bind an API key with \`npx poa serve key\`.`);
    const signal = await untilSignal();
    log(`received ${signal}: finishing requests in progress and paying what is waiting`);
    await gateway.stop({ drain: true, timeoutMs: 30_000 });
    const payments = gateway.status().payments as { backlog: number; requestsPaid: number };
    console.log(
      `Gateway stopped (${signal}): ${payments.requestsPaid} requests paid this run, ${payments.backlog} waiting.`,
    );
    return 0;
  },
});

/** `poa serve export` and its alias `poa records export` (the name the settlement's help uses). */
const exportCommand = (name: string) =>
  defineCommand({
    name,
    summary: "Export the gateway's inference records as JSON Lines (the settlement's input format)",
    description: `Writes the inference records of a gateway store, one canonical JSON object per line with its
requestHash (src/settlement/record.ts, what \`poa settle\` reads): by default the records paid on-chain,
in the FeeRouter's request order; --all adds those not paid yet. --from-block/--to-block keep the
records paid in that block range. A folder store is held by a running \`poa serve\`: stop it first,
or run the gateway on a PostgreSQL server (--store postgres://…), which can be read beside it.`,
    options: {
      store: {
        type: "string",
        placeholder: "<folder|postgres://…>",
        default: ".poa/gateway",
        description: "the gateway's database",
      },
      out: { type: "path", placeholder: "<file>", description: "write here (default: standard output)" },
      "from-block": { type: "integer", min: 0, description: "only records paid in this block or later" },
      "to-block": { type: "integer", min: 0, description: "only records paid in this block or earlier" },
      model: { type: "integer", min: 1, description: "only this model's records" },
      all: { type: "boolean", description: "also records not paid yet" },
    },
    examples: ["npx poa serve export --out records.jsonl", "npx poa serve export --from-block 1200 --to-block 1800"],
    async run(args) {
      const { isServerUrl, openStore } = await import("../../store/index.js");
      const { exportRecordsTo, GATEWAY_SCHEMA } = await import("../../gateway/index.js");
      if (args.all && (args.fromBlock !== undefined || args.toBlock !== undefined))
        throw new PoaError(
          "INVALID_VALUE",
          "--all exports unpaid records too, which have no block: it takes no --from-block/--to-block",
          {
            details: { usage: true },
          },
        );
      if (!isServerUrl(args.store)) {
        const data = join(args.store, "pgdata");
        if (!existsSync(data) || !statSync(data).isDirectory())
          throw new PoaError("STORE_INVALID_LOCATION", `${args.store} is not a gateway store (no database in it)`, {
            details: { store: args.store },
            action: "Give the folder the gateway ran with.",
          });
      }
      const { prepareOutputFile, writeFileAtomic } = await import("../../core/fs.js");
      if (args.out !== undefined) prepareOutputFile(args.out, "the records file");
      const db = await openStore(args.store, {
        lockName: "gateway-export",
        noLock: isServerUrl(args.store),
        migrations: [GATEWAY_SCHEMA],
      });
      try {
        const lines: string[] = [];
        const count = await exportRecordsTo(
          db,
          {
            state: args.all ? "all" : "paid",
            ...(args.fromBlock === undefined ? {} : { fromBlock: BigInt(args.fromBlock) }),
            ...(args.toBlock === undefined ? {} : { toBlock: BigInt(args.toBlock) }),
            ...(args.model === undefined ? {} : { modelId: BigInt(args.model) }),
          },
          (line) => {
            if (args.out === undefined) process.stdout.write(line);
            else lines.push(line);
          },
        );
        if (args.out !== undefined) writeFileAtomic(args.out, lines.join(""));
        console.error(`Exported ${count} record(s)${args.out === undefined ? "" : ` to ${args.out}`}.`);
      } finally {
        await db.close();
      }
    },
  });

export const serveExport = exportCommand("serve export");
export const recordsExport = exportCommand("records export");

export const serveKey = defineCommand({
  name: "serve key",
  summary: "Make an API key and bind it to your account at a running gateway (signs the binding message)",
  description: `Makes a random API key, signs the gateway's key-binding message (EIP-191) with the account of
--private-key, and registers the key's hash at the gateway (POST /v1/keys). Prints the key on
standard output: keep it secret, it spends the account's credit. The account funds its credit by
transferring OPEN to the gateway's address (printed on standard error).`,
  options: {
    gateway: { type: "url", default: "http://127.0.0.1:8080", description: "the gateway's URL" },
    "private-key": {
      type: "key",
      env: "POA_PRIVATE_KEY",
      required: true,
      description: "key of the account the API key acts for",
    },
  },
  examples: [
    "npx poa serve key --private-key 0x…",
    "POA_PRIVATE_KEY=0x… npx poa serve key --gateway http://127.0.0.1:8090",
  ],
  async run(args) {
    const { Wallet } = await import("ethers");
    const { apiKeyHash, newApiKey, signKeyBinding } = await import("../../gateway/index.js");
    const base = args.gateway.replace(/\/+$/, "");
    const unreachable = (error: unknown) =>
      new PoaError("RPC_UNREACHABLE", `cannot reach the gateway at ${base}: ${(error as Error).message}`, {
        details: { url: base },
        cause: error,
        action: "Check that `poa serve` runs there.",
      });
    let info: { gateway?: string; chain_id?: number };
    try {
      const response = await fetch(`${base}/v1/gateway`, { signal: AbortSignal.timeout(10_000) });
      info = (await response.json()) as typeof info;
    } catch (error) {
      throw unreachable(error);
    }
    if (typeof info.gateway !== "string" || typeof info.chain_id !== "number")
      throw new PoaError("INVALID_VALUE", `${base} does not answer like a poa gateway (GET /v1/gateway)`, {
        details: { url: base },
      });
    const wallet = new Wallet(args.privateKey);
    const key = newApiKey();
    const keyHash = apiKeyHash(key);
    const signature = await signKeyBinding(wallet, {
      action: "bind",
      gateway: info.gateway,
      chainId: info.chain_id,
      keyHash,
    });
    let answer: { error?: { message?: string } };
    let status: number;
    try {
      const response = await fetch(`${base}/v1/keys`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ account: wallet.address, key_hash: keyHash, signature }),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      answer = (await response.json()) as typeof answer;
    } catch (error) {
      throw unreachable(error);
    }
    if (status !== 200)
      throw new PoaError(
        "API_KEY_SIGNATURE_INVALID",
        `the gateway refused the key: ${answer.error?.message ?? `HTTP ${status}`}`,
        {
          details: { status },
        },
      );
    console.log(key);
    console.error(
      `Bound to ${wallet.address} at ${base}. Fund it: transfer OPEN to ${info.gateway} on chain ${info.chain_id}.`,
    );
  },
});
