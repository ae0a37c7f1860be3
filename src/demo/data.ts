/**
 * The demo's data: real text no one here wrote, from npm packages installed with the project
 * (docs/factory.md lists sources and licences): WordNet glosses for a general-English Datanet, and
 * SpamAssassin mail (spam and hard ham) for a mail Datanet. Deterministic: the same slices every
 * run.
 */
import { loadSpamAssassin, loadWordnetGlosses } from "../factory/datasets.js";

export interface StoryContribution {
  /** Which contributor (index into the story's contributors). */
  contributor: number;
  /** What it is, for the summary. */
  label: string;
  text: string;
}

export interface StoryData {
  /** Datanet 1, "General English": glosses, plus one off-topic contribution that curators reject. */
  english: StoryContribution[];
  rejected: StoryContribution;
  /** Datanet 2, "Mail": spam first (version 1), then hard ham (version 2). */
  spam: StoryContribution[];
  ham: StoryContribution[];
  /** Prompts for the requests: the first words of held-out texts of each domain. */
  prompts: { english: string[]; spam: string[]; ham: string[] };
}

const firstWords = (text: string, n: number) => text.split(/\s+/).filter(Boolean).slice(0, n).join(" ");

/** `per` glosses per contribution, `count` contributions, round-robin over `contributors` contributors. */
export function storyData(): StoryData {
  const glosses = loadWordnetGlosses(["noun", "verb"]).map((d) => d.text);
  const english: StoryContribution[] = [];
  const per = 150;
  for (let i = 0; i < 9; i++)
    english.push({
      contributor: i % 3,
      label: `${per} WordNet glosses (${i * per + 1}-${(i + 1) * per})`,
      text: glosses.slice(i * per, (i + 1) * per).join("\n"),
    });
  const mail = loadSpamAssassin(["spam-1", "hard-ham-1"]);
  const spamDocs = mail.filter((m) => m.spam).slice(0, 48);
  const hamDocs = mail.filter((m) => !m.spam).slice(0, 24);
  const bundle = (docs: typeof mail, contributors: number[], label: string) =>
    Array.from({ length: contributors.length * 2 }, (_, i) => ({
      contributor: contributors[i % contributors.length]!,
      label: `${docs.length / (contributors.length * 2)} ${label} messages`,
      text: docs
        .slice((i * docs.length) / (contributors.length * 2), ((i + 1) * docs.length) / (contributors.length * 2))
        .map((d) => d.text)
        .join("\n\n"),
    }));
  const spam = bundle(spamDocs, [1, 3], "SpamAssassin spam");
  const ham = bundle(hamDocs, [2, 3], "SpamAssassin hard-ham");
  const rejected: StoryContribution = {
    contributor: 3,
    label: "an off-topic spam message sent to the English Datanet",
    text: mail.filter((m) => m.spam)[60]!.text,
  };
  const heldGlosses = glosses.slice(9 * per, 9 * per + 200);
  const heldSpam = mail.filter((m) => m.spam).slice(60, 160);
  const heldHam = mail.filter((m) => !m.spam).slice(60, 160);
  return {
    english,
    rejected,
    spam,
    ham,
    prompts: {
      english: heldGlosses.map((g) => firstWords(g, 3)),
      spam: heldSpam.map((m) => firstWords(m.text, 4)),
      ham: heldHam.map((m) => firstWords(m.text, 4)),
    },
  };
}
