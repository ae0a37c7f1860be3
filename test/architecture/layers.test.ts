import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

import { checkLayers } from "../support/layers.js";
import { tempDir } from "../support/temp.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("layers: imports point one way (README, Layers)", function () {
  it("holds for src/, deploy/ and bin/: no import against the rule, no client outside its place, no cycle", function () {
    const result = checkLayers(root);
    expect(result.files).to.be.greaterThan(50);
    expect(result.edges).to.be.greaterThan(100);
    expect(result.violations.map((v) => `${v.file} imports ${v.imports}: ${v.rule}`)).to.deep.equal([]);
    expect(result.cycles).to.deep.equal([]);
  });

  it("catches an upward import, a confined package used elsewhere, a file in no layer and a cycle (fixture)", function () {
    const dir = tempDir("poa-layers-");
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    try {
      write("src/core/a.ts", 'import { b } from "../cli/b.js";\nexport const a = b;\n');
      write("src/cli/b.ts", "export const b = 1;\n");
      write("src/merkle/x.ts", 'import { y } from "./y.js";\nexport const x = () => y;\n');
      write("src/merkle/y.ts", 'import { x } from "./x.js";\nexport const y = () => x;\n');
      write("src/core/v.ts", 'import { keccak256 } from "viem";\nexport const v = keccak256;\n');
      write("src/attribution/c.ts", 'export const c = await import("../settlement/s.js");\n');
      write("src/settlement/s.ts", 'import { x } from "../merkle/x.js";\nexport const s = x;\n');
      write("src/stray/z.ts", 'import { b } from "../cli/b.js";\nexport const z = b;\n');
      write("src/core/ok.ts", '// import { b } from "../cli/b.js";\nexport const ok = 1;\n');
      const result = checkLayers(dir);
      const found = result.violations.map((v) => `${v.file} -> ${v.imports}`).sort();
      expect(found).to.deep.equal([
        "src/attribution/c.ts -> ../settlement/s.js",
        "src/core/a.ts -> ../cli/b.js",
        "src/core/v.ts -> viem",
        "src/stray/z.ts -> ../cli/b.js",
      ]);
      expect(result.cycles).to.deep.equal([["src/merkle/x.ts", "src/merkle/y.ts"]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
