import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { addressProblem, checkAddress, toChecksumAddress } from "../../src/core/address.js";
import {
  buildHashTree,
  buildRewardTree,
  bytes32ToHex,
  checkAccount,
  compactRewardTree,
  leafHash,
  processProof,
  processProofFast,
  rewardLeafHashes,
  standardLeafHash,
  type RewardEntry,
} from "../../src/merkle/index.js";
import { KeccakStream, keccakHexFast, wasmKeccak } from "../../src/merkle/wasm.js";
import { expectPoaError } from "../support/errors.js";
import { library, randomEntries, randomHex, rng } from "./entries.js";
import { tempDir } from "../support/temp.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("src/merkle keccak.wasm", function () {
  it("hashes like @noble/hashes at every length around the 136-byte rate", function () {
    const next = rng(1);
    for (let len = 0; len <= 420; len++) {
      const data = Uint8Array.from({ length: len }, () => Math.floor(next() * 256));
      expect(hex(wasmKeccak(data)), `length ${len}`).to.equal(hex(keccak_256(data)));
    }
    const big = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 131) & 0xff);
    expect(hex(wasmKeccak(big))).to.equal(hex(keccak_256(big)));
  });

  it("streams: any cut of a message into pieces, across its 1 MiB window, gives the one-shot digest", function () {
    const next = rng(7);
    // 2.5 MiB plus a tail that is not a multiple of the rate: the window is filled twice, then part-filled.
    const data = Uint8Array.from({ length: 2_621_440 + 77 }, (_, i) => (i * 7 + (i >> 11)) & 0xff);
    const expected = hex(keccak_256(data));
    for (let trial = 0; trial < 4; trial++) {
      // Trials 2 and 3 size the window for a short message (2 and 3 blocks of the rate): many refills.
      const stream = trial < 2 ? new KeccakStream() : new KeccakStream(trial * 136 - 50);
      let at = 0;
      const cuts: number[] = [];
      while (at < data.length) {
        const take = Math.min(data.length - at, trial === 0 ? data.length : Math.floor(next() * 400_000));
        stream.update(data.subarray(at, at + take));
        cuts.push(take);
        at += take;
      }
      expect(hex(stream.digest()), `cut into ${cuts.join(", ")}`).to.equal(expected);
    }
    for (const len of [0, 1, 135, 136, 137, 65_535, 65_536, 1_048_560, 1_048_561])
      expect(keccakHexFast(data.subarray(0, len)), `length ${len}`).to.equal(
        `0x${hex(keccak_256(data.subarray(0, len)))}`,
      );
    const used = new KeccakStream().update(data.subarray(0, 10));
    used.digest();
    expect(() => used.update(data.subarray(0, 1))).to.throw(/after digest/);
  });

  it("the committed keccak.wasm is exactly what asm/keccak.ts compiles to", function () {
    this.timeout(120_000);
    const out = join(tempDir("poa-wasm-"), "keccak.wasm");
    execFileSync(process.execPath, ["asm/build.mjs", "keccak", out], { stdio: "pipe" });
    expect(readFileSync(out).equals(readFileSync("src/merkle/keccak.wasm"))).to.equal(true);
  });
});

describe("src/merkle: identical to StandardMerkleTree (differential, random trees)", function () {
  this.timeout(120_000);
  for (const [n, seed] of [
    [1, 1],
    [2, 2],
    [3, 3],
    [5, 4],
    [8, 5],
    [255, 6],
    [256, 7],
    [1000, 8],
    [4097, 9],
    [9000, 10],
  ] as const) {
    it(`${n} leaves: same root, tree, tree indices, proofs and dump`, function () {
      const entries = randomEntries(n, seed);
      const ours = buildRewardTree(entries);
      const theirs = library(entries);
      const dump = theirs.dump();
      expect(ours.root).to.equal(theirs.root);
      expect(ours.count).to.equal(n);
      expect(ours.nodeCount).to.equal(dump.tree.length);
      expect(JSON.stringify(ours.dump())).to.equal(JSON.stringify(dump));
      // Every proof for small trees; a spread of them (both ends included) for the large ones.
      const step = n <= 1000 ? 1 : 37;
      for (let i = 0; i < n; i += step) {
        expect(ours.proof(i), `proof ${i}`).to.deep.equal(theirs.getProof(i));
        expect(ours.treeIndex(i)).to.equal(dump.values[i]!.treeIndex);
      }
      expect(ours.proof(n - 1)).to.deep.equal(theirs.getProof(n - 1));
    });
  }

  it("the leaf hashes are the library's, in the caller's order, across encoding chunks", function () {
    const entries = randomEntries(5000, 20);
    const leaves = rewardLeafHashes(entries);
    for (let i = 0; i < entries.length; i += 7) {
      expect(hex(leaves.subarray(32 * i, 32 * i + 32)), `leaf ${i}`).to.equal(hex(leafHash(entries[i]!)));
    }
  });

  it("reports progress from 0 to the total, monotonically", function () {
    const seen: [number, number][] = [];
    buildRewardTree(randomEntries(300, 21), { onProgress: (done, total) => seen.push([done, total]) });
    expect(seen.at(-1)).to.deep.equal([599, 599]);
    for (let k = 1; k < seen.length; k++) expect(seen[k]![0]).to.be.at.least(seen[k - 1]![0]);
  });
});

describe("src/merkle buildHashTree: the library's stable order for ties (SimpleMerkleTree)", function () {
  const simple = (leaves: string[]) => SimpleMerkleTree.of(leaves);
  const compare = (leaves: string[]): void => {
    const bytes = Buffer.concat(leaves.map((l) => Buffer.from(l.slice(2), "hex")));
    const ours = buildHashTree(bytes);
    const theirs = simple(leaves);
    const dump = theirs.dump();
    expect(ours.root).to.equal(theirs.root);
    for (let i = 0; i < leaves.length; i++) {
      expect(ours.treeIndex(i), `leaf ${i}`).to.equal(dump.values[i]!.treeIndex);
      expect(ours.proof(i)).to.deep.equal(theirs.getProof(i));
    }
    for (let k = 0; k < ours.nodeCount; k++) expect(ours.node(k)).to.equal(dump.tree[k]);
  };

  it("identical leaves keep the caller's order (as Array.prototype.sort, which is stable)", function () {
    const a = "0x" + "ab".repeat(32);
    const b = "0x" + "01".repeat(32);
    compare([a, b, a, a, b, "0x" + "ff".repeat(32), a]);
  });

  it("leaves equal in their first 8 to 31 bytes are ordered by their full hash", function () {
    const next = rng(30);
    const prefix = randomHex(next, 16);
    const leaves: string[] = [];
    for (let i = 0; i < 300; i++) {
      const shared = 16 + Math.floor(next() * 47); // 8 to 31.5 bytes shared
      leaves.push("0x" + (prefix + randomHex(next, 48)).slice(0, shared) + randomHex(next, 64 - shared));
    }
    leaves.push(leaves[3]!, leaves[100]!);
    compare(leaves);
  });

  it("random leaves, and the single leaf", function () {
    const next = rng(31);
    compare(Array.from({ length: 777 }, () => "0x" + randomHex(next, 64)));
    compare(["0x" + "00".repeat(32)]);
  });

  it("refuses an empty or ragged leaf buffer", function () {
    expectPoaError(() => buildHashTree(new Uint8Array(0)), "MERKLE_INVALID", /non-empty multiple of 32 bytes, got 0/);
    expectPoaError(() => buildHashTree(new Uint8Array(33)), "MERKLE_INVALID", /got 33/);
  });

  it("standardLeafHash is keccak256(keccak256(encoded))", function () {
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    expect(bytes32ToHex(standardLeafHash(data))).to.equal("0x" + hex(keccak_256(keccak_256(data))));
  });
});

describe("src/merkle buildRewardTree: input checks in the WebAssembly encoder", function () {
  const ok = (i: number): RewardEntry => ({ account: "0x" + i.toString(16).padStart(40, "0"), cumulativeAmount: 1n });

  it("accepts exactly the addresses the library's validator accepts (EIP-55 in WebAssembly)", function () {
    const next = rng(40);
    let checksumRefusals = 0;
    for (let k = 0; k < 600; k++) {
      const lower = "0x" + randomHex(next, 40);
      const checksummed = toChecksumAddress(lower);
      // Flip the case of one letter (if any) of the checksummed form: a checksum error.
      const letters = [...checksummed.slice(2)].flatMap((c, j) => (/[a-fA-F]/.test(c) ? [j + 2] : []));
      const at = letters[Math.floor(next() * letters.length)];
      const flipped =
        at === undefined
          ? checksummed
          : checksummed.slice(0, at) +
            (checksummed[at] === checksummed[at]!.toLowerCase()
              ? checksummed[at]!.toUpperCase()
              : checksummed[at]!.toLowerCase()) +
            checksummed.slice(at + 1);
      for (const account of [lower, checksummed, lower.toUpperCase().replace("0X", "0x"), flipped]) {
        const problem = addressProblem(account);
        const entries = [ok(1), { account, cumulativeAmount: 5n }];
        if (problem === undefined) {
          expect(buildRewardTree(entries).find(account), account).to.equal(1);
        } else {
          expect(problem).to.equal("checksum");
          checksumRefusals++;
          expectPoaError(() => buildRewardTree(entries), "MERKLE_INVALID", /entry 1: account .* bad EIP-55 checksum/);
        }
      }
    }
    expect(checksumRefusals).to.be.greaterThan(500);
  });

  it("checkAccount answers as checkAddress of src/core, with the WebAssembly keccak", function () {
    const next = rng(41);
    let compared = 0;
    for (let k = 0; k < 500; k++) {
      const checksummed = toChecksumAddress("0x" + randomHex(next, 40));
      const flipped = checksummed.replace(/[a-fA-F]/, (c) =>
        c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase(),
      );
      for (const value of [
        checksummed,
        checksummed.toLowerCase(),
        "0x" + checksummed.slice(2).toUpperCase(),
        flipped,
      ]) {
        expect(checkAccount(value), value).to.deep.equal(checkAddress(value));
        compared++;
      }
    }
    for (const value of ["0x12", "0X" + "ab".repeat(20), "0x" + "ab".repeat(19) + "\u0130a", 7, null]) {
      expect(checkAccount(value)).to.deep.equal({ ok: false, problem: "format" });
    }
    expect(compared).to.equal(2000);
  });

  it("refuses malformed accounts, including characters outside ASCII that look like hex digits", function () {
    const digits = "ab".repeat(19) + "a";
    for (const account of [
      "0x" + digits, // 39 digits
      "0x" + digits + "aa",
      "0X" + digits + "a",
      "1x" + digits + "a",
      "0x" + digits + "g",
      "0x" + digits + "\u0130", // U+0130: its low byte 0x30 is "0"
      "0x" + digits + "\u0661", // ARABIC-INDIC DIGIT ONE
      "0x" + digits + " ",
      " 0x" + digits,
      42 as unknown as string,
      undefined as unknown as string,
    ]) {
      const problem = addressProblem(account);
      expect(problem, String(account)).to.equal("format");
      expectPoaError(
        () => buildRewardTree([ok(1), ok(2), { account, cumulativeAmount: 1n }]),
        "MERKLE_INVALID",
        /entry 2: account .* is not a 20-byte hex address/,
      );
    }
  });

  it("refuses amounts that are not uint256 bigints", function () {
    for (const amount of [-1n, 1n << 256n, 5, "5", undefined]) {
      expectPoaError(
        () => buildRewardTree([ok(1), { account: ok(2).account, cumulativeAmount: amount as bigint }]),
        "MERKLE_INVALID",
        /entry 1: cumulative amount .* is not a uint256/,
      );
    }
    const max = buildRewardTree([{ account: ok(1).account, cumulativeAmount: (1n << 256n) - 1n }]);
    expect(max.root).to.equal(library([{ account: ok(1).account, cumulativeAmount: (1n << 256n) - 1n }]).root);
  });

  it("reports the first problem in the entries' order, across encoding chunks", function () {
    const entries = Array.from({ length: 9000 }, (_, i) => ok(i + 1));
    const withDuplicate = [...entries];
    withDuplicate[8500] = { ...ok(6000 + 1), account: ok(6001).account.toUpperCase().replace("0X", "0x") };
    withDuplicate[8600] = { account: "0x1234", cumulativeAmount: 1n };
    const duplicate = expectPoaError(
      () => buildRewardTree(withDuplicate),
      "MERKLE_INVALID",
      /appears twice \(entries 6000 and 8500\)/,
    );
    expect(duplicate.details).to.deep.include({ entries: [6000, 8500] });
    const malformedFirst = [...withDuplicate];
    malformedFirst[8400] = { account: ok(1).account, cumulativeAmount: -1n };
    expectPoaError(() => buildRewardTree(malformedFirst), "MERKLE_INVALID", /entry 8400: cumulative amount -1/);
    const checksumFirst = [...withDuplicate];
    const badChecksum = "0x" + "ab".repeat(20).replace("a", "A");
    expect(addressProblem(badChecksum)).to.equal("checksum");
    checksumFirst[4500] = { account: badChecksum, cumulativeAmount: 1n };
    expectPoaError(() => buildRewardTree(checksumFirst), "MERKLE_INVALID", /entry 4500: .* bad EIP-55 checksum/);
  });

  it("finds accounts in any case, and nothing for absent or malformed ones", function () {
    const entries = randomEntries(2000, 50);
    const tree = buildRewardTree(entries);
    for (let i = 0; i < entries.length; i += 13) {
      const a = entries[i]!.account;
      expect(tree.find(a.toLowerCase())).to.equal(i);
      expect(tree.indexOf("0x" + a.slice(2).toUpperCase())).to.equal(i);
    }
    expect(tree.find("0x" + "00".repeat(20))).to.equal(undefined);
    expect(tree.find("0x123")).to.equal(undefined);
    expect(tree.find("0x" + "zz".repeat(20))).to.equal(undefined);
    expectPoaError(() => tree.indexOf("0x" + "00".repeat(20)), "NOT_FOUND", /is not in this tree/);
  });

  it("the compact view answers as the tree: the same index, amount and proof for every entry", function () {
    const entries = randomEntries(3001, 51);
    const tree = buildRewardTree(entries);
    const compact = compactRewardTree(tree);
    expect(compact.root).to.equal(tree.root);
    expect(compact.count).to.equal(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const a = entries[i]!.account;
      const at = compact.find(i % 2 === 0 ? a.toLowerCase() : "0x" + a.slice(2).toUpperCase());
      expect(at, a).to.equal(i);
      expect(compact.amount(i), a).to.equal(entries[i]!.cumulativeAmount.toString());
      expect(compact.proof(i), a).to.deep.equal(tree.proof(i));
    }
    expect(compact.find("0x" + "00".repeat(20))).to.equal(undefined);
    expect(compact.find("0x123")).to.equal(undefined);
    expectPoaError(() => compact.amount(entries.length), "VALUE_OUT_OF_RANGE", /no entry 3001/);
    expectPoaError(() => compact.proof(-1), "VALUE_OUT_OF_RANGE", /no entry -1/);
    const one = compactRewardTree(buildRewardTree(entries.slice(0, 1)));
    expect([one.amount(0), one.proof(0)]).to.deep.equal([entries[0]!.cumulativeAmount.toString(), []]);
    expectPoaError(
      () => compactRewardTree(buildHashTree(new Uint8Array(64)) as never),
      "MERKLE_INVALID",
      /not a reward tree/,
    );
  });

  it("processProofFast reaches the roots processProof reaches, right and altered proofs alike, and refuses the same siblings", function () {
    const entries = randomEntries(700, 52);
    const tree = buildRewardTree(entries);
    const next = rng(53);
    for (let i = 0; i < entries.length; i += 7) {
      const entry = { ...entries[i]!, account: entries[i]!.account.toLowerCase() };
      const proof = tree.proof(i);
      expect(processProofFast(entry, proof), `entry ${i}`).to.equal(tree.root);
      const altered = [...proof];
      altered[Math.floor(next() * proof.length)] = `0x${randomHex(next, 64)}`;
      const shorter = proof.slice(1);
      const other = { ...entry, cumulativeAmount: entry.cumulativeAmount ^ 1n };
      for (const [e, p] of [
        [entry, altered],
        [entry, shorter],
        [other, proof],
        [entry, []],
      ] as const)
        expect(processProofFast(e, p)).to.equal(processProof(e, p as never));
    }
    const proof = tree.proof(3);
    for (const bad of ["0x12", `0x${"g".repeat(64)}`, `${proof[0]!}00`, proof[0]!.slice(2)]) {
      const altered = [proof[0]!, bad];
      const message = (f: () => unknown): string => {
        try {
          f();
        } catch (error) {
          return (error as Error).message;
        }
        return "no error";
      };
      expect(message(() => processProofFast(entries[3]!, altered))).to.equal(
        message(() => processProof(entries[3]!, altered as never)),
      );
    }
    expectPoaError(
      () => processProofFast({ account: "0x12", cumulativeAmount: 1n }, []),
      "MERKLE_INVALID",
      /not a 20-byte/,
    );
    expectPoaError(
      () => processProofFast({ account: entries[0]!.account, cumulativeAmount: 1n << 256n }, []),
      "MERKLE_INVALID",
      /not a uint256/,
    );
  });
});
