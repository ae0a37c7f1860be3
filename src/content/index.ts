/**
 * The content store: bytes addressed by their IPFS CIDv1, checked against their keccak256 content
 * hash (the one the chain holds) on every read. Pure domain layer: imports only src/core.
 */
export { CHUNK_SIZE, computeCid, contentHashOf, MAX_CHILDREN_PER_NODE, parseCid } from "./cid.js";
export { ContentStore, type GetOptions, type StoredContent } from "./store.js";
