// SA-IS suffix array construction over an integer alphabet, in AssemblyScript (compiled to WASM
// by `npx asc`, see asm/build.mjs). Linear time; the only memory besides the text (n x i32) and the
// suffix array (n x i32) is two bucket arrays of the alphabet size at the top level. Recursion
// levels keep their reduced text and buckets inside the free part of the suffix array, as Yuta
// Mori's sais-lite does; only when that part is too small for the buckets are they allocated.
//
// No type bit vector: whether a suffix is L or S is decided on the fly from the bucket pointers
// (an entry before the current L-head of its bucket was induced as L; an entry at or after the
// current S-head was induced as S), so the build needs 8 bytes per token plus the buckets.
//
// The caller (src/attribution/sais.ts) lays out memory: text at `t`, suffix array at `sa`, and
// sets the bump allocator's start with setTop. The text is only read; the suffix array receives
// the sorted suffix start positions. The end of the text acts as a unique smallest sentinel.

let top: usize = 0;

export function heapBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

export function setTop(p: usize): void {
  top = p;
}

export function getTop(): usize {
  return top;
}

function rd(p: usize, i: i32): i32 {
  return load<i32>(p + ((<usize>i) << 2));
}

function wr(p: usize, i: i32, v: i32): void {
  store<i32>(p + ((<usize>i) << 2), v);
}

function alloc(words: i32): usize {
  const p = top;
  const end = p + ((<usize>words) << 2);
  const have = (<usize>memory.size()) << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) unreachable();
  }
  top = end;
  return p;
}

function getCounts(t: usize, c: usize, n: i32, k: i32): void {
  memory.fill(c, 0, (<usize>k) << 2);
  for (let i = 0; i < n; i++) {
    const x = rd(t, i);
    wr(c, x, rd(c, x) + 1);
  }
}

function getBuckets(c: usize, b: usize, k: i32, end: bool): void {
  let sum = 0;
  if (end) {
    for (let i = 0; i < k; i++) {
      sum += rd(c, i);
      wr(b, i, sum);
    }
  } else {
    for (let i = 0; i < k; i++) {
      const x = rd(c, i);
      wr(b, i, sum);
      sum += x;
    }
  }
}

/** Entries gathered per block by `induce` (3 words each, bump-allocated for the call). */
const BLOCK: i32 = 1024;

/**
 * Induced sorting: an L pass from left to right, then an S pass from right to left. With
 * `markLms`, every LMS suffix placed by the S pass is stored complemented (~p) so that the caller
 * can pick the sorted LMS substrings out; their predecessors are L-type, so the S pass never
 * induces from them.
 *
 * Speed: the symbols t[j] and t[j - 1] of each scanned entry are random reads (cache misses on a
 * large text). Each pass first gathers them for a block of entries in a tight loop of independent
 * loads, which the CPU overlaps, then places the block. An entry that the placement itself wrote
 * inside the current block is detected (its value differs from the gathered one) and re-read.
 */
function induce(t: usize, sa: usize, c: usize, b: usize, n: i32, k: i32, recount: bool, markLms: bool): void {
  const saved = top;
  const gj = alloc(BLOCK);
  const gc = alloc(BLOCK);
  const gp = alloc(BLOCK);
  // L pass: bucket heads.
  if (recount) getCounts(t, c, n, k);
  getBuckets(c, b, k, false);
  {
    const last = n - 1;
    const cl = rd(t, last);
    const h = rd(b, cl);
    wr(sa, h, last);
    wr(b, cl, h + 1);
  }
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const cnt = min(BLOCK, n - i0);
    for (let x = 0; x < cnt; x++) {
      const j = rd(sa, i0 + x);
      wr(gj, x, j);
      if (j > 0) {
        wr(gc, x, rd(t, j));
        wr(gp, x, rd(t, j - 1));
      }
    }
    for (let x = 0; x < cnt; x++) {
      const i = i0 + x;
      const j = rd(sa, i);
      if (j <= 0) continue;
      let cj: i32;
      let cp: i32;
      if (j == rd(gj, x)) {
        cj = rd(gc, x);
        cp = rd(gp, x);
      } else {
        cj = rd(t, j);
        cp = rd(t, j - 1);
      }
      // j - 1 is L-type if its symbol is larger, or equal and j itself is L-type (j was induced
      // into the L part of its bucket, which lies before that bucket's current head).
      if (cp > cj || (cp == cj && i < rd(b, cj))) {
        const h = rd(b, cp);
        wr(sa, h, j - 1);
        wr(b, cp, h + 1);
      }
    }
  }
  // S pass: bucket tails.
  if (recount) getCounts(t, c, n, k);
  getBuckets(c, b, k, true);
  for (let i1 = n; i1 > 0; i1 -= BLOCK) {
    const cnt = min(BLOCK, i1);
    const base = i1 - cnt;
    for (let x = cnt - 1; x >= 0; x--) {
      const j = rd(sa, base + x);
      wr(gj, x, j);
      if (j > 0) {
        wr(gc, x, rd(t, j));
        wr(gp, x, rd(t, j - 1));
      }
    }
    for (let x = cnt - 1; x >= 0; x--) {
      const i = base + x;
      const j = rd(sa, i);
      if (j <= 0) continue;
      let cj: i32;
      let cp: i32;
      if (j == rd(gj, x)) {
        cj = rd(gc, x);
        cp = rd(gp, x);
      } else {
        cj = rd(t, j);
        cp = rd(t, j - 1);
      }
      // j - 1 is S-type if its symbol is smaller, or equal and j itself is S-type (j was written
      // by this pass, at or after its bucket's current tail).
      if (cp < cj || (cp == cj && i >= rd(b, cj))) {
        const p = j - 1;
        const h = rd(b, cp) - 1;
        wr(b, cp, h);
        if (markLms && p > 0 && rd(t, p - 1) > cp) wr(sa, h, ~p);
        else wr(sa, h, p);
      }
    }
  }
  top = saved;
}

/** Suffix array of t[0..n) (symbols in [0, k)) into sa[0..n); sa has `fs` spare words after n. */
function sais(t: usize, sa: usize, fs: i32, n: i32, k: i32): void {
  if (n == 1) {
    wr(sa, 0, 0);
    return;
  }
  const saved = top;
  let c: usize;
  let b: usize;
  let recount = false;
  if (2 * k <= fs) {
    c = sa + ((<usize>(n + fs - 2 * k)) << 2);
    b = c + ((<usize>k) << 2);
  } else if (k <= fs) {
    b = sa + ((<usize>(n + fs - k)) << 2);
    c = b;
    recount = true;
  } else {
    c = alloc(k);
    b = alloc(k);
  }

  // Stage 1: put every LMS suffix at the end of its bucket (right-to-left scan, types on the fly).
  memory.fill(sa, 0xff, (<usize>n) << 2);
  getCounts(t, c, n, k);
  getBuckets(c, b, k, true);
  let m = 0;
  let lastLms = -1;
  {
    let c1 = rd(t, n - 1);
    let nextIsS = false; // position n - 1 is L-type: the sentinel is smaller than everything.
    for (let i = n - 2; i >= 0; i--) {
      const c0 = rd(t, i);
      const isS = c0 < c1 || (c0 == c1 && nextIsS);
      if (!isS && nextIsS) {
        const h = rd(b, c1) - 1;
        wr(b, c1, h);
        wr(sa, h, i + 1);
        m++;
        lastLms = i + 1;
      }
      nextIsS = isS;
      c1 = c0;
    }
  }

  let names = 0;
  if (m > 1) {
    induce(t, sa, c, b, n, k, recount, true);
    // Compact the sorted LMS positions into sa[0..m).
    let w = 0;
    for (let i = 0; i < n; i++) {
      const v = rd(sa, i);
      // Position 0 is never LMS, so ~0 == -1 never marks one: -1 only ever means empty.
      if (v < -1) wr(sa, w++, ~v);
    }
    memory.fill(sa + ((<usize>m) << 2), 0, (<usize>(n - m)) << 2);
    // Lengths of the LMS substrings (up to and including the next LMS position, or the sentinel).
    {
      let c1 = rd(t, n - 1);
      let nextIsS = false;
      let next = n;
      for (let i = n - 2; i >= 0; i--) {
        const c0 = rd(t, i);
        const isS = c0 < c1 || (c0 == c1 && nextIsS);
        if (!isS && nextIsS) {
          const p = i + 1;
          wr(sa, m + (p >> 1), next - p + 1);
          next = p;
        }
        nextIsS = isS;
        c1 = c0;
      }
    }
    // Names: equal LMS substrings (same length, same symbols, not reaching the sentinel) share
    // one. The length and first symbol of each LMS substring are gathered a block at a time
    // (independent loads the CPU overlaps) before the comparisons that need them.
    let q = n;
    let qlen = 0;
    {
      const saved2 = top;
      const gl = alloc(BLOCK);
      const gf = alloc(BLOCK);
      for (let i0 = 0; i0 < m; i0 += BLOCK) {
        const cnt = min(BLOCK, m - i0);
        for (let x = 0; x < cnt; x++) {
          const p = rd(sa, i0 + x);
          wr(gl, x, rd(sa, m + (p >> 1)));
          wr(gf, x, rd(t, p));
        }
        for (let x = 0; x < cnt; x++) {
          const p = rd(sa, i0 + x);
          const plen = rd(gl, x);
          let diff = true;
          if (plen == qlen && q + plen <= n && p + plen <= n && rd(gf, x) == rd(t, q)) {
            let j = 1;
            while (j < plen && rd(t, p + j) == rd(t, q + j)) j++;
            if (j == plen) diff = false;
          }
          if (diff) {
            names++;
            q = p;
            qlen = plen;
          }
          wr(sa, m + (p >> 1), names);
        }
      }
      top = saved2;
    }
    // Gather the reduced string (names - 1, in text order) at the end of the space.
    const ra = sa + ((<usize>(n + fs - m)) << 2);
    {
      let w2 = m - 1;
      for (let i = m + (n >> 1) - 1; i >= m; i--) {
        const v = rd(sa, i);
        if (v != 0) wr(ra, w2--, v - 1);
      }
    }
    top = saved; // buckets are rebuilt below, so the recursion may reuse their space
    if (names < m) {
      sais(ra, sa, n + fs - 2 * m, m, names);
    } else {
      for (let i = 0; i < m; i++) wr(sa, rd(ra, i), i);
    }
    // Map reduced-suffix ranks back to LMS positions (collected into ra, in text order).
    {
      let c1 = rd(t, n - 1);
      let nextIsS = false;
      let w3 = m - 1;
      for (let i = n - 2; i >= 0; i--) {
        const c0 = rd(t, i);
        const isS = c0 < c1 || (c0 == c1 && nextIsS);
        if (!isS && nextIsS) wr(ra, w3--, i + 1);
        nextIsS = isS;
        c1 = c0;
      }
    }
    for (let i = 0; i < m; i++) wr(sa, i, rd(ra, rd(sa, i)));
    // Buckets again (the recursion may have overwritten the free space).
    if (2 * k <= fs) {
      c = sa + ((<usize>(n + fs - 2 * k)) << 2);
      b = c + ((<usize>k) << 2);
    } else if (k <= fs) {
      b = sa + ((<usize>(n + fs - k)) << 2);
      c = b;
    } else {
      c = alloc(k);
      b = alloc(k);
    }
  } else if (m == 1) {
    wr(sa, 0, lastLms);
  }

  // Stage 3: sorted LMS suffixes to the ends of their buckets, then induce everything.
  getCounts(t, c, n, k);
  getBuckets(c, b, k, true);
  if (m > 0) {
    let i = m - 1;
    let j = n;
    let p = rd(sa, i);
    let c1 = rd(t, p);
    while (i >= 0) {
      const c0 = c1;
      const q = rd(b, c0);
      while (q < j) wr(sa, --j, -1);
      while (true) {
        wr(sa, --j, p);
        if (--i < 0) break;
        p = rd(sa, i);
        c1 = rd(t, p);
        if (c1 != c0) break;
      }
    }
    while (j > 0) wr(sa, --j, -1);
  } else {
    memory.fill(sa, 0xff, (<usize>n) << 2);
  }
  induce(t, sa, c, b, n, k, recount, false);
  top = saved;
}

/**
 * Builds the suffix array of t[0..n) (every symbol in [0, k)) into sa[0..n). Returns 0, or -1
 * when a symbol is out of range (checked first, so bad input never corrupts memory).
 */
export function build(t: usize, sa: usize, n: i32, k: i32): i32 {
  if (n <= 0) return 0;
  for (let i = 0; i < n; i++) {
    const x = rd(t, i);
    if (x < 0 || x >= k) return -1;
  }
  sais(t, sa, 0, n, k);
  return 0;
}
