/**
 * The inference gateway (OpenLoRA): an OpenAI-compatible server of registered models, metered,
 * paid on-chain in batches, with one canonical record per paid request. Services layer: imports
 * core, domain, chain, store (never the command line). Design and rules: docs/gateway.md.
 */
export {
  apiKeyHash,
  API_KEY_PATTERN,
  keyBindingMessage,
  newApiKey,
  signKeyBinding,
  verifyKeyBinding,
  type KeyBinding,
} from "./auth.js";
export {
  artifactCid,
  ArtifactCatalog,
  ArtifactLoader,
  checkManifest,
  servedName,
  type LoadedArtifact,
} from "./artifacts.js";
export { Attribution, DEFAULT_SPAN_OPTIONS, type SpanOptions } from "./attribution.js";
export { CreditLedger, TRANSFER_TOPIC, TransfersTo } from "./credit.js";
export { BackendEngine, BuiltinEngine, limitTokens, type Engine } from "./engine.js";
export { startEngine, type EngineOptions, type RunningEngine } from "./engine-server.js";
export { feeUp, termsAt, type Terms } from "./fees.js";
export {
  REQUEST_HASH_HEADER,
  startGateway,
  type GatewayContracts,
  type GatewayOptions,
  type RunningGateway,
} from "./gateway.js";
export { statusOf } from "./http.js";
export { ByteLru } from "./lru.js";
export { parseModelId, type ModelInfo } from "./models.js";
export {
  DEFAULT_LIMITS,
  parseChatRequest,
  parseCompletionRequest,
  parsePredictionRequest,
  renderChat,
  StopScanner,
  type RequestLimits,
} from "./openai.js";
export type { PaymentOptions, PaymentStage, PaymentStatus } from "./payments.js";
export { exportRecords, exportRecordsTo, recordByHash, type ExportOptions, type StoredRecord } from "./records.js";
export { GATEWAY_SCHEMA } from "./schema.js";
