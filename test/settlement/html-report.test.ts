/**
 * `poa report` (library) on a real settlement, checked in a real browser: a devnet with real data
 * and a trained model (test/support/protocol-fixture.ts), epoch 0 settled, verified and finalized
 * with the library, one contributor's claim, then the page rendered and opened in headless
 * Chromium (the binary inside the npm package @sparticuz/chromium, driven by playwright-core).
 * What the page shows is compared with the settlement's own files; every request the page makes
 * is recorded (only the file itself is allowed) and the console must stay free of errors.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

import chromium from "@sparticuz/chromium";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { chromium as playwright, type Browser } from "playwright-core";

import { formatOpen } from "../../src/core/amount.js";
import { keccakHex } from "../../src/core/hash.js";
import { advanceL2Time, advanceL2TimeTo } from "../../src/devnet/time.js";
import {
  echartsLibrary,
  loadSettlementFolder,
  readClaims,
  renderHtmlReport,
  writeHtmlReport,
  type ClaimsInput,
  type SettlementFolder,
} from "../../src/settlement/html-report.js";
import { epochEnd, settle } from "../../src/settlement/pipeline.js";
import { verifyEpoch } from "../../src/settlement/verify.js";
import { distributorOf, startProtocol, type ProtocolFixture } from "../support/protocol-fixture.js";

/** Launches the Chromium shipped in @sparticuz/chromium (unpacked on first use; no download). */
async function launchChromium(): Promise<Browser> {
  const args = [...chromium.args, "--disable-background-networking"];
  if (process.getuid?.() === 0 && !args.includes("--no-sandbox")) args.push("--no-sandbox");
  return playwright.launch({ executablePath: await chromium.executablePath(), args });
}

describe("poa report (library): a real settlement as one offline HTML page, checked in headless Chromium", function () {
  this.timeout(600_000);
  let f: ProtocolFixture;
  let folder: string;
  let loaded: SettlementFolder;
  let claims: ClaimsInput;
  let claimer: string;

  before(async function () {
    f = await startProtocol({ requests: 6 });
    const options = {
      context: f.context,
      record: f.record,
      store: f.storeDir,
      content: f.contentDir,
      out: join(f.dir, "settlement"),
      records: [f.recordsFile],
      confirmations: 1,
      pollMs: 100,
    };
    const distributor = distributorOf(f);
    const clock = { genesis: await distributor.genesis(), epochLength: await distributor.epochLength() };
    await advanceL2TimeTo(f.net.addresses.l2Rpc, f.net.addresses.l2ChainId, epochEnd(clock, 0n) + 5n, 3);
    const proposed = await settle({ ...options, wait: false });
    folder = proposed.folder;
    await advanceL2Time(
      f.net.addresses.l2Rpc,
      f.net.addresses.l2ChainId,
      (await distributor.challengeWindow()) + 5n,
      3,
    );
    expect((await settle(options)).outcome).to.equal("finalized");

    // One contributor claims its cumulative amount with the published proof.
    const tree = StandardMerkleTree.load(JSON.parse(readFileSync(join(folder, "tree.json"), "utf8")));
    for (const [i, [account, amount]] of tree.entries()) {
      if (!f.contributors.includes(account as string)) continue;
      const signer = f.contributors.indexOf(account as string) + 1;
      await (await distributorOf(f, signer).claim(account, amount, tree.getProof(i))).wait();
      claimer = account as string;
      break;
    }
    loaded = loadSettlementFolder(folder, 0n);
    claims = await readClaims(f.provider, loaded.report, f.net.addresses.l2ChainId);
  });

  after(async function () {
    await f?.stop();
    // Keep the settlement folder and the screenshot (their paths are printed); drop the chain and stores.
    if (f !== undefined)
      for (const sub of ["devnet", "store", "content", "verifier"])
        rmSync(join(f.dir, sub), { recursive: true, force: true });
  });

  it("the settlement's report names the fee parts and every credited contribution's contributor", function () {
    const { report } = loaded;
    const fees = report.fees!;
    expect(fees.requests).to.equal(6);
    expect(BigInt(fees.platform) + BigInt(fees.owner) + BigInt(fees.stakers) + BigInt(fees.contributors)).to.equal(
      BigInt(fees.fee),
    );
    const pools = report.models.reduce(
      (s, m) => ({
        stakers: s.stakers + BigInt(m.pools.stakers),
        contributors: s.contributors + BigInt(m.pools.contributors),
      }),
      { stakers: 0n, contributors: 0n },
    );
    expect({ stakers: BigInt(fees.stakers), contributors: BigInt(fees.contributors) }).to.deep.equal(pools);
    const credited = new Set(loaded.breakdown.flatMap((l) => l.spans.flatMap((s) => s.contributions)));
    expect(credited.size).to.be.greaterThan(0);
    expect(Object.keys(report.contributions!).sort()).to.deep.equal([...credited].sort());
    for (const c of Object.values(report.contributions!)) expect(f.contributors).to.include(c.contributor);
    expect(claims.claimed.get(claimer)).to.equal(BigInt(report.accounts[claimer]!.cumulative));
  });

  it("gives identical bytes for identical inputs, and different bytes when an input differs", async function () {
    const chart = echartsLibrary();
    const input = { ...loaded, chart, verified: true, claims };
    const once = renderHtmlReport(input);
    expect(renderHtmlReport({ ...input })).to.equal(once);
    const again = loadSettlementFolder(folder, 0n);
    expect(renderHtmlReport({ ...again, chart, verified: true, claims })).to.equal(once);
    expect(renderHtmlReport({ ...loaded, chart, claims })).to.not.equal(once);
    const out = join(f.dir, "twice.html");
    writeHtmlReport({ folder, out, verified: true, claims });
    expect(readFileSync(out, "utf8")).to.equal(once);
    // No clock in the page: neither today's date nor a time of day from now.
    expect(once).to.not.contain(new Date().toISOString().slice(0, 10));
    // Offline by construction: no tag outside the inlined scripts points anywhere, no script has
    // a src, and a policy forbids fetching anything.
    const markup = once.replace(/(<script[^>]*>)[\s\S]*?<\/script>/g, "$1</script>");
    expect(markup.match(/<script[^>]*>/g)).to.deep.equal([
      "<script>",
      '<script type="application/json" id="report-data">',
      "<script>",
    ]);
    expect(markup).to.not.match(/<[a-z]+[^>]+(?:src|href)="(?!data:|#)/);
    expect(once).to.contain(`default-src 'none'`);
  });

  it("refuses a breakdown whose span is not the output's text, even with the hashes rewritten to match", function () {
    const copy = join(f.dir, "tampered-span");
    cpSync(folder, copy, { recursive: true });
    const lines = readFileSync(join(copy, "breakdown.jsonl"), "utf8").trimEnd().split("\n");
    const i = lines.findIndex((l) => (JSON.parse(l) as { spans: unknown[] }).spans.length > 0);
    const line = JSON.parse(lines[i]!) as { spans: { text: string }[] };
    line.spans[0]!.text = `${line.spans[0]!.text.slice(0, -1)}X`;
    lines[i] = JSON.stringify(line);
    const breakdown = lines.join("\n") + "\n";
    writeFileSync(join(copy, "breakdown.jsonl"), breakdown);
    const report = JSON.parse(readFileSync(join(copy, "report.json"), "utf8"));
    report.files.breakdown.hash = keccakHex(new TextEncoder().encode(breakdown));
    writeFileSync(join(copy, "report.json"), JSON.stringify(report));
    let error: unknown;
    try {
      loadSettlementFolder(copy, 0n);
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).to.equal("INTEGRITY_MISMATCH");
    expect(String(error)).to.match(new RegExp(`breakdown\\.jsonl:${i + 1}: span 1 .* is not the output's text`));
  });

  it("opens offline in headless Chromium: spans, amounts, root, flow and verdict are the settlement's; no request, no console error", async function () {
    const written = writeHtmlReport({ folder, out: join(f.dir, "report.html"), verified: true, claims });
    const { report } = loaded;
    const fileUrl = pathToFileURL(written.path).href;
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, offline: true });
      // Every request is recorded twice over: by interception (anything but the page itself is
      // refused) and by the page's request events.
      const routed: string[] = [];
      const requests: string[] = [];
      await context.route("**/*", (route) => {
        const url = route.request().url();
        routed.push(url);
        return url === fileUrl ? route.continue() : route.abort();
      });
      const page = await context.newPage();
      page.on("request", (r) => requests.push(r.url()));
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      await page.goto(fileUrl, { waitUntil: "load" });
      await page.waitForFunction("document.documentElement.getAttribute('data-charts') !== null", null, {
        timeout: 30_000,
      });
      expect(await page.getAttribute("html", "data-charts")).to.equal("2");

      // The highlighted spans are the breakdown's spans, each linked to its contribution and contributor.
      let spans = 0;
      for (const line of loaded.breakdown) {
        const card = page.locator(`article[data-request="${line.requestHash}"]`);
        expect(await card.count(), line.requestHash).to.equal(1);
        expect(await card.locator("li.span").count()).to.equal(line.spans.length);
        for (const [i, span] of line.spans.entries()) {
          const marked = await card
            .locator(`mark[data-spans~="${i}"]`)
            .evaluateAll((marks) => marks.map((m) => m.textContent ?? "").join(""));
          expect(marked, `span ${i} of ${line.requestHash}`).to.equal(span.text);
          const item = card.locator(`li.span[data-span="${i}"]`);
          expect(await item.locator("q.span-text").textContent()).to.equal(span.text);
          expect(await item.getAttribute("data-start")).to.equal(String(span.start));
          expect(await item.getAttribute("data-end")).to.equal(String(span.end));
          const links = await item.locator("a.contribution").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
          expect(links).to.deep.equal(span.contributions.map((id) => `#contribution-${id}`));
          const who = await item.locator("a.account").evaluateAll((as) => as.map((a) => a.getAttribute("title")));
          expect(who).to.deep.equal(span.contributions.map((id) => report.contributions![id]!.contributor));
          spans++;
        }
        // Outside the spans, nothing is highlighted.
        const output = (await card.locator(".output-text").textContent()) ?? "";
        const covered = new Set(
          line.spans.flatMap((s) => Array.from({ length: s.end - s.start }, (_, k) => s.start + k)),
        );
        const highlighted = await card
          .locator("mark.hl")
          .evaluateAll((marks) => marks.map((m) => m.textContent ?? "").join(""));
        expect(highlighted.length).to.equal(covered.size);
        expect(output.length).to.be.greaterThan(0);
      }
      expect(spans, "the settlement credited spans").to.be.greaterThan(0);
      for (const [id, c] of Object.entries(report.contributions!)) {
        const row = page.locator(`#contributions-table tr[data-contribution="${id}"]`);
        expect(await row.locator("a.account").getAttribute("title")).to.equal(c.contributor);
      }

      // Every account's amounts are report.json's, exactly (data) and as shown (text).
      const rows = page.locator("#earnings-table tbody tr");
      expect(await rows.count()).to.equal(Object.keys(report.accounts).length);
      for (const [account, a] of Object.entries(report.accounts)) {
        const row = page.locator(`#earnings-table tr[data-account="${account}"]`);
        for (const field of ["earned", "previous", "cumulative"] as const) {
          const cell = row.locator(`td.${field}`);
          expect(await cell.getAttribute("data-units"), `${account} ${field}`).to.equal(a[field]);
          expect((await cell.textContent())?.trim()).to.equal(formatOpen(BigInt(a[field])));
        }
        const claimedCell = row.locator("td.claimed");
        expect(await claimedCell.getAttribute("data-units")).to.equal((claims.claimed.get(account) ?? 0n).toString());
      }
      expect(
        await page.locator(`#earnings-table tr[data-account="${claimer}"] td.claimed`).getAttribute("data-units"),
      ).to.equal(report.accounts[claimer]!.cumulative);

      // The root, the report hash, the epochs and the verdict.
      expect(await page.textContent("#root")).to.equal(report.root);
      expect(await page.textContent("#report-hash")).to.equal(keccakHex(readFileSync(join(folder, "report.json"))));
      expect(await page.getAttribute("#epochs", "data-to")).to.equal("0");
      expect(await page.getAttribute("#verification", "data-status")).to.equal("passed");

      // The flow of money: the four parts as the FeeRouter split them, into escrow, to the root, to claims.
      const flow = async (from: string, to: string) =>
        page.locator(`#flow-table tr[data-from="${from}"][data-to="${to}"] td.amount`).getAttribute("data-units");
      expect(await flow("fees", "platform")).to.equal(report.fees!.platform);
      expect(await flow("fees", "owner")).to.equal(report.fees!.owner);
      expect(await flow("fees", "stakers")).to.equal(report.fees!.stakers);
      expect(await flow("fees", "contributors")).to.equal(report.fees!.contributors);
      expect(await flow("escrow", "paidContributors")).to.equal(report.models[0]!.paid.contributors);
      expect(await flow("root", "claimed")).to.equal(report.accounts[claimer]!.cumulative);
      // The Sankey diagram and the bar chart were drawn (SVG), with the flow's nodes labelled.
      const sankeyText = await page.locator("#flow-chart svg text").allTextContents();
      expect(sankeyText.join(" ")).to.contain("Escrow (RewardDistributor)");
      expect(sankeyText.join(" ")).to.contain("Platform (treasury)");
      expect(await page.locator("#earnings-chart svg path").count()).to.be.greaterThan(
        Object.keys(report.accounts).length,
      );

      const screenshot = join(f.dir, "report.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`      page: ${written.path} (${written.bytes} bytes); screenshot: ${screenshot}`);

      expect(routed, "requests intercepted").to.deep.equal([fileUrl]);
      expect(requests, "requests the page made").to.deep.equal([fileUrl]);
      expect(problems, "console errors and warnings").to.deep.equal([]);
    } finally {
      await browser?.close();
    }
  });

  it("says 'not verified' when no verdict is given, and what verify found when it is", async function () {
    // The verdict comes from a real `verify` of the posted root against the published folder.
    await f.provider.send("evm_mine", []);
    await f.provider.send("evm_mine", []);
    const verdict = await verifyEpoch({
      context: f.context,
      record: f.record,
      store: join(f.dir, "verifier"),
      content: f.contentDir,
      epoch: 0n,
      folder,
      confirmations: 1,
    });
    expect(verdict.verdict).to.equal("match");
    const chart = echartsLibrary();
    const passed = renderHtmlReport({ ...loaded, chart, verified: verdict.verdict === "match" });
    const none = renderHtmlReport({ ...loaded, chart });
    expect(passed).to.match(/id="verification" data-status="passed"/);
    expect(none).to.match(/id="verification" data-status="not-verified">not verified</);
    expect(none).to.match(/Claimable \(claims not read\)/);
  });
});
