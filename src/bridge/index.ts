/** OP Stack bridging with the official Optimism SDK, behind plain values (no ethers v5 outside). */
export { bridgeError, createBridge, type Bridge } from "./bridge.js";
export type * from "./types.js";
