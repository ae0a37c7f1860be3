// keccak-256 (the Ethereum hash: Keccak[c = 512] with the original 0x01 padding, not SHA3-256) in
// AssemblyScript, compiled to src/merkle/keccak.wasm by asm/build.mjs, with the batch operations
// the Merkle builder of src/merkle needs, so that JavaScript never handles a hash one at a time:
//
// - hashLeaves: the StandardMerkleTree leaf keccak256(keccak256(encoded)) of n encodings;
// - sortKeys / placeLeaves: the stable sort of the leaves by hash (keys sorted by the caller with
//   Float64Array.prototype.sort) and their placement in the heap array;
// - buildInner: every inner node of the heap array, keccak256 of its two children in ascending order;
// - parseAddresses: 40 hex digits to 20 bytes, with the EIP-55 check of mixed-case addresses.
//
// The caller (src/merkle/wasm.ts) lays out linear memory from heapBase() and grows it; nothing
// here allocates. The 25 lanes of the state are kept in locals during a permutation, as u64 words
// in little-endian order, which is the byte order of the Keccak state. The batch operations hash
// two messages at a time with 128-bit SIMD (permute2: lane k of both states in one v128, about
// 1.5x the throughput of two scalar permutations); odd leftovers and single hashes are scalar.

/** The state (25 lanes), two interleaved states for permute2, and scratch words, in static memory. */
const STATE: usize = memory.data(200, 16);
const STATE2: usize = memory.data(400, 16);
const WORD: usize = memory.data(64, 16);
const LOWER: usize = memory.data(40, 16);

const RATE: i32 = 136;

// prettier-ignore
const RC: StaticArray<u64> = [
  0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
  0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
  0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
  0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
  0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
  0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
];

export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** keccak-f[1600] on the state in STATE: 24 rounds, theta rho pi chi iota unrolled over locals. */
function permute(): void {
  const s = STATE;
  let a0 = load<u64>(s, 0);
  let a1 = load<u64>(s, 8);
  let a2 = load<u64>(s, 16);
  let a3 = load<u64>(s, 24);
  let a4 = load<u64>(s, 32);
  let a5 = load<u64>(s, 40);
  let a6 = load<u64>(s, 48);
  let a7 = load<u64>(s, 56);
  let a8 = load<u64>(s, 64);
  let a9 = load<u64>(s, 72);
  let a10 = load<u64>(s, 80);
  let a11 = load<u64>(s, 88);
  let a12 = load<u64>(s, 96);
  let a13 = load<u64>(s, 104);
  let a14 = load<u64>(s, 112);
  let a15 = load<u64>(s, 120);
  let a16 = load<u64>(s, 128);
  let a17 = load<u64>(s, 136);
  let a18 = load<u64>(s, 144);
  let a19 = load<u64>(s, 152);
  let a20 = load<u64>(s, 160);
  let a21 = load<u64>(s, 168);
  let a22 = load<u64>(s, 176);
  let a23 = load<u64>(s, 184);
  let a24 = load<u64>(s, 192);
  for (let round = 0; round < 24; round++) {
    const c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    const c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    const c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    const c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    const c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    const d0 = c4 ^ rotl<u64>(c1, 1);
    const d1 = c0 ^ rotl<u64>(c2, 1);
    const d2 = c1 ^ rotl<u64>(c3, 1);
    const d3 = c2 ^ rotl<u64>(c4, 1);
    const d4 = c3 ^ rotl<u64>(c0, 1);
    const b0 = a0 ^ d0;
    const b1 = rotl<u64>(a6 ^ d1, 44);
    const b2 = rotl<u64>(a12 ^ d2, 43);
    const b3 = rotl<u64>(a18 ^ d3, 21);
    const b4 = rotl<u64>(a24 ^ d4, 14);
    const b5 = rotl<u64>(a3 ^ d3, 28);
    const b6 = rotl<u64>(a9 ^ d4, 20);
    const b7 = rotl<u64>(a10 ^ d0, 3);
    const b8 = rotl<u64>(a16 ^ d1, 45);
    const b9 = rotl<u64>(a22 ^ d2, 61);
    const b10 = rotl<u64>(a1 ^ d1, 1);
    const b11 = rotl<u64>(a7 ^ d2, 6);
    const b12 = rotl<u64>(a13 ^ d3, 25);
    const b13 = rotl<u64>(a19 ^ d4, 8);
    const b14 = rotl<u64>(a20 ^ d0, 18);
    const b15 = rotl<u64>(a4 ^ d4, 27);
    const b16 = rotl<u64>(a5 ^ d0, 36);
    const b17 = rotl<u64>(a11 ^ d1, 10);
    const b18 = rotl<u64>(a17 ^ d2, 15);
    const b19 = rotl<u64>(a23 ^ d3, 56);
    const b20 = rotl<u64>(a2 ^ d2, 62);
    const b21 = rotl<u64>(a8 ^ d3, 55);
    const b22 = rotl<u64>(a14 ^ d4, 39);
    const b23 = rotl<u64>(a15 ^ d0, 41);
    const b24 = rotl<u64>(a21 ^ d1, 2);
    a0 = b0 ^ (~b1 & b2);
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    a5 = b5 ^ (~b6 & b7);
    a6 = b6 ^ (~b7 & b8);
    a7 = b7 ^ (~b8 & b9);
    a8 = b8 ^ (~b9 & b5);
    a9 = b9 ^ (~b5 & b6);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    a0 ^= unchecked(RC[round]);
  }
  store<u64>(s, a0, 0);
  store<u64>(s, a1, 8);
  store<u64>(s, a2, 16);
  store<u64>(s, a3, 24);
  store<u64>(s, a4, 32);
  store<u64>(s, a5, 40);
  store<u64>(s, a6, 48);
  store<u64>(s, a7, 56);
  store<u64>(s, a8, 64);
  store<u64>(s, a9, 72);
  store<u64>(s, a10, 80);
  store<u64>(s, a11, 88);
  store<u64>(s, a12, 96);
  store<u64>(s, a13, 104);
  store<u64>(s, a14, 112);
  store<u64>(s, a15, 120);
  store<u64>(s, a16, 128);
  store<u64>(s, a17, 136);
  store<u64>(s, a18, 144);
  store<u64>(s, a19, 152);
  store<u64>(s, a20, 160);
  store<u64>(s, a21, 168);
  store<u64>(s, a22, 176);
  store<u64>(s, a23, 184);
  store<u64>(s, a24, 192);
}

function rotl2(x: v128, n: i32): v128 {
  return v128.or(i64x2.shl(x, n), i64x2.shr_u(x, 64 - n));
}

/** keccak-f[1600] on the two states in STATE2 (lane k of state A at 16 k, of state B at 16 k + 8). */
function permute2(): void {
  const s = STATE2;
  let a0 = v128.load(s, 0);
  let a1 = v128.load(s, 16);
  let a2 = v128.load(s, 32);
  let a3 = v128.load(s, 48);
  let a4 = v128.load(s, 64);
  let a5 = v128.load(s, 80);
  let a6 = v128.load(s, 96);
  let a7 = v128.load(s, 112);
  let a8 = v128.load(s, 128);
  let a9 = v128.load(s, 144);
  let a10 = v128.load(s, 160);
  let a11 = v128.load(s, 176);
  let a12 = v128.load(s, 192);
  let a13 = v128.load(s, 208);
  let a14 = v128.load(s, 224);
  let a15 = v128.load(s, 240);
  let a16 = v128.load(s, 256);
  let a17 = v128.load(s, 272);
  let a18 = v128.load(s, 288);
  let a19 = v128.load(s, 304);
  let a20 = v128.load(s, 320);
  let a21 = v128.load(s, 336);
  let a22 = v128.load(s, 352);
  let a23 = v128.load(s, 368);
  let a24 = v128.load(s, 384);
  for (let round = 0; round < 24; round++) {
    const c0 = v128.xor(v128.xor(v128.xor(v128.xor(a0, a5), a10), a15), a20);
    const c1 = v128.xor(v128.xor(v128.xor(v128.xor(a1, a6), a11), a16), a21);
    const c2 = v128.xor(v128.xor(v128.xor(v128.xor(a2, a7), a12), a17), a22);
    const c3 = v128.xor(v128.xor(v128.xor(v128.xor(a3, a8), a13), a18), a23);
    const c4 = v128.xor(v128.xor(v128.xor(v128.xor(a4, a9), a14), a19), a24);
    const d0 = v128.xor(c4, rotl2(c1, 1));
    const d1 = v128.xor(c0, rotl2(c2, 1));
    const d2 = v128.xor(c1, rotl2(c3, 1));
    const d3 = v128.xor(c2, rotl2(c4, 1));
    const d4 = v128.xor(c3, rotl2(c0, 1));
    const b0 = v128.xor(a0, d0);
    const b1 = rotl2(v128.xor(a6, d1), 44);
    const b2 = rotl2(v128.xor(a12, d2), 43);
    const b3 = rotl2(v128.xor(a18, d3), 21);
    const b4 = rotl2(v128.xor(a24, d4), 14);
    const b5 = rotl2(v128.xor(a3, d3), 28);
    const b6 = rotl2(v128.xor(a9, d4), 20);
    const b7 = rotl2(v128.xor(a10, d0), 3);
    const b8 = rotl2(v128.xor(a16, d1), 45);
    const b9 = rotl2(v128.xor(a22, d2), 61);
    const b10 = rotl2(v128.xor(a1, d1), 1);
    const b11 = rotl2(v128.xor(a7, d2), 6);
    const b12 = rotl2(v128.xor(a13, d3), 25);
    const b13 = rotl2(v128.xor(a19, d4), 8);
    const b14 = rotl2(v128.xor(a20, d0), 18);
    const b15 = rotl2(v128.xor(a4, d4), 27);
    const b16 = rotl2(v128.xor(a5, d0), 36);
    const b17 = rotl2(v128.xor(a11, d1), 10);
    const b18 = rotl2(v128.xor(a17, d2), 15);
    const b19 = rotl2(v128.xor(a23, d3), 56);
    const b20 = rotl2(v128.xor(a2, d2), 62);
    const b21 = rotl2(v128.xor(a8, d3), 55);
    const b22 = rotl2(v128.xor(a14, d4), 39);
    const b23 = rotl2(v128.xor(a15, d0), 41);
    const b24 = rotl2(v128.xor(a21, d1), 2);
    a0 = v128.xor(b0, v128.andnot(b2, b1));
    a1 = v128.xor(b1, v128.andnot(b3, b2));
    a2 = v128.xor(b2, v128.andnot(b4, b3));
    a3 = v128.xor(b3, v128.andnot(b0, b4));
    a4 = v128.xor(b4, v128.andnot(b1, b0));
    a5 = v128.xor(b5, v128.andnot(b7, b6));
    a6 = v128.xor(b6, v128.andnot(b8, b7));
    a7 = v128.xor(b7, v128.andnot(b9, b8));
    a8 = v128.xor(b8, v128.andnot(b5, b9));
    a9 = v128.xor(b9, v128.andnot(b6, b5));
    a10 = v128.xor(b10, v128.andnot(b12, b11));
    a11 = v128.xor(b11, v128.andnot(b13, b12));
    a12 = v128.xor(b12, v128.andnot(b14, b13));
    a13 = v128.xor(b13, v128.andnot(b10, b14));
    a14 = v128.xor(b14, v128.andnot(b11, b10));
    a15 = v128.xor(b15, v128.andnot(b17, b16));
    a16 = v128.xor(b16, v128.andnot(b18, b17));
    a17 = v128.xor(b17, v128.andnot(b19, b18));
    a18 = v128.xor(b18, v128.andnot(b15, b19));
    a19 = v128.xor(b19, v128.andnot(b16, b15));
    a20 = v128.xor(b20, v128.andnot(b22, b21));
    a21 = v128.xor(b21, v128.andnot(b23, b22));
    a22 = v128.xor(b22, v128.andnot(b24, b23));
    a23 = v128.xor(b23, v128.andnot(b20, b24));
    a24 = v128.xor(b24, v128.andnot(b21, b20));
    a0 = v128.xor(a0, i64x2.splat(unchecked(RC[round])));
  }
  v128.store(s, a0, 0);
  v128.store(s, a1, 16);
  v128.store(s, a2, 32);
  v128.store(s, a3, 48);
  v128.store(s, a4, 64);
  v128.store(s, a5, 80);
  v128.store(s, a6, 96);
  v128.store(s, a7, 112);
  v128.store(s, a8, 128);
  v128.store(s, a9, 144);
  v128.store(s, a10, 160);
  v128.store(s, a11, 176);
  v128.store(s, a12, 192);
  v128.store(s, a13, 208);
  v128.store(s, a14, 224);
  v128.store(s, a15, 240);
  v128.store(s, a16, 256);
  v128.store(s, a17, 272);
  v128.store(s, a18, 288);
  v128.store(s, a19, 304);
  v128.store(s, a20, 320);
  v128.store(s, a21, 336);
  v128.store(s, a22, 352);
  v128.store(s, a23, 368);
  v128.store(s, a24, 384);
}

/** Lane k of states A and B of STATE2. */
function lanes(k: usize, a: u64, b: u64): void {
  store<u64>(STATE2 + (k << 4), a);
  store<u64>(STATE2 + (k << 4), b, 8);
}

/** Pads both states of STATE2 for a message of len bytes (a multiple of 8, below 136). */
function pad2(len: usize): void {
  lanes(len >> 3, 0x01, 0x01);
  lanes(16, 0x8000000000000000, 0x8000000000000000);
}

/** XORs len bytes at src (a multiple of the rate) into STATE, permuting after each block. */
function absorb(src: usize, len: i32): void {
  const s = STATE;
  let p = src;
  let left = len;
  while (left >= RATE) {
    for (let i = 0; i < RATE; i += 8) store<u64>(s + <usize>i, load<u64>(s + <usize>i) ^ load<u64>(p + <usize>i));
    permute();
    p += <usize>RATE;
    left -= RATE;
  }
}

/** Absorbs the last left < 136 bytes at p with the padding and writes the digest at dst. */
function finish(p: usize, left: i32, dst: usize): void {
  const s = STATE;
  let i = 0;
  for (; i + 8 <= left; i += 8) store<u64>(s + <usize>i, load<u64>(s + <usize>i) ^ load<u64>(p + <usize>i));
  for (; i < left; i++) store<u8>(s + <usize>i, load<u8>(s + <usize>i) ^ load<u8>(p + <usize>i));
  store<u8>(s + <usize>left, load<u8>(s + <usize>left) ^ 0x01);
  store<u8>(s + <usize>(RATE - 1), load<u8>(s + <usize>(RATE - 1)) ^ 0x80);
  permute();
  store<u64>(dst, load<u64>(s, 0), 0);
  store<u64>(dst, load<u64>(s, 8), 8);
  store<u64>(dst, load<u64>(s, 16), 16);
  store<u64>(dst, load<u64>(s, 24), 24);
}

/** keccak256 of len bytes at src, written as 32 bytes at dst (dst may overlap src). */
function keccak(src: usize, len: i32, dst: usize): void {
  memory.fill(STATE, 0, 200);
  const whole = len - (len % RATE);
  absorb(src, whole);
  finish(src + <usize>whole, len - whole, dst);
}

// A message hashed in pieces (a file written in chunks, never whole in memory): streamStart,
// streamAbsorb for each piece of whole blocks, streamFinish with the rest. The state is STATE,
// so a stream has its instance to itself (src/merkle/wasm.ts gives each stream its own).

/** Starts a streamed hash. */
export function streamStart(): void {
  memory.fill(STATE, 0, 200);
}

/** Absorbs len bytes at src into the streamed hash; len is a multiple of 136 (the rate). */
export function streamAbsorb(src: usize, len: i32): void {
  absorb(src, len);
}

/** Ends the streamed hash with its last len < 136 bytes at src; the digest goes to dst. */
export function streamFinish(src: usize, len: i32, dst: usize): void {
  finish(src, len, dst);
}

/** keccak256 of len bytes at src into dst: the plain hash, for tests and for other callers. */
export function hash(src: usize, len: i32, dst: usize): void {
  keccak(src, len, dst);
}

/** The state after absorbing the padding of a message of len < 136 bytes already in place. */
function pad(len: i32): void {
  const s = STATE;
  store<u8>(s + <usize>len, load<u8>(s + <usize>len) ^ 0x01);
  store<u8>(s + <usize>(RATE - 1), load<u8>(s + <usize>(RATE - 1)) ^ 0x80);
}

/**
 * For each of the n encodings of len bytes at src: keccak256(keccak256(encoding)) at dst + 32 i.
 * The 64-byte encodings of StandardMerkleTree's two-word leaves take a path without the generic
 * absorb: the first hash's output is already the first four lanes of the second hash's state.
 */
export function hashLeaves(src: usize, len: i32, dst: usize, n: i32): void {
  const s = STATE;
  let i = 0;
  if (len == 64) {
    const t = STATE2;
    for (; i + 1 < n; i += 2) {
      const p = src + ((<usize>i) << 6);
      memory.fill(t, 0, 400);
      for (let k: usize = 0; k < 8; k++) lanes(k, load<u64>(p + (k << 3)), load<u64>(p + 64 + (k << 3)));
      pad2(64);
      permute2();
      // The digests are lanes 0 to 3: the start of the second hash's states.
      memory.fill(t + 64, 0, 336);
      pad2(32);
      permute2();
      const out = dst + ((<usize>i) << 5);
      for (let k: usize = 0; k < 4; k++) {
        store<u64>(out + (k << 3), load<u64>(t + (k << 4)));
        store<u64>(out + 32 + (k << 3), load<u64>(t + (k << 4), 8));
      }
    }
  }
  for (; i < n; i++) {
    const out = dst + ((<usize>i) << 5);
    if (len == 64) {
      const p = src + ((<usize>i) << 6);
      memory.fill(s + 64, 0, 136);
      memory.copy(s, p, 64);
      pad(64);
      permute();
    } else {
      keccak(src + <usize>i * <usize>len, len, WORD);
      memory.fill(s, 0, 200);
      memory.copy(s, WORD, 32);
    }
    memory.fill(s + 32, 0, 168);
    pad(32);
    permute();
    memory.copy(out, s, 32);
  }
}

/**
 * The sort keys of n leaf hashes (32 bytes each at leaves), as f64 at keys: the top 53 - bits
 * bits of the hash, then the leaf's index in its low bits (n <= 2^bits). Sorting the keys as
 * numbers orders the leaves by hash prefix and, among equal prefixes, by index; the caller
 * re-sorts the rare runs of equal prefixes by their full hash.
 */
export function sortKeys(leaves: usize, keys: usize, n: i32, bits: i32): void {
  const shift = <u64>(11 + bits);
  for (let i = 0; i < n; i++) {
    const prefix = bswap<u64>(load<u64>(leaves + ((<usize>i) << 5))) >> shift;
    store<f64>(keys + ((<usize>i) << 3), <f64>((prefix << (<u64>bits)) | (<u64>i)));
  }
}

/**
 * Places the leaves in the heap array of 2n - 1 nodes at nodes, in the order of the (sorted)
 * keys: the k-th smallest leaf at node 2n - 2 - k, as StandardMerkleTree does; and records each
 * leaf's node in treeIndex (u32 per leaf, by the leaf's original index).
 */
export function placeLeaves(leaves: usize, keys: usize, nodes: usize, treeIndex: usize, n: i32, bits: i32): void {
  const mask: u64 = ((<u64>1) << (<u64>bits)) - 1;
  const last = 2 * n - 2;
  for (let k = 0; k < n; k++) {
    const i = <usize>((<u64>load<f64>(keys + ((<usize>k) << 3))) & mask);
    const node = last - k;
    memory.copy(nodes + ((<usize>node) << 5), leaves + (i << 5), 32);
    store<u32>(treeIndex + (i << 2), node);
  }
}

/** Big-endian comparison of two 32-byte words: a <= b. */
function notAbove(a: usize, b: usize): bool {
  for (let w: usize = 0; w < 32; w += 8) {
    const x = bswap<u64>(load<u64>(a + w));
    const y = bswap<u64>(load<u64>(b + w));
    if (x != y) return x < y;
  }
  return true;
}

/**
 * Fills the inner nodes from - 1 down to to (from <= n - 1) of a heap array of 2n - 1 nodes whose
 * leaves and inner nodes above from are in place: node i = keccak256(min(child) ++ max(child))
 * over its children 2i + 1 and 2i + 2 (OpenZeppelin MerkleProof's sorted pairs). Called in
 * slices so that the caller can report progress.
 */
export function buildInner(nodes: usize, n: i32, from: i32, to: i32): void {
  let i = from - 1;
  // Two nodes at a time while both have their children done (the children of i - 1 are 2i - 1
  // and 2i, above i when i >= 2).
  while (i - 1 >= to && i >= 2) {
    const t = STATE2;
    memory.fill(t, 0, 400);
    pairInto(nodes, i, 0);
    pairInto(nodes, i - 1, 8);
    pad2(64);
    permute2();
    const a = nodes + ((<usize>i) << 5);
    const b = a - 32;
    for (let k: usize = 0; k < 4; k++) {
      store<u64>(a + (k << 3), load<u64>(t + (k << 4)));
      store<u64>(b + (k << 3), load<u64>(t + (k << 4), 8));
    }
    i -= 2;
  }
  const s = STATE;
  for (; i >= to; i--) {
    const left = nodes + ((<usize>(2 * i + 1)) << 5);
    const right = left + 32;
    const first = notAbove(left, right) ? left : right;
    const second = first == left ? right : left;
    memory.fill(s, 0, 200);
    memory.copy(s, first, 32);
    memory.copy(s + 32, second, 32);
    pad(64);
    permute();
    memory.copy(nodes + ((<usize>i) << 5), s, 32);
  }
}

/** Writes node i's children, smaller first, as lanes 0 to 7 of state A (half 0) or B (half 8) of STATE2. */
function pairInto(nodes: usize, i: i32, half: usize): void {
  const left = nodes + ((<usize>(2 * i + 1)) << 5);
  const right = left + 32;
  const first = notAbove(left, right) ? left : right;
  const second = first == left ? right : left;
  const t = STATE2 + half;
  for (let k: usize = 0; k < 4; k++) {
    store<u64>(t + (k << 4), load<u64>(first + (k << 3)));
    store<u64>(t + ((k + 4) << 4), load<u64>(second + (k << 3)));
  }
}

/**
 * HEX[c] for an ASCII byte c: its hex value in the low 4 bits, 0x10 for an upper-case letter
 * (A to F), 0x20 for a lower-case one (a to f), 0x80 for anything that is not a hex digit.
 */
// prettier-ignore
const HEX: usize = memory.data<u8>([
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
]);

/**
 * Parses n addresses given as 42 ASCII characters each at src ("0x" and 40 hex digits) into 20
 * bytes each at dst + stride i. A mixed-case address must carry its EIP-55 checksum (a hex letter
 * is upper-case exactly where the keccak256 of the lower-case digits has a nibble >= 8).
 * Returns -1 when all are valid, else 2 i for the first invalid one with a malformed character,
 * or 2 i + 1 for the first with a bad checksum.
 */
export function parseAddresses(src: usize, n: i32, dst: usize, stride: i32): i32 {
  for (let i = 0; i < n; i++) {
    const p = src + <usize>i * 42 + 2;
    const out = dst + <usize>i * <usize>stride;
    if (load<u16>(p - 2) != 0x7830) return 2 * i; // "0x", little-endian
    let seen: u32 = 0;
    for (let j: usize = 0; j < 40; j += 2) {
      const h = <u32>load<u8>(HEX + <usize>load<u8>(p + j));
      const l = <u32>load<u8>(HEX + <usize>load<u8>(p + j + 1));
      seen |= h | l;
      store<u8>(out + (j >> 1), <u8>(((h & 15) << 4) | (l & 15)));
    }
    if ((seen & 0x80) != 0) return 2 * i;
    if ((seen & 0x30) == 0x30) {
      // Mixed case: hash the lower-case digits (setting bit 0x20 lowers A-F and keeps 0-9, a-f).
      for (let w: usize = 0; w < 40; w += 8) store<u64>(LOWER + w, load<u64>(p + w) | 0x2020202020202020);
      keccak(LOWER, 40, WORD);
      for (let j: usize = 0; j < 40; j++) {
        const flags = (<u32>load<u8>(HEX + <usize>load<u8>(p + j))) & 0x30;
        if (flags == 0) continue; // a digit: no case
        const byte = <u32>load<u8>(WORD + (j >> 1));
        const nibble = (j & 1) == 0 ? byte >> 4 : byte & 15;
        if (nibble >= 8 != (flags == 0x10)) return 2 * i + 1;
      }
    }
  }
  return -1;
}

/** Copies n runs of len bytes, one every stride bytes from src, to consecutive runs at dst. */
export function gather(src: usize, stride: i32, len: i32, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    memory.copy(dst + <usize>i * <usize>len, src + <usize>i * <usize>stride, <usize>len);
  }
}

/** The 16 lower-case hex digits, for i8x16.swizzle. */
const DIGITS: usize = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

/** The hex of the 16 bytes at src, as 32 ASCII digits at dst (SIMD: nibbles through a table lookup). */
function hex16(src: usize, dst: usize): void {
  const v = v128.load(src);
  const mask = i8x16.splat(0x0f);
  const table = v128.load(DIGITS);
  const hi = i8x16.swizzle(table, v128.and(i16x8.shr_u(v, 4), mask));
  const lo = i8x16.swizzle(table, v128.and(v, mask));
  v128.store(dst, i8x16.shuffle(hi, lo, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
  v128.store(dst, i8x16.shuffle(hi, lo, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31), 16);
}

/** Writes `"0x` + the hex of the 32 bytes at src + `"` at dst (68 bytes). */
function quotedHex32(src: usize, dst: usize): void {
  store<u16>(dst, 0x3022); // '"0'
  store<u8>(dst + 2, 0x78); // 'x'
  hex16(src, dst + 3);
  hex16(src + 16, dst + 35);
  store<u8>(dst + 67, 0x22);
}

/** Writes `"0x` + the hex of the 20 bytes at src + `"` at dst (44 bytes). */
function quotedHex20(src: usize, dst: usize): void {
  store<u16>(dst, 0x3022);
  store<u8>(dst + 2, 0x78);
  hex16(src, dst + 3);
  hex16(src + 4, dst + 11); // overlaps the first: the same digits for bytes 4 to 15
  store<u8>(dst + 43, 0x22);
}

/**
 * Writes nodes first .. first + count - 1 of the heap array at nodes as JSON strings separated by
 * commas (with a leading comma when first > 0) at dst; returns the bytes written.
 */
export function nodesJson(nodes: usize, first: i32, count: i32, dst: usize): i32 {
  let p = dst;
  for (let i = first; i < first + count; i++) {
    if (i > 0) store<u8>(p++, 0x2c);
    quotedHex32(nodes + ((<usize>i) << 5), p);
    p += 68;
  }
  return <i32>(p - dst);
}

/**
 * Writes the proof of the leaf at heap index t (siblings from the leaf up to the root) as JSON
 * strings separated by commas at dst; returns the bytes written.
 */
export function proofJson(nodes: usize, t: i32, dst: usize): i32 {
  let p = dst;
  let index = t;
  while (index > 0) {
    const sibling = (index & 1) == 1 ? index + 1 : index - 1;
    if (p != dst) store<u8>(p++, 0x2c);
    quotedHex32(nodes + ((<usize>sibling) << 5), p);
    p += 68;
    index = (index - 1) >> 1;
  }
  return <i32>(p - dst);
}

/**
 * Writes the records of a proof shard for count entries (their indices, u32, at members): for
 * each, `"0x<address>":{"cumulativeAmount":"<amount>","proof":[<proof>]}`, separated by commas
 * (and preceded by one unless first). The address comes from the 20-byte addresses, the proof
 * from the heap array and treeIndex, the amount's decimal digits from the caller: amountAt (u32
 * per member: offset in amounts, then length). Returns the bytes written at dst.
 */
export function shardRecords(
  nodes: usize,
  addresses: usize,
  treeIndex: usize,
  members: usize,
  count: i32,
  amounts: usize,
  amountAt: usize,
  first: bool,
  dst: usize,
): i32 {
  let p = dst;
  for (let k = 0; k < count; k++) {
    const i = <usize>load<u32>(members + ((<usize>k) << 2));
    if (k > 0 || !first) store<u8>(p++, 0x2c);
    quotedHex20(addresses + i * 20, p);
    p += 44;
    memory.copy(p, RECORD_MID, 22);
    p += 22;
    const from = <usize>load<u32>(amountAt + ((<usize>k) << 3));
    const length = <usize>load<u32>(amountAt + ((<usize>k) << 3), 4);
    memory.copy(p, amounts + from, length);
    p += length;
    memory.copy(p, RECORD_PROOF, 11);
    p += 11;
    p += <usize>proofJson(nodes, <i32>load<u32>(treeIndex + (i << 2)), p);
    store<u16>(p, 0x7d5d); // "]}"
    p += 2;
  }
  return <i32>(p - dst);
}

/** `:{"cumulativeAmount":"` and `","proof":[` (UTF-8). */
const RECORD_MID: usize = memory.data<u8>([
  58, 123, 34, 99, 117, 109, 117, 108, 97, 116, 105, 118, 101, 65, 109, 111, 117, 110, 116, 34, 58, 34,
]);
const RECORD_PROOF: usize = memory.data<u8>([34, 44, 34, 112, 114, 111, 111, 102, 34, 58, 91]);
