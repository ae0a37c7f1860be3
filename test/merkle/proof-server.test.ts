import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";

import { toChecksumAddress } from "../../src/core/address.js";
import {
  buildRewardTree,
  LEAF_ENCODING,
  writeProofShards,
  writeTreeJson,
  type RewardEntry,
  type RewardTree,
} from "../../src/merkle/index.js";
import { startProofServer, type ProofServer } from "../../src/settlement/proofs.js";
import { expectPoaErrorAsync } from "../support/errors.js";
import { library, randomEntries } from "./entries.js";
import { tempDir } from "../support/temp.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One real HTTP request (a fresh connection, no agent). */
function call(url: string, path: string, method = "GET", body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const entries: RewardEntry[] = randomEntries(600, 77);
const tree: RewardTree = buildRewardTree(entries);
const theirs = library(entries);

function expectProof(reply: Reply, i: number, epoch: number): void {
  expect(reply.status, reply.body).to.equal(200);
  expect(reply.headers["content-type"]).to.equal("application/json; charset=utf-8");
  const e = entries[i]!;
  expect(JSON.parse(reply.body)).to.deep.equal({
    account: toChecksumAddress(e.account),
    cumulativeAmount: e.cumulativeAmount.toString(),
    proof: theirs.getProof(i),
    root: theirs.root,
    epoch,
  });
  const answer = JSON.parse(reply.body) as { account: string; cumulativeAmount: string; proof: string[]; root: string };
  expect(
    StandardMerkleTree.verify(answer.root, [...LEAF_ENCODING], [answer.account, answer.cumulativeAmount], answer.proof),
  ).to.equal(true);
}

function expectError(reply: Reply, status: number, code: string, message?: RegExp): void {
  expect(reply.status, reply.body).to.equal(status);
  expect(reply.headers["content-type"]).to.equal("application/json; charset=utf-8");
  const body = JSON.parse(reply.body) as { error: { code: string; message: string } };
  expect(body.error.code).to.equal(code);
  if (message !== undefined) expect(body.error.message).to.match(message);
}

const SOURCES = { tree: "an in-memory tree", treeFile: "a tree.json", shards: "a shard folder" } as const;

for (const source of ["tree", "treeFile", "shards"] as const) {
  describe(`proof server over HTTP (${SOURCES[source]})`, function () {
    this.timeout(60_000);
    let server: ProofServer;
    let folder = "";

    before(async function () {
      folder = tempDir("poa-proofs-");
      await writeProofShards(tree, join(folder, "proofs"));
      await writeTreeJson(tree, join(folder, "tree.json"));
      server = await startProofServer({
        ...(source === "tree"
          ? { tree }
          : source === "treeFile"
            ? { treeFile: join(folder, "tree.json") }
            : { shards: join(folder, "proofs") }),
        root: theirs.root,
        epoch: 12,
        port: 0,
      });
    });
    after(async function () {
      await server.close();
    });

    it("answers GET /proof/<account> with the library's proof, for the account in any case", async function () {
      expect(server.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      for (const i of [0, 1, 2, 299, 599]) {
        const a = entries[i]!.account;
        expectProof(await call(server.url, `/proof/${a.toLowerCase()}`), i, 12);
        expectProof(await call(server.url, `/proof/${toChecksumAddress(a)}`), i, 12);
        expectProof(await call(server.url, `/proof/0x${a.slice(2).toUpperCase()}?fresh=1`), i, 12);
      }
    });

    it("404 with a JSON error for an account without a leaf", async function () {
      const absent = "0x" + "00".repeat(19) + "01";
      expect(tree.find(absent)).to.equal(undefined);
      expectError(await call(server.url, `/proof/${absent}`), 404, "NOT_FOUND", /has no leaf in the tree of epoch 12/);
      // An account in a shard that exists (same prefix as a real one) but is not in it.
      const near = entries[0]!.account.slice(0, 4).toLowerCase() + "f".repeat(38);
      if (tree.find(near) === undefined) expectError(await call(server.url, `/proof/${near}`), 404, "NOT_FOUND");
    });

    it("400 for a malformed address or a bad EIP-55 checksum", async function () {
      for (const bad of [
        "0x12",
        "0x" + "g".repeat(40),
        "12".repeat(21),
        "0x" + "ab".repeat(21),
        "%30x" + "ab".repeat(20),
      ]) {
        expectError(await call(server.url, `/proof/${bad}`), 400, "INVALID_ADDRESS", /is not an address/);
      }
      const checksummed = toChecksumAddress(entries[4]!.account);
      const flipped = checksummed.replace(/[a-f]/, (c) => c.toUpperCase());
      expect(flipped).to.not.equal(checksummed);
      expectError(await call(server.url, `/proof/${flipped}`), 400, "INVALID_ADDRESS", /wrong EIP-55 checksum/);
    });

    it("404 for any other path, 405 for any other method, HEAD without a body", async function () {
      const a = entries[3]!.account;
      for (const path of ["/", "/proof", "/proof/", `/proof/${a}/x`, `/proofs/${a}`, `/PROOF/${a}`, "/index.json"]) {
        expectError(await call(server.url, path), 404, "NOT_FOUND", /ask GET \/proof\/<account>/);
      }
      for (const method of ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const reply = await call(server.url, `/proof/${a}`, method, method === "OPTIONS" ? undefined : "{}");
        expectError(reply, 405, "METHOD_NOT_ALLOWED", /read-only/);
        expect(reply.headers.allow).to.equal("GET, HEAD");
      }
      const head = await call(server.url, `/proof/${a}`, "HEAD");
      expect(head.status).to.equal(200);
      expect(head.body).to.equal("");
      expect(Number(head.headers["content-length"])).to.be.greaterThan(100);
    });

    it("listens on the given host only", async function () {
      expect(await accepts("127.0.0.1", server.port)).to.equal(true);
      expect(await accepts("127.0.0.2", server.port)).to.equal(false);
    });
  });
}

describe("proof server: refusals at start, shard integrity, closing", function () {
  this.timeout(60_000);

  it("refuses a root that is not the tree's or the shards', no source or two, a bad epoch or port", async function () {
    const folder = join(tempDir("poa-proofs-"), "proofs");
    await writeProofShards(tree, folder);
    const other = "0x" + "11".repeat(32);
    await expectPoaErrorAsync(
      startProofServer({ tree, root: other, epoch: 1 }),
      "INTEGRITY_MISMATCH",
      /is not the root to serve/,
    );
    await expectPoaErrorAsync(
      startProofServer({ shards: folder, root: other, epoch: 1 }),
      "INTEGRITY_MISMATCH",
      /are for root/,
    );
    await expectPoaErrorAsync(startProofServer({ root: tree.root, epoch: 1 }), "INVALID_VALUE", /needs one source/);
    await expectPoaErrorAsync(
      startProofServer({ tree, shards: folder, root: tree.root, epoch: 1 }),
      "INVALID_VALUE",
      /needs one source/,
    );
    await expectPoaErrorAsync(startProofServer({ tree, root: "0x12", epoch: 1 }), "MERKLE_INVALID", /root 0x12/);
    for (const epoch of [-1, 1.5, 2n ** 60n]) {
      await expectPoaErrorAsync(startProofServer({ tree, root: tree.root, epoch }), "INVALID_VALUE", /epoch/);
    }
    await expectPoaErrorAsync(
      startProofServer({ tree, root: tree.root, epoch: 1, port: 70000 }),
      "INVALID_VALUE",
      /port/,
    );
    await expectPoaErrorAsync(
      startProofServer({ shards: join(folder, "missing"), root: tree.root, epoch: 1 }),
      "FILE_NOT_FOUND",
      /index/,
    );
  });

  it("refuses a port in use", async function () {
    const first = await startProofServer({ tree, root: tree.root, epoch: 1 });
    try {
      await expectPoaErrorAsync(
        startProofServer({ tree, root: tree.root, epoch: 1, port: first.port }),
        "PORT_IN_USE",
        /already in use/,
      );
    } finally {
      await first.close();
    }
  });

  it("refuses to serve an altered or damaged shard, and says when a shard cannot be read", async function () {
    const folder = join(tempDir("poa-proofs-"), "proofs");
    await writeProofShards(tree, folder, { prefixDigits: 1 });
    const byShard = (digit: string) => entries.findIndex((e) => e.account[2]!.toLowerCase() === digit);
    const [altered, damaged, missing, fine] = ["a", "b", "c", "d"].map(byShard) as [number, number, number, number];
    const shardFile = (i: number) => join(folder, `${entries[i]!.account[2]!.toLowerCase()}.json`);
    // Raise one account's amount by one: its proof no longer leads to the root.
    const shard = JSON.parse(readFileSync(shardFile(altered), "utf8")) as Record<string, { cumulativeAmount: string }>;
    const key = entries[altered]!.account.toLowerCase();
    shard[key]!.cumulativeAmount = (BigInt(shard[key]!.cumulativeAmount) + 1n).toString();
    writeFileSync(shardFile(altered), JSON.stringify(shard));
    writeFileSync(shardFile(damaged), "{not json");
    rmSync(shardFile(missing));
    const server = await startProofServer({ shards: folder, root: tree.root, epoch: 3 });
    try {
      expectError(await call(server.url, `/proof/${key}`), 500, "INTEGRITY_MISMATCH", /does not lead to root/);
      expectError(await call(server.url, `/proof/${entries[damaged]!.account}`), 500, "INTEGRITY_MISMATCH", /not JSON/);
      const unread = await call(server.url, `/proof/${entries[missing]!.account}`);
      expectError(unread, 503, "CANNOT_CHECK", /cannot be read \(ENOENT\)/);
      expect(unread.body).to.not.contain(folder); // no local path leaks to clients
      expectProof(await call(server.url, `/proof/${entries[fine]!.account}`), fine, 3);
    } finally {
      await server.close();
    }
  });

  it("keeps shards within the cache budget: an evicted shard is read again", async function () {
    const first = entries.findIndex((e) => e.account[2]!.toLowerCase() === "1");
    const second = entries.findIndex((e) => e.account[2]!.toLowerCase() === "2");
    for (const [cacheBytes, servedAfterDelete] of [
      [1 << 30, true],
      [1, false],
    ] as const) {
      const folderCopy = join(tempDir("poa-proofs-"), "proofs");
      await writeProofShards(tree, folderCopy, { prefixDigits: 1 });
      const server = await startProofServer({ shards: folderCopy, root: tree.root, epoch: 3, cacheBytes });
      try {
        expectProof(await call(server.url, `/proof/${entries[first]!.account}`), first, 3);
        expectProof(await call(server.url, `/proof/${entries[second]!.account}`), second, 3);
        rmSync(join(folderCopy, "1.json"));
        const again = await call(server.url, `/proof/${entries[first]!.account}`);
        if (servedAfterDelete) expectProof(again, first, 3);
        else expectError(again, 503, "CANNOT_CHECK");
      } finally {
        await server.close();
      }
    }
  });

  it("close() ends open keep-alive connections and stops listening", async function () {
    const server = await startProofServer({ tree, root: tree.root, epoch: 1 });
    const socket = connect({ host: "127.0.0.1", port: server.port });
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    socket.write(`GET /proof/${entries[0]!.account} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once("data", () => resolve()));
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await server.close();
    await ended;
    expect(await accepts("127.0.0.1", server.port)).to.equal(false);
  });
});
