/** Datanets off-chain: commit and submit contributions, replay a Datanet's events, build and verify its version roots, check declared sizes. */
export * from "./history.js";
export * from "./versionRoot.js";
export * from "./chain.js";
export * from "./verifyOnChain.js";
export * from "./size.js";
export * from "./submit.js";
