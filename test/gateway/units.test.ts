/**
 * The gateway's pure parts: the fee (against the FeeRouter's own `quote` on Hardhat's in-process
 * network), terms in force, the byte-budget LRU, stop sequences, token limits, the chat
 * rendering, request parsing, the key-binding message and its signature check, the artifact URI
 * rule and the manifest check.
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import { deployDatanetRegistry } from "../../deploy/datanets.js";
import { deployRewardDistributor } from "../../deploy/distributor.js";
import { commitAndRegisterModel, deployFeeRouter, deployModelRegistry } from "../../deploy/models.js";
import { deployL2OpenToken, deployOpenToken } from "../../deploy/tokens.js";
import { PoaError } from "../../src/core/errors.js";
import { commitAndSubmit } from "../../src/datanet/submit.js";
import {
  apiKeyHash,
  API_KEY_PATTERN,
  artifactCid,
  ByteLru,
  checkManifest,
  feeUp,
  keyBindingMessage,
  limitTokens,
  newApiKey,
  parseChatRequest,
  parseCompletionRequest,
  renderChat,
  StopScanner,
  termsAt,
  verifyKeyBinding,
  type ModelInfo,
} from "../../src/gateway/index.js";
import { countTokens } from "../../src/factory/index.js";
import { Random } from "../../src/attribution/random.js";
import { expectPoaError } from "../support/errors.js";

describe("gateway units", function () {
  it("feeUp equals the FeeRouter's quote (Hardhat in-process network, the real contracts) on random prices and token counts", async function () {
    this.timeout(120_000);
    const { ethers, networkHelpers } = await network.create({ network: "hardhatOp", chainType: "op" });
    const [deployer] = await ethers.getSigners();
    const l1 = await deployOpenToken(deployer!, deployer!.address);
    const open = await deployL2OpenToken(deployer!, await l1.getAddress());
    const datanets = await deployDatanetRegistry(deployer!, {
      token: await open.getAddress(),
      treasury: deployer!.address,
      governance: deployer!.address,
      guardian: deployer!.address,
    });
    const latest = await ethers.provider.getBlock("latest");
    const distributor = await deployRewardDistributor(deployer!, {
      admin: deployer!.address,
      open: await open.getAddress(),
      genesis: BigInt(latest!.timestamp),
      epochLength: 86_400n,
      challengeWindow: 3_600n,
      settlerBond: 10n ** 16n,
      challengerBond: 10n ** 16n, // MIN_CHALLENGER_BOND (RewardDistributor 3.0.0, I-2)
    });
    const registry = await deployModelRegistry(deployer!, {
      datanets: await datanets.getAddress(),
      admin: deployer!.address,
      guardian: deployer!.address,
    });
    const router = await deployFeeRouter(deployer!, {
      token: await open.getAddress(),
      registry: await registry.getAddress(),
      distributor: await distributor.getAddress(),
      treasury: deployer!.address,
      admin: deployer!.address,
      guardian: deployer!.address,
    });
    // A published version to register models against.
    await networkHelpers.impersonateAccount("0x4200000000000000000000000000000000000010");
    await networkHelpers.setBalance("0x4200000000000000000000000000000000000010", 10n ** 18n);
    const bridge = await ethers.getSigner("0x4200000000000000000000000000000000000010");
    await (await open.connect(bridge).mint(deployer!.address, 10n ** 24n)).wait();
    await (await open.approve(await datanets.getAddress(), 10n ** 24n)).wait();
    await (
      await datanets.createDatanet(0, "ipfs://d", {
        minStake: 10n ** 18n,
        dailyByteCap: 1_000_000n,
        bondPeriod: 86_400n,
        slashBps: 1_000n,
        quorum: 1n,
        reviewPeriod: 86_400n,
      })
    ).wait();
    await (await datanets.appointCurator(1n, deployer!.address)).wait();
    await (await datanets.depositCuratorBond(1n, 1_000n * 10n ** 18n)).wait();
    const hash = `0x${"11".repeat(32)}`;
    await commitAndSubmit(datanets, {
      datanetId: 1n,
      contentHash: hash,
      uri: "ipfs://c",
      sizeBytes: 10n,
      stake: 10n ** 18n,
    });
    const [other] = (await ethers.getSigners()).slice(1);
    await (await datanets.appointCurator(1n, other!.address)).wait();
    await (await open.transfer(other!.address, 2_000n * 10n ** 18n)).wait();
    await (await open.connect(other!).approve(await datanets.getAddress(), 2_000n * 10n ** 18n)).wait();
    await (await datanets.connect(other!).depositCuratorBond(1n, 1_000n * 10n ** 18n)).wait();
    await (await datanets.connect(other!).vote(1n, true)).wait();
    const { rootOfMembers } = await import("../../src/factory/index.js");
    await (await datanets.publishVersion(1n, rootOfMembers([{ id: 1n, contentHash: hash }]), 1n, "ipfs://v")).wait();
    const random = new Random(17);
    const draw = (bits: number) => {
      let v = 0n;
      for (let b = 0; b < bits; b += 16) v = (v << 16n) | BigInt(Math.floor(random.next() * 65_536));
      return v & ((1n << BigInt(bits)) - 1n);
    };
    for (let i = 0; i < 12; i++) {
      const prices = {
        pricePerKInput: draw(i % 3 === 0 ? 10 : 70),
        pricePerKOutput: draw(i % 4 === 0 ? 8 : 70) + 1n,
        effectiveAt: 0n,
      };
      await commitAndRegisterModel(registry, {
        baseModelId: 0n,
        artifactHash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        metadataURI: "ipfs://m",
        trainedOn: [{ datanetId: 1n, version: 1n }],
        attributionMethod: 0n,
        pricePerKInput: prices.pricePerKInput,
        pricePerKOutput: prices.pricePerKOutput,
        ownerBps: 3_000n,
        stakersBps: 2_000n,
        contributorsBps: 5_000n,
      });
      for (const [tin, tout] of [
        [1n, 0n],
        [0n, 1n],
        [draw(20), draw(12)],
        [draw(40), draw(40)],
      ] as const) {
        const [quoted] = await router.quote(BigInt(i + 1), tin, tout);
        expect(feeUp(prices, tin, tout), `model ${i + 1} ${tin}/${tout}`).to.equal(quoted);
      }
    }
  });

  it("terms in force: the scheduled ones from their effectiveAt on, never before", function () {
    const current = { pricePerKInput: 1n, pricePerKOutput: 2n, effectiveAt: 0n };
    const scheduled = { pricePerKInput: 5n, pricePerKOutput: 6n, effectiveAt: 1_000n };
    expect(termsAt(current, undefined, 10_000n)).to.equal(current);
    expect(termsAt(current, scheduled, 999n)).to.equal(current);
    expect(termsAt(current, scheduled, 1_000n)).to.equal(scheduled);
    expect(termsAt(current, scheduled, 1_001n)).to.equal(scheduled);
  });

  it("the LRU evicts least recently used entries to fit the budget, keeping the entry just inserted", function () {
    const lru = new ByteLru<string, number>(100);
    expect(lru.set("a", 1, 40)).to.deep.equal([]);
    expect(lru.set("b", 2, 40)).to.deep.equal([]);
    lru.get("a"); // a is now the most recently used
    expect(lru.set("c", 3, 40)).to.deep.equal(["b"]);
    expect(lru.keys()).to.deep.equal(["a", "c"]);
    expect(lru.bytes).to.equal(80);
    expect(lru.set("huge", 4, 500)).to.deep.equal(["a", "c"]);
    expect(lru.keys()).to.deep.equal(["huge"]);
    expect(lru.evictions).to.equal(3);
    expect(lru.set("d", 5, 10)).to.deep.equal(["huge"]);
    expect(() => new ByteLru(0)).to.throw(RangeError);
  });

  it("stop sequences: the text is cut at the first one, even across pieces, and nothing of it is emitted", function () {
    const s = new StopScanner(["END", "\n\n"]);
    const out = ["Hello E", "N", "D world"].map((p) => s.push(p)).join("") + s.end();
    expect(out).to.equal("Hello ");
    expect(s.stopped).to.equal(true);
    const t = new StopScanner(["zz"]);
    expect(["ab", "cz", "d"].map((p) => t.push(p)).join("") + t.end()).to.equal("abczd");
    expect(t.stopped).to.equal(false);
    const none = new StopScanner([]);
    expect(none.push("abc")).to.equal("abc");
  });

  it("limitTokens cuts at a token boundary so the count is exactly the limit", function () {
    const text = "Hello, world! This is a test of the limit.";
    const cut = limitTokens(text, 5);
    expect(cut.cut).to.equal(true);
    expect(countTokens(cut.text)).to.equal(5);
    expect(cut.text).to.equal("Hello, world! This");
    expect(limitTokens(text, 100)).to.deep.equal({ text, cut: false });
  });

  it("a chat renders as one line per message, `role: content`", function () {
    expect(
      renderChat([
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hi" },
      ]),
    ).to.equal("system: Be brief.\nuser: Hi");
    const parsed = parseChatRequest({
      model: "3",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Hello " },
            { type: "text", text: "there" },
          ],
        },
      ],
      max_completion_tokens: 12,
    });
    expect(parsed.prompt).to.equal("user: Hello there");
    expect(parsed.sampling.maxTokens).to.equal(12);
    expect(parsed.promptTokens).to.equal(countTokens("user: Hello there"));
  });

  it("request parsing refuses what the engine cannot honour, naming the parameter", function () {
    const e = expectPoaError(() => parseCompletionRequest({ model: "1", prompt: "x", top_p: 0 }), "REQUEST_INVALID");
    expect(e.details.param).to.equal("top_p");
    expect(
      expectPoaError(() => parseCompletionRequest({ model: "1", prompt: ["a", "b"] }), "REQUEST_INVALID").details.param,
    ).to.equal("prompt");
    expect(
      expectPoaError(() => parseCompletionRequest({ model: "1", prompt: "x", stream: "yes" }), "REQUEST_INVALID")
        .details.param,
    ).to.equal("stream");
    expect(
      expectPoaError(
        () => parseChatRequest({ model: "1", messages: [{ role: "wizard", content: "x" }] }),
        "REQUEST_INVALID",
      ).message,
    ).to.match(/role must be one of/);
    const ok = parseCompletionRequest({ model: " 7 ", prompt: ["hello"], seed: -1, stop: "x", max_fee: "123" });
    expect(ok).to.deep.include({ model: "7", prompt: "hello", maxFee: 123n });
    expect(ok.sampling).to.deep.include({ seed: 0xffffffff, stop: ["x"], maxTokens: 64, temperature: 1 });
  });

  it("the key-binding message is exactly the documented text, and only the account's signature of it binds", async function () {
    const wallet = new Wallet(`0x${"42".repeat(32)}`);
    const key = newApiKey();
    expect(key).to.match(API_KEY_PATTERN);
    const binding = {
      action: "bind" as const,
      gateway: "0x14dc79964da2c08b23698b3d3cc7ca32193d9955",
      chainId: 901,
      account: wallet.address,
      keyHash: apiKeyHash(key),
    };
    expect(keyBindingMessage(binding)).to.equal(
      [
        "OpenLedger PoA gateway: bind an API key to my account",
        "Gateway: 0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "Chain: 901",
        `Account: ${wallet.address}`,
        `Key hash: ${apiKeyHash(key)}`,
      ].join("\n"),
    );
    const signature = await wallet.signMessage(keyBindingMessage(binding));
    expect(verifyKeyBinding(binding, signature)).to.equal(wallet.address);
    expectPoaError(() => verifyKeyBinding({ ...binding, chainId: 902 }, signature), "API_KEY_SIGNATURE_INVALID");
    expectPoaError(() => verifyKeyBinding({ ...binding, action: "revoke" }, signature), "API_KEY_SIGNATURE_INVALID");
    expectPoaError(() => verifyKeyBinding(binding, "0x1234"), "API_KEY_SIGNATURE_INVALID");
  });

  it("the artifact URI rule: ipfs://<CIDv1> only", function () {
    const cid = "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4";
    expect(artifactCid(`ipfs://${cid}`, 1n)).to.equal(cid);
    for (const uri of [
      "",
      "ipfs://",
      "https://x/y",
      `ipfs://${cid}/file`,
      "ipfs://QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",
    ])
      expectPoaError(() => artifactCid(uri, 1n), "ARTIFACT_URI_INVALID");
  });

  it("the manifest check: kind, base, attribution method and trained-on versions must match the registration", function () {
    const info = (over: Partial<ModelInfo>): ModelInfo => ({
      id: 5n,
      status: "active",
      owner: "0x0000000000000000000000000000000000000001",
      baseModelId: 1n,
      attribution: "spans",
      artifactHash: `0x${"ab".repeat(32)}`,
      metadataURI: "",
      trainedOn: [{ datanetId: 2n, version: 1n }],
      terms: { pricePerKInput: 1n, pricePerKOutput: 1n, effectiveAt: 0n },
      scheduled: undefined,
      readAt: 0,
      ...over,
    });
    const base = info({ id: 1n, baseModelId: 0n, artifactHash: `0x${"cd".repeat(32)}` });
    const manifest = {
      kind: "text-adapter",
      attribution: "spans",
      base: { artifactHash: base.artifactHash },
      trainedOn: [{ datanetId: "2", version: "1" }],
    };
    expect(checkManifest(info({}), manifest, base)).to.equal("text-adapter");
    const refused = (m: Record<string, unknown>, i: ModelInfo, b?: ModelInfo) => {
      try {
        checkManifest(i, m, b);
      } catch (error) {
        expect(error).to.be.instanceOf(PoaError);
        return (error as PoaError).message;
      }
      throw new Error("not refused");
    };
    expect(refused({ ...manifest, base: { artifactHash: `0x${"ef".repeat(32)}` } }, info({}), base)).to.match(
      /trained over base/,
    );
    expect(refused({ ...manifest, attribution: "influence" }, info({}), base)).to.match(/attribution method/);
    expect(refused({ ...manifest, trainedOn: [{ datanetId: "3", version: "1" }] }, info({}), base)).to.match(
      /trained on 3\/1/,
    );
    expect(refused({ ...manifest, kind: "text-base" }, info({}), base)).to.match(/registered as an adapter/);
    expect(refused(manifest, info({ baseModelId: 0n }))).to.match(/registered as a base model/);
  });
});
