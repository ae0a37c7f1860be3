import { readFileSync, readdirSync } from "node:fs";
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";

import { expect } from "chai";

const src = fileURLToPath(new URL("../../src/", import.meta.url));

/** Every module specifier a file imports (static and dynamic, type-only included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"/gms),
    ...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g),
  ];
  return found.map((m) => m[1]!);
}

const builtin = (s: string) => s.startsWith("node:") || builtinModules.includes(s);

describe("layering of the store and its chain readers", function () {
  it("src/store imports only src/core, Node and its two database drivers", function () {
    const files = readdirSync(`${src}store`).filter((f) => f.endsWith(".ts"));
    expect(files.length).to.be.greaterThan(5);
    // The scanner sees static, type-only and dynamic imports (else this test could not fail).
    expect(importsOf(`${src}store/open.ts`)).to.include.members([
      "../core/errors.js",
      "./database.js",
      "@electric-sql/pglite",
      "pg",
    ]);
    for (const file of files)
      for (const spec of importsOf(`${src}store/${file}`))
        expect(
          builtin(spec) ||
            spec.startsWith("./") ||
            spec.startsWith("../core/") ||
            ["@electric-sql/pglite", "pg"].includes(spec),
          `src/store/${file} imports ${spec}`,
        ).to.equal(true);
  });

  it("the chain readers the store drives import only src/core, Node and ethers (never the store)", function () {
    for (const file of ["logs.ts", "tx-sender.ts"])
      for (const spec of importsOf(`${src}chain/${file}`))
        expect(
          builtin(spec) || spec.startsWith("../core/") || spec === "ethers",
          `src/chain/${file} imports ${spec}`,
        ).to.equal(true);
  });
});
