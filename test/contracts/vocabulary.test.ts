import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { readProjectAsts, type AstNode } from "../../scripts/lib/contract-snapshots.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Public immutables allowed besides their interface getter: OP Stack's OptimismMintableERC20
 * exposes `REMOTE_TOKEN()` next to `remoteToken()` and `l1Token()`, and the standard bridge, the
 * Optimism SDK and explorers call them by name (docs/contracts.md, "Getters").
 */
const PUBLIC_IMMUTABLE_EXCEPTIONS = ["L2OpenToken.REMOTE_TOKEN"];

/** Every node of an AST, depth first, with the contract it is in. */
function* nodes(node: unknown, contract = ""): Generator<{ node: AstNode; contract: string }> {
  if (Array.isArray(node)) {
    for (const child of node) yield* nodes(child, contract);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const n = node as AstNode;
  const inContract = n.nodeType === "ContractDefinition" ? String(n.name) : contract;
  if (typeof n.nodeType === "string") yield { node: n, contract: inContract };
  for (const value of Object.values(n)) if (typeof value === "object") yield* nodes(value, inContract);
}

type Declaration = { kind: "error" | "event"; name: string; signature: string; where: string };

/** Error and event declarations of the sources, with their canonical signatures. */
function declarations(asts: Map<string, AstNode>): Declaration[] {
  const out: Declaration[] = [];
  for (const [source, ast] of asts) {
    for (const { node, contract } of nodes(ast)) {
      if (node.nodeType !== "ErrorDefinition" && node.nodeType !== "EventDefinition") continue;
      const parameters = (node.parameters as { parameters: { typeDescriptions: { typeString: string } }[] }).parameters;
      const types = parameters.map((p) => canonical(p.typeDescriptions.typeString));
      out.push({
        kind: node.nodeType === "ErrorDefinition" ? "error" : "event",
        name: String(node.name),
        signature: `${String(node.name)}(${types.join(",")})`,
        where: `${source.replace(/^project\//, "")}:${contract}`,
      });
    }
  }
  return out;
}

/** solc type strings to ABI types, enough to tell signatures apart (structs and enums by name). */
function canonical(typeString: string): string {
  return typeString.replace(/^contract \S+$/, "address").replace(/ (storage|memory|calldata)( pointer| ref)?/g, "");
}

/** Names declared with more than one signature: each is two meanings under one name. */
function collisions(decls: Declaration[]): string[] {
  const byName = new Map<string, Map<string, string[]>>();
  for (const d of decls) {
    const key = `${d.kind} ${d.name}`;
    const signatures = byName.get(key) ?? new Map<string, string[]>();
    signatures.set(d.signature, [...(signatures.get(d.signature) ?? []), d.where]);
    byName.set(key, signatures);
  }
  return [...byName]
    .filter(([, signatures]) => signatures.size > 1)
    .map(
      ([key, signatures]) => `${key}: ${[...signatures].map(([s, where]) => `${s} in ${where.join(", ")}`).join("; ")}`,
    );
}

/** Errors or events of one name declared in more than one place (one meaning, declared twice). */
function duplicates(decls: Declaration[]): string[] {
  const places = new Map<string, Set<string>>();
  for (const d of decls)
    places.set(`${d.kind} ${d.signature}`, (places.get(`${d.kind} ${d.signature}`) ?? new Set()).add(d.where));
  return [...places].filter(([, where]) => where.size > 1).map(([key, where]) => `${key} in ${[...where].join(", ")}`);
}

describe("one contract vocabulary (docs/contracts.md)", function () {
  let asts: Map<string, AstNode>;
  let decls: Declaration[];

  before(function () {
    asts = readProjectAsts(root);
    decls = declarations(asts);
  });

  it("reads every protocol source, interfaces included", function () {
    expect([...asts.keys()]).to.include.members([
      "project/contracts/interfaces/IErrors.sol",
      "project/contracts/interfaces/IDatanetRegistry.sol",
      "project/contracts/datanet/DatanetRegistry.sol",
      "project/contracts/distributor/RewardDistributor.sol",
    ]);
    expect(decls.filter((d) => d.kind === "error").length).to.be.greaterThan(50);
  });

  it("gives each error and event name one signature across all contracts", function () {
    expect(collisions(decls)).to.deep.equal([]);
  });

  it("declares each error and event once (shared meanings live in IErrors)", function () {
    expect(duplicates(decls)).to.deep.equal([]);
  });

  it("checks roles one way: onlyRole (AccessControlUnauthorizedAccount), never a hand-written hasRole check", function () {
    const calls: string[] = [];
    for (const [source, ast] of asts) {
      for (const { node, contract } of nodes(ast)) {
        if (node.nodeType !== "FunctionCall") continue;
        const callee = node.expression as AstNode;
        const name = callee.nodeType === "Identifier" ? callee.name : callee.memberName;
        if (name === "hasRole") calls.push(`${source.replace(/^project\//, "")}:${contract}`);
      }
    }
    expect(calls).to.deep.equal([]);
  });

  it("keeps immutables internal, read through one documented interface getter each", function () {
    const exposed: string[] = [];
    for (const [, ast] of asts) {
      for (const { node, contract } of nodes(ast)) {
        if (
          node.nodeType === "VariableDeclaration" &&
          node.mutability === "immutable" &&
          node.visibility === "public"
        ) {
          exposed.push(`${contract}.${String(node.name)}`);
        }
      }
    }
    expect(exposed).to.have.members(PUBLIC_IMMUTABLE_EXCEPTIONS);
  });

  describe("the checks themselves", function () {
    const decl = (kind: "error" | "event", signature: string, where: string): Declaration => ({
      kind,
      name: signature.slice(0, signature.indexOf("(")),
      signature,
      where,
    });

    it("catch one name with two signatures, as ZeroAddress() and ZeroAddress(string) once were", function () {
      const found = collisions([
        decl("error", "ZeroAddress()", "A.sol:A"),
        decl("error", "ZeroAddress(string)", "B.sol:B"),
        decl("event", "ZeroAddress(address)", "B.sol:B"),
      ]);
      expect(found).to.deep.equal(["error ZeroAddress: ZeroAddress() in A.sol:A; ZeroAddress(string) in B.sol:B"]);
    });

    it("catch one signature declared in two places", function () {
      const found = duplicates([
        decl("error", "ZeroAmount()", "IA.sol:IA"),
        decl("error", "ZeroAmount()", "IB.sol:IB"),
      ]);
      expect(found).to.deep.equal(["error ZeroAmount() in IA.sol:IA, IB.sol:IB"]);
    });

    it("map solc type strings to the ABI types that make a selector", function () {
      expect(canonical("contract IERC20")).to.equal("address");
      expect(canonical("string memory")).to.equal("string");
      expect(canonical("struct IDatanetRegistry.Bounds memory")).to.equal("struct IDatanetRegistry.Bounds");
      expect(canonical("uint256")).to.equal("uint256");
    });
  });
});
