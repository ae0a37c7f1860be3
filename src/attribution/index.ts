/** Proof of Attribution engine: span attribution (suffix array) and influence attribution. */
export * from "./corpus-index.js";
export * from "./influence.js";
export * from "./influence-attribution.js";
export * from "./rows.js";
export * from "./payout.js";
export * from "./random.js";
export * from "./sais.js";
export * from "./span-attribution.js";
export * from "./spans.js";
export * from "./stats.js";
export * from "./tokenize.js";
export * from "./run.js";
