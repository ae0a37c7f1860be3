import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import {
  buildRewardTree,
  defaultPrefixDigits,
  MAX_LEAVES,
  parseShardIndex,
  parseTreeJson,
  proofShardFiles,
  readShardBytes,
  readTreeJson,
  SHARD_FORMAT,
  treeJsonChunks,
  writeProofShards,
  writeTreeJson,
  type ShardIndex,
} from "../../src/merkle/index.js";
import { expectPoaError, expectPoaErrorAsync } from "../support/errors.js";
import { library, randomEntries } from "./entries.js";
import { tempDir } from "../support/temp.js";

const scratch = (): string => tempDir("poa-merkle-");

describe("tree.json: StandardMerkleTree's dump, streamed", function () {
  this.timeout(60_000);

  for (const [n, seed] of [
    [1, 1],
    [2, 2],
    [77, 3],
    [3000, 4],
  ] as const) {
    it(`${n} leaves: the bytes of JSON.stringify(StandardMerkleTree.dump()), which StandardMerkleTree.load accepts`, async function () {
      const entries = randomEntries(n, seed);
      const theirs = library(entries);
      const file = join(scratch(), "epoch-3", "tree.json");
      const written = await writeTreeJson(buildRewardTree(entries), file);
      const text = readFileSync(file, "utf8");
      expect(text).to.equal(JSON.stringify(theirs.dump()));
      expect(written).to.deep.equal({ path: file, bytes: Buffer.byteLength(text) });
      const loaded = StandardMerkleTree.load(JSON.parse(text)); // validates every node
      expect(loaded.root).to.equal(theirs.root);
      expect(loaded.getProof(n - 1)).to.deep.equal(theirs.getProof(n - 1));
      expect(loaded.getProof([entries[0]!.account, entries[0]!.cumulativeAmount.toString()])).to.deep.equal(
        theirs.getProof(0),
      );
    });
  }

  it("is written in chunks of the size asked, never as one buffer", function () {
    const tree = buildRewardTree(randomEntries(2000, 5));
    const chunks = [...treeJsonChunks(tree, 4096)];
    expect(chunks.length).to.be.greaterThan(40);
    for (const c of chunks) expect(c.length).to.be.at.most(4096);
    expect(Buffer.concat(chunks).toString()).to.equal(JSON.stringify(tree.dump()));
  });

  it("gives identical bytes for identical entries, and refuses a folder as the file", async function () {
    const dir = scratch();
    const entries = randomEntries(500, 6);
    await writeTreeJson(buildRewardTree(entries), join(dir, "a.json"));
    await writeTreeJson(buildRewardTree([...entries]), join(dir, "b.json"));
    expect(readFileSync(join(dir, "a.json")).equals(readFileSync(join(dir, "b.json")))).to.equal(true);
    mkdirSync(join(dir, "folder"));
    await expectPoaErrorAsync(writeTreeJson(buildRewardTree(entries), join(dir, "folder")), "FILE_NOT_WRITABLE");
    expect(readdirSync(dir).sort()).to.deep.equal(["a.json", "b.json", "folder"]); // no temporary file left
  });
});

describe("proof shards by address prefix", function () {
  this.timeout(60_000);

  const readShards = (folder: string): { index: ShardIndex; shards: Map<string, Record<string, unknown>> } => {
    const index = parseShardIndex(JSON.parse(readFileSync(join(folder, "index.json"), "utf8")));
    const shards = new Map<string, Record<string, unknown>>();
    for (const name of Object.keys(index.shards)) {
      shards.set(name, JSON.parse(readFileSync(join(folder, `${name}.json`), "utf8")) as Record<string, unknown>);
    }
    return { index, shards };
  };

  for (const digits of [1, 2, 3]) {
    it(`${digits}-digit prefixes: every account once, with the library's proof, in address order`, async function () {
      const entries = randomEntries(1500, 10 + digits);
      const theirs = library(entries);
      const tree = buildRewardTree(entries);
      const folder = join(scratch(), "proofs");
      const written = await writeProofShards(tree, folder, { prefixDigits: digits });
      const { index, shards } = readShards(folder);
      expect(index.format).to.equal(SHARD_FORMAT);
      expect(index.root).to.equal(theirs.root);
      expect(index.accounts).to.equal(1500);
      expect(index.prefixDigits).to.equal(digits);
      expect(written.totalBytes).to.equal(
        readdirSync(folder).reduce((sum, f) => sum + readFileSync(join(folder, f)).length, 0),
      );
      expect(readdirSync(folder).sort()).to.deep.equal(
        [...[...shards.keys()].map((s) => `${s}.json`), "index.json"].sort(),
      );
      let seen = 0;
      for (const [name, shard] of shards) {
        const keys = Object.keys(shard);
        expect(index.shards[name]!.accounts).to.equal(keys.length);
        expect(index.shards[name]!.bytes).to.equal(readFileSync(join(folder, `${name}.json`)).length);
        expect(keys).to.deep.equal([...keys].sort());
        for (const key of keys) expect(key.slice(2, 2 + digits)).to.equal(name);
        seen += keys.length;
      }
      expect(seen).to.equal(1500);
      entries.forEach((e, i) => {
        const key = e.account.toLowerCase();
        const shard = shards.get(key.slice(2, 2 + digits))!;
        expect(shard[key], e.account).to.deep.equal({
          cumulativeAmount: e.cumulativeAmount.toString(),
          proof: theirs.getProof(i),
        });
      });
    });
  }

  it("writes only non-empty shards and identical bytes for identical trees; replaces an earlier set", async function () {
    const dir = scratch();
    const entries = randomEntries(40, 20);
    await writeProofShards(buildRewardTree(entries), join(dir, "a"));
    await writeProofShards(buildRewardTree(entries), join(dir, "b"));
    const files = readdirSync(join(dir, "a")).sort();
    expect(files.length).to.be.lessThan(42); // 40 accounts cannot fill 256 shards
    expect(readdirSync(join(dir, "b")).sort()).to.deep.equal(files);
    for (const f of files)
      expect(readFileSync(join(dir, "a", f)).equals(readFileSync(join(dir, "b", f)))).to.equal(true);
    const other = randomEntries(5, 21);
    await writeProofShards(buildRewardTree(other), join(dir, "a"), { prefixDigits: 1 });
    const { index } = readShards(join(dir, "a"));
    expect(index.accounts).to.equal(5);
    expect(readdirSync(join(dir, "a")).length).to.equal(Object.keys(index.shards).length + 1);
    expect(readdirSync(dir).sort()).to.deep.equal(["a", "b"]);
  });

  it("refuses to replace a folder holding other files, and an unsupported prefix length", async function () {
    const dir = scratch();
    writeFileSync(join(dir, "notes.txt"), "mine");
    const tree = buildRewardTree(randomEntries(3, 22));
    await expectPoaErrorAsync(writeProofShards(tree, dir), "FILE_NOT_WRITABLE", /is not a proof shard folder/);
    expect(readdirSync(dir)).to.deep.equal(["notes.txt"]);
    for (const prefixDigits of [0, 5, 1.5]) {
      expectPoaError(
        () => [...proofShardFiles(tree, { prefixDigits })],
        "INVALID_VALUE",
        /hex digits is not supported/,
      );
    }
  });

  it("parseShardIndex refuses an index that does not add up", async function () {
    const folder = join(scratch(), "p");
    await writeProofShards(buildRewardTree(randomEntries(30, 23)), folder, { prefixDigits: 1 });
    const index = JSON.parse(readFileSync(join(folder, "index.json"), "utf8")) as Record<string, unknown>;
    expect(parseShardIndex(index).accounts).to.equal(30);
    for (const [change, message] of [
      [{ format: "other" }, /format is "other"/],
      [{ root: "0x12" }, /root is not 32 bytes/],
      [{ accounts: 31 }, /the shards hold 30 accounts, the index says 31/],
      [{ prefixDigits: 2 }, /shard "[0-9a-f]" is malformed/],
      [{ leafEncoding: ["uint256", "bytes32"] }, /leafEncoding/],
    ] as const) {
      expectPoaError(() => parseShardIndex({ ...index, ...change }), "MERKLE_INVALID", message);
    }
  });
});

describe("reading tree.json back (readTreeJson / parseTreeJson)", function () {
  this.timeout(60_000);
  const entries = randomEntries(400, 90);
  const theirs = library(entries);
  const text = JSON.stringify(theirs.dump());

  it("reads our dump and the library's, pretty-printed or not, into the same tree", async function () {
    const file = join(scratch(), "tree.json");
    await writeTreeJson(buildRewardTree(entries), file);
    const fromFile = await readTreeJson(file);
    expect(fromFile.root).to.equal(theirs.root);
    expect(fromFile.proof(123)).to.deep.equal(theirs.getProof(123));
    expect(Buffer.concat([...treeJsonChunks(fromFile)]).toString()).to.equal(text);
    const pretty = parseTreeJson(Buffer.from(JSON.stringify(theirs.dump(), null, 2)));
    expect(pretty.root).to.equal(theirs.root);
    // Keys in another order, an unknown key, hex and number amounts: still the same tree.
    const dump = theirs.dump();
    const reordered = {
      values: dump.values.map((v, i) => ({
        treeIndex: v.treeIndex,
        note: { any: [1, -2.5e3, true, null, 'x"y'] },
        value: [v.value[0], i % 2 === 0 ? "0x" + BigInt(v.value[1]).toString(16) : v.value[1]],
      })),
      extra: {},
      tree: dump.tree,
      leafEncoding: dump.leafEncoding,
      format: dump.format,
    };
    expect(parseTreeJson(Buffer.from(JSON.stringify(reordered))).root).to.equal(theirs.root);
    const small = library([{ account: entries[0]!.account, cumulativeAmount: 7n }]).dump();
    const numeric = JSON.stringify(small).replace('"7"]', "7]");
    expect(parseTreeJson(Buffer.from(numeric)).root).to.equal(
      library([{ account: entries[0]!.account, cumulativeAmount: 7n }]).root,
    );
  });

  it("refuses a dump whose nodes, tree indices or values were altered", function () {
    const dump = theirs.dump();
    const node = dump.tree[5]!;
    const alteredNode = text.replace(node, node.slice(0, -1) + (node.endsWith("0") ? "1" : "0"));
    expectPoaError(() => parseTreeJson(Buffer.from(alteredNode)), "MERKLE_INVALID", /node 5 differs/);
    const v = dump.values[10]!;
    const alteredIndex = text.replace(`"treeIndex":${v.treeIndex}}`, `"treeIndex":${v.treeIndex === 400 ? 401 : 400}}`);
    expectPoaError(
      () => parseTreeJson(Buffer.from(alteredIndex)),
      "MERKLE_INVALID",
      /does not hold the tree of its values/,
    );
    const alteredAmount = text.replace(`"${v.value[1]}"]`, `"${BigInt(v.value[1]) + 1n}"]`);
    expect(alteredAmount).to.not.equal(text);
    expectPoaError(() => parseTreeJson(Buffer.from(alteredAmount)), "MERKLE_INVALID", /node \d+ differs/);
    const truncated = JSON.stringify({ ...dump, tree: dump.tree.slice(1) });
    expectPoaError(() => parseTreeJson(Buffer.from(truncated)), "MERKLE_INVALID", /798 nodes for 400 values/);
  });

  it("refuses text that is not a standard-v1 reward dump, naming the byte", async function () {
    for (const [bad, message] of [
      ["", /expected \{/],
      ["[]", /expected \{/],
      [text.slice(0, -1), /expected , or \}/],
      [text + "x", /text after the dump/],
      [text.replace("standard-v1", "simple-v1"), /format is "simple-v1"/],
      [text.replace('["address","uint256"]', '["uint256","bytes32"]'), /leafEncoding/],
      [text.replace(/"0x[0-9a-f]{64}"/, '"0x12"'), /a node is not "0x" and 64 hex digits/],
      [text.replace(/"0x[0-9a-f]{62}/, '"0x' + "zz".repeat(31)), /not a hex digit/],
      [text.replace(/"treeIndex":\d+/, '"treeIndex":-1'), /non-negative integer/],
      [text.replace(/,"treeIndex":\d+/, ""), /lacks its value or treeIndex/],
      [text.replace(/"\],"treeIndex"/, '","9"],"treeIndex"'), /a value holds an address and an amount/],
      [text.replace(/(\{"value":\["0x[0-9a-fA-F]{40}",)"\d+"/, '$1"-5"'), /the amount is not a uint256/],
      [
        JSON.stringify({ format: "standard-v1", leafEncoding: ["address", "uint256"], tree: [], values: [] }),
        /no values/,
      ],
    ] as const) {
      const error = expectPoaError(() => parseTreeJson(Buffer.from(bad), "t.json"), "MERKLE_INVALID", message);
      expect(error.message).to.match(/^t\.json /);
    }
    await expectPoaErrorAsync(readTreeJson(join(scratch(), "absent.json")), "FILE_NOT_FOUND", /cannot read/);
  });
});

describe("default shard size", function () {
  it("chooses the fewest prefix digits that keep shards at 1,024 accounts or fewer on average", function () {
    const cases: [number, number][] = [
      [1, 1],
      [16_384, 1],
      [16_385, 2],
      [100_000, 2],
      [262_144, 2],
      [262_145, 3],
      [1_000_000, 3],
      [4_194_305, 4],
      [MAX_LEAVES, 4],
    ];
    for (const [accounts, digits] of cases) expect(defaultPrefixDigits(accounts), String(accounts)).to.equal(digits);
  });
});

describe("reading a proof shard (readShardBytes)", function () {
  this.timeout(60_000);

  it("finds every account of the writer's shards by binary search, and the same in reformatted JSON", async function () {
    const entries = randomEntries(700, 95);
    const theirs = library(entries);
    const folder = join(scratch(), "proofs");
    const index = await writeProofShards(buildRewardTree(entries), folder, { prefixDigits: 1 });
    const readers = new Map(
      Object.keys(index.shards).map((name) => {
        const bytes = readFileSync(join(folder, `${name}.json`));
        const pretty = Buffer.from(JSON.stringify(JSON.parse(bytes.toString()), null, 1));
        return [name, [readShardBytes(bytes), readShardBytes(pretty)] as const];
      }),
    );
    entries.forEach((e, i) => {
      const expected = { cumulativeAmount: e.cumulativeAmount.toString(), proof: theirs.getProof(i) };
      for (const reader of readers.get(e.account[2]!.toLowerCase())!) {
        expect(reader.find(e.account), e.account).to.deep.equal(expected);
        expect(reader.find(e.account.toLowerCase())).to.deep.equal(expected);
      }
    });
    for (const [name, pair] of readers) {
      expect(pair.map((r) => r.layout)).to.deep.equal(["indexed", "json"]);
      for (const reader of pair) {
        expect(reader.accounts).to.equal(index.shards[name]!.accounts);
        expect(reader.find(`0x${name}${"0".repeat(39)}`)).to.equal(undefined);
        expect(reader.find("0x12")).to.equal(undefined);
      }
    }
  });

  it("reads keys out of order or with other spacing as JSON, and refuses what is not JSON", function () {
    const a = "0x" + "a".repeat(40);
    const b = "0x" + "b".repeat(40);
    const record = (amount: string) => ({ cumulativeAmount: amount, proof: ["0x" + "1".repeat(64)] });
    const unordered = readShardBytes(Buffer.from(JSON.stringify({ [b]: record("2"), [a]: record("1") })));
    expect(unordered.layout).to.equal("json");
    expect(unordered.find(a)).to.deep.equal(record("1"));
    expect(unordered.find(b.toUpperCase().replace("0X", "0x"))).to.deep.equal(record("2"));
    const empty = readShardBytes(Buffer.from("{}"));
    expect(empty.accounts).to.equal(0);
    expect(empty.find(a)).to.equal(undefined);
    expectPoaError(
      () => readShardBytes(Buffer.from("{not json"), "shard 7.json"),
      "MERKLE_INVALID",
      /shard 7\.json is not JSON/,
    );
    expectPoaError(() => readShardBytes(Buffer.from("[1]")), "MERKLE_INVALID", /not a JSON object of accounts/);
  });
});
