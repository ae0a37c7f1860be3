/**
 * Helpers shared by the gateway's tests: a gateway over a test world (fresh PGlite store folder),
 * API keys bound by real signatures, the official `openai` client pointed at the gateway, and
 * raw HTTP requests for what the client cannot send (malformed JSON, oversized bodies).
 */
import { Wallet } from "ethers";
import OpenAI from "openai";

import {
  apiKeyHash,
  newApiKey,
  signKeyBinding,
  startGateway,
  type GatewayOptions,
  type RunningGateway,
} from "../../../src/gateway/index.js";
import { freshFolder } from "../../store/support/backends.js";
import type { World } from "./world.js";

export async function gatewayOptions(world: World, overrides: Partial<GatewayOptions> = {}): Promise<GatewayOptions> {
  return {
    rpcUrl: world.url,
    chainId: world.chainId,
    contracts: world.contracts,
    privateKey: world.operatorKey,
    store: await freshFolder(),
    content: world.content,
    port: 0,
    creditPollMs: 100,
    modelTtlMs: 60_000,
    modelPollMs: 100,
    ...overrides,
    payments: { flushIntervalMs: 500, pollMs: 20, ...overrides.payments },
  };
}

export async function startTestGateway(world: World, overrides: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  return startGateway(await gatewayOptions(world, overrides));
}

/** Makes a key for `privateKey`'s account and binds it at the gateway (POST /v1/keys). */
export async function bindKey(url: string, privateKey: string): Promise<string> {
  const info = (await (await fetch(`${url}/v1/gateway`)).json()) as { gateway: string; chain_id: number };
  const wallet = new Wallet(privateKey);
  const key = newApiKey();
  const keyHash = apiKeyHash(key);
  const signature = await signKeyBinding(wallet, {
    action: "bind",
    gateway: info.gateway,
    chainId: info.chain_id,
    keyHash,
  });
  const response = await fetch(`${url}/v1/keys`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ account: wallet.address, key_hash: keyHash, signature }),
  });
  if (response.status !== 200) throw new Error(`binding a key failed: ${response.status} ${await response.text()}`);
  return key;
}

/** The official client, unchanged, pointed at the gateway (no retries: a test sees every answer). */
export function client(url: string, key: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, timeout: 120_000 });
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One HTTP request with a raw body; the answer's JSON body (or `{}`). */
export async function raw(
  url: string,
  path: string,
  options: { method?: string; key?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<RawAnswer> {
  const response = await fetch(`${url}${path}`, {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers: {
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body };
}

/** The `error.code` of an error answer. */
export function codeOf(answer: RawAnswer): string | undefined {
  return (answer.body.error as { code?: string } | undefined)?.code;
}

/** Waits until `check` holds (polling), or fails after `ms`. */
export async function until(
  check: () => Promise<boolean> | boolean,
  ms = 30_000,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
