import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";
import { AbiCoder, id } from "ethers";
import { network } from "hardhat";

import {
  REFRESH_COMMAND,
  SEMVER_LOCK_FILE,
  checkSemverLock,
  codeHash,
  computeSemverLock,
  readContractArtifacts,
  type ContractArtifact,
  type SemverLock,
} from "../../scripts/lib/contract-snapshots.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The deployable protocol contracts: each must be versioned and locked. */
const PROTOCOL = [
  "DatanetRegistry",
  "FeeRouter",
  "GrantsVault",
  "L2OpenToken",
  "ModelRegistry",
  "OpenGovernor",
  "OpenTimelock",
  "OpenToken",
  "RewardDistributor",
];

/** Flips one hex digit at byte offset `at` of `hex` (0x-prefixed). */
function flipByte(hex: string, at: number): string {
  const i = 2 + at * 2;
  const digit = hex[i] === "0" ? "1" : "0";
  return hex.slice(0, i) + digit + hex.slice(i + 1);
}

describe("semver lock: version() tied to the code (snapshots/contracts/semver-lock.json)", function () {
  let artifacts: Map<string, ContractArtifact>;
  let current: SemverLock;
  let committed: SemverLock;
  const sourceOf = (name: string) => artifacts.get(name)?.sourceName ?? name;

  before(function () {
    artifacts = readContractArtifacts(root);
    current = computeSemverLock(root, artifacts);
    committed = JSON.parse(readFileSync(join(root, SEMVER_LOCK_FILE), "utf8")) as SemverLock;
  });

  it("covers every deployable contract under contracts/ (libraries are hashed with the contracts that link them)", function () {
    expect(Object.keys(current)).to.have.members(PROTOCOL);
    expect(Object.keys(committed)).to.have.members(PROTOCOL);
  });

  it("records each contract's code hash at the version() it returns", function () {
    const problems = checkSemverLock(committed, current, sourceOf);
    // One line per problem, each saying which contract and what to do.
    expect(problems.map((p) => p.message).join("\n")).to.equal("");
  });

  it("reads the version the deployed code really returns", async function () {
    const connection = await network.create();
    const coder = AbiCoder.defaultAbiCoder();
    const selector = id("version()").slice(0, 10);
    try {
      let n = 0;
      for (const [name, entry] of Object.entries(current)) {
        const address = `0x${(0xc0de00 + ++n).toString(16).padStart(40, "0")}`;
        // Runtime code as deployed; version() is pure, so unlinked libraries and unset
        // immutables (zero in the artifact) do not matter.
        const code = artifacts.get(name)!.deployedBytecode.replace(/__\$[0-9a-f]{34}\$__/g, "0".repeat(40));
        await connection.provider.request({ method: "hardhat_setCode", params: [address, code] });
        const result = (await connection.provider.request({
          method: "eth_call",
          params: [{ to: address, data: selector }, "latest"],
        })) as string;
        expect(coder.decode(["string"], result)[0], name).to.equal(entry.version);
      }
    } finally {
      await connection.close();
    }
  });

  describe("the check itself", function () {
    const locked: SemverLock = { Vault: { version: "1.2.3", codeHash: "0xaa" } };

    it("fails a contract whose code changed under the same version, and says to bump it", function () {
      const problems = checkSemverLock(locked, { Vault: { version: "1.2.3", codeHash: "0xbb" } }, () => "V.sol");
      expect(problems).to.have.length(1);
      expect(problems[0]!.kind).to.equal("notBumped");
      expect(problems[0]!.message).to.contain("Vault's code changed").and.contain("bump it in V.sol");
      expect(problems[0]!.message).to.contain(REFRESH_COMMAND);
    });

    it("fails a stale lock once the version is bumped, and says how to refresh it", function () {
      const problems = checkSemverLock(locked, { Vault: { version: "1.3.0", codeHash: "0xbb" } });
      expect(problems.map((p) => p.kind)).to.deep.equal(["stale"]);
      expect(problems[0]!.message).to.contain("stale for Vault").and.contain(REFRESH_COMMAND);
    });

    it("fails a version that goes down, a missing entry, an entry with no contract and a missing version()", function () {
      expect(checkSemverLock(locked, { Vault: { version: "1.2.2", codeHash: "0xbb" } })[0]!.kind).to.equal(
        "downgraded",
      );
      expect(checkSemverLock({}, locked).map((p) => p.kind)).to.deep.equal(["missing"]);
      expect(checkSemverLock(locked, {}).map((p) => p.kind)).to.deep.equal(["removed"]);
      expect(checkSemverLock({}, { Vault: { version: null, codeHash: "0xbb" } })[0]!.kind).to.equal("unversioned");
      expect(checkSemverLock({}, { Vault: { version: "v1", codeHash: "0xbb" } })[0]!.kind).to.equal("unversioned");
      expect(checkSemverLock(locked, locked)).to.deep.equal([]);
    });

    it("ignores the metadata trailer (NatSpec and comments) but not one byte of code", function () {
      const registry = artifacts.get("DatanetRegistry")!;
      const hash = codeHash(registry, artifacts);
      const bytecode = registry.bytecode.toLowerCase();
      // A byte inside the trailer's IPFS hash: what a comment-only edit changes.
      const trailer = bytecode.lastIndexOf("a264697066735822");
      expect(trailer).to.be.greaterThan(0);
      const natspecOnly = { ...registry, bytecode: flipByte(bytecode, (trailer - 2) / 2 + 10) };
      expect(codeHash(natspecOnly, artifacts)).to.equal(hash);
      const codeChanged = { ...registry, bytecode: flipByte(bytecode, 100) };
      expect(codeHash(codeChanged, artifacts)).to.not.equal(hash);
    });

    it("counts a change in a linked library as a change of the contract that links it", function () {
      const registry = artifacts.get("DatanetRegistry")!;
      const library = artifacts.get("DatanetVersionLogic")!;
      const changed = new Map(artifacts);
      changed.set("DatanetVersionLogic", { ...library, bytecode: flipByte(library.bytecode, 60) });
      expect(codeHash(registry, changed)).to.not.equal(codeHash(registry, artifacts));
    });
  });
});
