/**
 * The built-in world (shared/DESIGN.md "The built-in world", "Definitions"): task answers checked
 * by hand, the 5-criterion additive rubric criterion by criterion, and buildWorld's splits,
 * frequencies, flaws and the skew of the seed EFT set.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../src/rng";
import { CRITERIA, goldRubric } from "../src/world/rubric";
import { TASKS, ZIPF_FAMILIES, expectedAnswer, familiesOf, parsePrompt, samplePrompt, taskByName } from "../src/world/tasks";
import { createHash } from "node:crypto";
import { ECHO_SHARE, buildWorld, flaw, misrankedFamilies, type WorldConfig } from "../src/world/world";

/** A seed flaw (DESIGN: "systematic flaws"): the last character dropped, or something appended. */
function isSeedFlaw(response: string, answer: string): boolean {
  const dropped = answer.length > 1 && response === answer.slice(0, -1);
  const appended = response.length > answer.length && response.startsWith(answer);
  return dropped || appended;
}

describe("tasks", () => {
  it("answer every task correctly on hand-checked examples", () => {
    const cases: [string, string][] = [
      ["rev abcd", "dcba"],
      ["rev hag", "gah"],
      ["sort dcab", "abcd"],
      ["sort hhaab", "aabhh"],
      ["up abc", "ABC"],
      ["up hegf", "HEGF"],
      ["dedup aabccc", "abc"],
      ["dedup abab", "abab"],
      ["dedup hhg", "hg"],
      ["add 7+5", "12"],
      ["add 0+0", "0"],
      ["add 19+19", "38"],
      ["count a:abca", "2"],
      ["count d:abcabc", "0"],
      ["count b:bbbbbbb", "7"],
      ["swap abcd", "badc"],
      ["swap abcde", "badce"],
      ["rot abh", "bca"],
      ["rot hhh", "aaa"],
      ["last abcd", "d"],
      ["last hga", "a"],
    ];
    for (const [prompt, answer] of cases) assert.equal(expectedAnswer(prompt), answer, prompt);
    const covered = new Set(cases.map(([p]) => p.split(" ")[0]));
    assert.deepEqual([...covered].sort(), TASKS.map((t) => t.name).sort(), "a task has no hand-checked case");
  });

  it("parsePrompt splits a built-in prompt into its task and argument", () => {
    const parsed = parsePrompt("count a:abca");
    assert.equal(parsed?.task.name, "count");
    assert.equal(parsed?.arg, "a:abca");
    assert.equal(taskByName("rev")?.name, "rev");
    assert.equal(taskByName("nope"), undefined);
  });

  it("parsePrompt and expectedAnswer give undefined on foreign text", () => {
    for (const text of ["", "hello world", "rev", "REV abc", "reverse abc", " rev abc", "translate this", "rev\tabc"]) {
      assert.equal(parsePrompt(text), undefined, JSON.stringify(text));
      assert.equal(expectedAnswer(text), undefined, JSON.stringify(text));
    }
  });

  it(
    "expectedAnswer is undefined for foreign text that merely starts with a task name",
    () => {
      // A user's own prompt pool (--prompts) can hold sentences like these; they are no
      // built-in task, yet they get a nonsense "correct answer" ("NaN" for add).
      for (const text of ["sort these numbers: 3 1 2", "up the hill we go", "add some salt", "count the words", "last week"]) {
        assert.equal(expectedAnswer(text), undefined, JSON.stringify(text));
      }
    },
  );

  it(
    "goldRubric scores a malformed built-in-looking prompt without throwing",
    () => {
      const result = goldRubric("last ", "x");
      assert.equal(result.score, 0);
    },
  );

  it("samplePrompt gives parseable prompts of the task it names, deterministically", () => {
    const a = new Rng(3);
    const b = new Rng(3);
    for (let i = 0; i < 300; i++) {
      const p = samplePrompt(a);
      assert.deepEqual(samplePrompt(b), p);
      assert.equal(parsePrompt(p.prompt)?.task.name, p.task);
      const answer = expectedAnswer(p.prompt)!;
      assert.ok(answer.length > 0, p.prompt);
      const alphabet = taskByName(p.task)!.alphabet;
      assert.ok([...answer].every((c) => alphabet.includes(c)), `${p.prompt} -> ${answer} outside its alphabet`);
    }
  });
});

describe("goldRubric", () => {
  // rev abcd -> dcba; alphabet a-h. Criteria: relevant, substantial, basic elements, clear, impeccable.
  type Vec = [0 | 1, 0 | 1, 0 | 1, 0 | 1, 0 | 1];
  const table: [string, string, Vec, string][] = [
    ["rev abcd", "dcba", [1, 1, 1, 1, 1], "exact"],
    ["rev abcd", "", [0, 0, 0, 0, 0], "empty"],
    ["rev abcd", "dcab", [1, 1, 1, 1, 0], "flip impeccable alone (same letters, wrong order)"],
    ["rev abcd", "dcbaa", [1, 1, 1, 0, 0], "flip clear (one character too many)"],
    ["rev abcd", "cdba", [1, 1, 0, 1, 0], "flip basic elements alone (from dcab)"],
    ["rev abcd", "dhhh", [1, 0, 1, 1, 0], "flip substantial alone (from dcab)"],
    ["rev abcd", "dcbXYZW", [0, 1, 1, 0, 0], "flip relevant alone (from dcbaa)"],
    ["rev abcd", "hhh", [1, 0, 0, 0, 0], "relevant only"],
    ["rev abcd", "abXYZWV", [0, 1, 0, 0, 0], "substantial only"],
    ["rev abcd", "dXYZ", [0, 0, 1, 0, 0], "basic elements only"],
    ["rev abcd", "hhhh", [1, 0, 0, 1, 0], "clear needs relevant; nothing else"],
    ["rev abcd", "dcb", [1, 1, 1, 0, 0], "dropped last character (a seed flaw)"],
    ["rev abcd", "dcba!", [1, 1, 1, 0, 0], "junk appended (a seed flaw)"],
    ["up abc", "abc", [0, 0, 0, 0, 0], "lower case is outside the up alphabet"],
    ["up abc", "ABC", [1, 1, 1, 1, 1], "up exact"],
    ["add 7+5", "13", [1, 1, 1, 1, 0], "add: right length and start, wrong digit"],
    ["add 7+5", "21", [1, 1, 0, 1, 0], "add: digits swapped"],
    ["last abcd", "d!!", [0, 1, 1, 0, 0], "last with junk: stray characters outnumber the answer"],
    ["last abcd", "d!", [1, 1, 1, 0, 0], "last with one junk character"],
  ];

  for (const [prompt, response, vec, what] of table) {
    it(`${what}: ${prompt} / ${JSON.stringify(response)} -> ${vec.join("")}`, () => {
      const result = goldRubric(prompt, response);
      assert.deepEqual(result.criteria, vec.map(Boolean));
      const score = vec.reduce<number>((s, x) => s + x, 0);
      assert.equal(result.score, score);
      assert.match(result.rationale, new RegExp(`Score: ${score}$`));
    });
  }

  it("has 5 criteria, each of which flips on its own somewhere in the table", () => {
    assert.equal(CRITERIA.length, 5);
    // For each criterion c there are two rows of the same prompt differing only in c.
    for (let c = 0; c < 5; c++) {
      const found = table.some(([p1, , v1]) =>
        table.some(([p2, , v2]) => p1 === p2 && v1[c] === 1 && v2[c] === 0 && v1.every((x, i) => i === c || x === v2[i])),
      );
      assert.ok(found, `criterion ${c} (${CRITERIA[c]}) never flips alone`);
    }
  });

  it("gives 5 to the exact answer and 0 to an empty one for every task", () => {
    const rng = new Rng(12);
    for (const task of TASKS) {
      for (let i = 0; i < 20; i++) {
        const prompt = `${task.name} ${task.makeArg(rng)}`;
        assert.equal(goldRubric(prompt, expectedAnswer(prompt)!).score, 5, prompt);
        assert.equal(goldRubric(prompt, "").score, 0, prompt);
      }
    }
  });

  it("scores a foreign prompt 0 with a rationale ending in the score", () => {
    const result = goldRubric("write a poem", "roses");
    assert.equal(result.score, 0);
    assert.deepEqual(result.criteria, [false, false, false, false, false]);
    assert.match(result.rationale, /Score: 0$/);
  });

  it("rationale ends with 'Score: N' equal to the score on random responses", () => {
    const rng = new Rng(21);
    const chars = "abcdefghABCDEFGH0123456789!#?.";
    for (let i = 0; i < 300; i++) {
      const { prompt } = samplePrompt(rng);
      const response = Array.from({ length: rng.int(8) }, () => chars[rng.int(chars.length)]).join("");
      const result = goldRubric(prompt, response);
      assert.equal(result.score, result.criteria.filter(Boolean).length);
      const m = /Score: (\d)$/.exec(result.rationale);
      assert.ok(m, result.rationale);
      assert.equal(Number(m[1]), result.score);
    }
  });
});

describe("buildWorld", () => {
  const config: WorldConfig = { seedPrompts: 300, poolPrompts: 200, heldoutPrompts: 100, flawRate: 0.3, eftSeedExamples: 400, clusterSkew: 1, families: "classic", misrank: 0 };

  it("makes the configured number of prompts per split, with unique ids and known tasks", () => {
    const world = buildWorld(config, 1);
    const count = (split: string) => world.prompts.filter((p) => p.split === split).length;
    assert.equal(count("seed"), 300);
    assert.equal(count("pool"), 200);
    assert.equal(count("heldout"), 100);
    assert.equal(world.prompts.length, 600);
    assert.equal(new Set(world.prompts.map((p) => p.prompt_id)).size, 600);
    for (const p of world.prompts) {
      assert.ok(p.prompt_id.startsWith(`${p.split}-`), p.prompt_id);
      assert.equal(parsePrompt(p.prompt)?.task.name, p.task);
    }
    assert.equal(world.sft.length, 300);
    assert.equal(world.eftSeed.length, 400);
  });

  it("clusterSkew 0 makes every task about equally frequent; 1 keeps the long tail", () => {
    const share = (skew: number) => {
      const w = buildWorld({ ...config, seedPrompts: 1800, poolPrompts: 1, heldoutPrompts: 1, clusterSkew: skew }, 3);
      const counts = new Map<string, number>();
      for (const p of w.prompts) counts.set(p.task, (counts.get(p.task) ?? 0) + 1);
      const values = [...counts.values()];
      return Math.max(...values) / Math.min(...values);
    };
    assert.ok(share(0) < 1.5, `uniform world: most/least frequent task ratio ${share(0)}`);
    assert.ok(share(1) > 5, `long-tailed world: ratio ${share(1)}`);
  });

  it("keeps the splits disjoint: no prompt text in two splits", () => {
    const world = buildWorld(config, 2);
    const splitOf = new Map<string, string>();
    for (const p of world.prompts) {
      const other = splitOf.get(p.prompt);
      assert.ok(other === undefined, `"${p.prompt}" in ${other} and ${p.split}`);
      splitOf.set(p.prompt, p.split);
    }
    const seedPrompts = new Set(world.prompts.filter((p) => p.split === "seed").map((p) => p.prompt));
    assert.deepEqual(world.sft.map((e) => e.prompt), world.prompts.filter((p) => p.split === "seed").map((p) => p.prompt));
    for (const e of world.eftSeed) assert.ok(seedPrompts.has(e.prompt), `EFT example on non-seed prompt ${e.prompt}`);
  });

  it("is deterministic for a seed and differs between seeds", () => {
    assert.deepEqual(buildWorld(config, 5), buildWorld(config, 5));
    assert.notDeepEqual(buildWorld(config, 5).prompts, buildWorld(config, 6).prompts);
  });

  it("draws tasks with unequal frequencies: the most frequent at least 5x the rarest", () => {
    const world = buildWorld({ seedPrompts: 2000, poolPrompts: 900, heldoutPrompts: 150, flawRate: 0.3, eftSeedExamples: 10, clusterSkew: 1, families: "classic", misrank: 0 }, 1);
    const counts = new Map<string, number>();
    for (const p of world.prompts) counts.set(p.task, (counts.get(p.task) ?? 0) + 1);
    assert.equal(counts.size, TASKS.length, "some task never appears");
    const values = [...counts.values()];
    assert.ok(Math.max(...values) >= 5 * Math.min(...values), `task counts ${JSON.stringify([...counts])}`);
    // The heaviest and lightest configured tasks are the most and least frequent observed ones.
    const byWeight = [...TASKS].sort((a, b) => b.weight - a.weight);
    assert.equal(counts.get(byWeight[0].name), Math.max(...values));
    assert.equal(counts.get(byWeight[byWeight.length - 1].name), Math.min(...values));
  });

  it("flaws about flawRate of the SFT answers, each flaw a dropped last character or appended junk", () => {
    for (const flawRate of [0, 0.3, 1]) {
      const world = buildWorld({ seedPrompts: 2000, poolPrompts: 1, heldoutPrompts: 1, flawRate, eftSeedExamples: 1, clusterSkew: 1, families: "classic", misrank: 0 }, 4);
      let flawed = 0;
      for (const { prompt, response } of world.sft) {
        const answer = expectedAnswer(prompt)!;
        if (response === answer) continue;
        flawed++;
        assert.ok(isSeedFlaw(response, answer), `${prompt}: ${JSON.stringify(response)} is no seed flaw of ${answer}`);
      }
      const share = flawed / world.sft.length;
      assert.ok(Math.abs(share - flawRate) < 0.04, `flawRate ${flawRate}, observed ${share}`);
    }
  });

  it("flaw() always changes the answer", () => {
    const rng = new Rng(8);
    for (const answer of ["a", "5", "ab", "dcba", "12"]) {
      for (let i = 0; i < 50; i++) {
        const f = flaw(answer, rng);
        assert.notEqual(f, answer);
        assert.ok(isSeedFlaw(f, answer), `${JSON.stringify(f)} is no seed flaw of ${answer}`);
      }
    }
  });

  it("labels the seed EFT set with the gold rubric, skewed: >= 60% score 4-5 (default size)", () => {
    const world = buildWorld({ seedPrompts: 2000, poolPrompts: 10, heldoutPrompts: 10, flawRate: 0.3, eftSeedExamples: 2000, clusterSkew: 1, families: "classic", misrank: 0 }, 1);
    for (const e of world.eftSeed) assert.equal(e.score, goldRubric(e.prompt, e.response).score);
    const high = world.eftSeed.filter((e) => e.score >= 4).length / world.eftSeed.length;
    assert.ok(high >= 0.6, `share scoring 4-5: ${high}`);
    // Skewed, but not all 5s: the off-policy evaluator must see some low scores too.
    assert.ok(high < 0.95, `share scoring 4-5: ${high}`);
  });

  it(
    "keeps the seed EFT set >= 60% at 4-5 for the tiny preset's size, every seed",
    () => {
      const tiny: WorldConfig = { seedPrompts: 120, poolPrompts: 16, heldoutPrompts: 8, flawRate: 0.3, eftSeedExamples: 60, clusterSkew: 1, families: "classic", misrank: 0 };
      for (let seed = 1; seed <= 30; seed++) {
        const eft = buildWorld(tiny, seed).eftSeed;
        const high = eft.filter((e) => e.score >= 4).length / eft.length;
        assert.ok(high >= 0.6, `seed ${seed}: share scoring 4-5 is ${high}`);
      }
    },
  );

  it("gives at least 4 distinct gold scores on plausible policy outputs", () => {
    // Correct answers, the flawed SFT answers and the seed EFT's off-policy variants (shuffled,
    // halved, flawed): what a policy SFT'd on this seed would plausibly write.
    const world = buildWorld({ seedPrompts: 400, poolPrompts: 10, heldoutPrompts: 10, flawRate: 0.3, eftSeedExamples: 400, clusterSkew: 1, families: "classic", misrank: 0 }, 3);
    const scores = new Set<number>();
    for (const { prompt, response } of world.sft) {
      scores.add(goldRubric(prompt, response).score);
      scores.add(goldRubric(prompt, expectedAnswer(prompt)!).score);
    }
    for (const e of world.eftSeed) scores.add(e.score);
    assert.ok(scores.size >= 4, `distinct scores: ${[...scores].sort()}`);
  });
});

describe("the zipf world and the misranking knob (docs/world.md)", () => {
  const zipf: WorldConfig = { seedPrompts: 1500, poolPrompts: 300, heldoutPrompts: 100, flawRate: 0.3, eftSeedExamples: 200, clusterSkew: 1, families: "zipf", misrank: 0 };

  it("has at least 48 families composed from the classic operations, with Zipf(1) weights by rank", () => {
    assert.ok(ZIPF_FAMILIES.length >= 48, `${ZIPF_FAMILIES.length} families`);
    assert.equal(new Set(ZIPF_FAMILIES.map((f) => f.name)).size, ZIPF_FAMILIES.length);
    ZIPF_FAMILIES.forEach((f, rank) => assert.equal(f.weight, 1 / (rank + 1)));
    for (const f of ZIPF_FAMILIES) for (const step of f.name.split("-")) assert.ok(taskByName(step), `${f.name}: ${step} is no classic task`);
    assert.deepEqual(familiesOf("classic"), TASKS);
  });

  it("answers composed prompts left to right, checked by hand", () => {
    const cases: [string, string][] = [
      ["rev-rot abc", "dcb"],
      ["sort-up cab", "ABC"],
      ["dedup-last aabbc", "c"],
      ["swap-rev abcd", "cdab"],
      ["rot-sort hab", "abc"],
      ["rev-swap-up abcd", "CDAB"],
    ];
    for (const [prompt, answer] of cases) assert.equal(expectedAnswer(prompt), answer, prompt);
    assert.equal(taskByName("rev-sort"), undefined, "sort after a permutation would duplicate sort");
  });

  it("draws its prompts from the zipf families, the head far more often than the tail", () => {
    const world = buildWorld(zipf, 2);
    const counts = new Map<string, number>();
    for (const p of world.prompts) counts.set(p.task, (counts.get(p.task) ?? 0) + 1);
    assert.ok(counts.size >= 40, `${counts.size} families drawn`);
    assert.ok((counts.get(ZIPF_FAMILIES[0].name) ?? 0) > 5 * (counts.get(ZIPF_FAMILIES[30].name) ?? 0));
    for (const p of world.prompts) assert.equal(parsePrompt(p.prompt)?.task.name, p.task);
  });

  it("misrank picks round(share x families) families per seed; their seed answers echo the argument or stay as written", () => {
    for (const misrank of [0, 0.3, 0.6, 1]) {
      const chosen = misrankedFamilies({ families: "zipf", misrank }, 5);
      assert.equal(chosen.size, Math.round(misrank * ZIPF_FAMILIES.length));
      const world = buildWorld({ ...zipf, misrank }, 5);
      for (const { prompt, response } of world.sft) {
        const { task, arg } = parsePrompt(prompt)!;
        const written = response === task.answer(arg) || isSeedFlaw(response, task.answer(arg));
        if (chosen.has(task.name)) assert.ok(response === arg || written, prompt);
        else assert.ok(written, prompt);
      }
    }
    assert.notDeepEqual([...misrankedFamilies({ families: "zipf", misrank: 0.3 }, 5)], [...misrankedFamilies({ families: "zipf", misrank: 0.3 }, 6)]);
  });

  it("echoes about ECHO_SHARE of a misranked family's seed answers, so M1 sees both echoes and right answers there", () => {
    assert.ok(ECHO_SHARE > 0.5 && ECHO_SHARE < 0.8, `ECHO_SHARE ${ECHO_SHARE}`);
    const world = buildWorld({ ...zipf, seedPrompts: 3000, misrank: 1 }, 9);
    let echoed = 0;
    let counted = 0;
    const right = new Set<string>();
    for (const { prompt, response } of world.sft) {
      const { task, arg } = parsePrompt(prompt)!;
      if (arg === task.answer(arg)) continue; // an echo would be the right answer: not countable
      counted++;
      if (response === arg) echoed++;
      else if (response === task.answer(arg)) right.add(task.name);
    }
    const share = echoed / counted;
    assert.ok(Math.abs(share - ECHO_SHARE) < 0.03, `echo share ${share} over ${counted} answers`);
    assert.ok(right.size >= 20, `right answers in only ${right.size} misranked families`);
  });

  it("misrank 0 is the world of commit bde63cb byte for byte (sha256 of the whole world)", () => {
    // Pinned from the code before the echo share (no random number is drawn for the knob at 0).
    const sha = (families: "classic" | "zipf") =>
      createHash("sha256").update(JSON.stringify(buildWorld({ ...zipf, families, misrank: 0 }, 11))).digest("hex");
    assert.equal(sha("classic"), "d2ea475b68a866c5fdac3f0ab50b7c7d0913e49e8eecb973199ef4b92c65e6c0");
    assert.equal(sha("zipf"), "5aa3e10256accf12566d5273f487887f0a63a0ccea6eff5caccd89926d01b45c");
  });

  it("changes nothing but the misranked families' seed answers across knob values", () => {
    const a = buildWorld({ ...zipf, misrank: 0 }, 7);
    for (const misrank of [0.3, 0.6, 1]) {
      const b = buildWorld({ ...zipf, misrank }, 7);
      assert.deepEqual(b.prompts, a.prompts);
      assert.deepEqual(b.eftSeed, a.eftSeed);
      const chosen = misrankedFamilies({ families: "zipf", misrank }, 7);
      let changed = 0;
      a.sft.forEach((x, i) => {
        if (!chosen.has(parsePrompt(x.prompt)!.task.name)) assert.deepEqual(b.sft[i], x);
        else if (b.sft[i].response !== x.response) changed++;
      });
      assert.ok(changed > 0, `misrank ${misrank} changed no seed answer`);
    }
  });
});

describe("the task-uniform held-out split (world.heldoutUniformPrompts, docs/world.md)", () => {
  const zipf: WorldConfig = { seedPrompts: 1500, poolPrompts: 300, heldoutPrompts: 100, flawRate: 0.3, eftSeedExamples: 200, clusterSkew: 1, families: "zipf", misrank: 0.3 };
  const n = 3 * ZIPF_FAMILIES.length + 7;
  const world = buildWorld({ ...zipf, heldoutUniformPrompts: n }, 4);
  const uniform = world.prompts.filter((p) => p.split === "heldout-uniform");

  it("is absent when 0 or unset, and the world is then the same bytes", () => {
    const none = buildWorld(zipf, 4);
    assert.ok(!none.prompts.some((p) => p.split === "heldout-uniform"));
    assert.deepEqual(buildWorld({ ...zipf, heldoutUniformPrompts: 0 }, 4), none);
  });

  it("adds n prompts after the other splits and leaves every other byte of the world as it was", () => {
    const none = buildWorld(zipf, 4);
    assert.equal(uniform.length, n);
    assert.deepEqual(world.prompts.filter((p) => p.split !== "heldout-uniform"), none.prompts);
    assert.deepEqual(world.sft, none.sft);
    assert.deepEqual(world.eftSeed, none.eftSeed);
    assert.equal(new Set(world.prompts.map((p) => p.prompt_id)).size, world.prompts.length);
    for (const p of uniform) {
      assert.ok(p.prompt_id.startsWith("heldout-uniform-"), p.prompt_id);
      assert.equal(parsePrompt(p.prompt)?.task.name, p.task);
    }
  });

  it("is disjoint from the seed, pool and held-out prompts", () => {
    const others = new Set(world.prompts.filter((p) => p.split !== "heldout-uniform").map((p) => p.prompt));
    for (const p of uniform) assert.ok(!others.has(p.prompt), `${p.prompt} is in another split too`);
    assert.equal(new Set(uniform.map((p) => p.prompt)).size, n);
  });

  it("gives every family the same number of prompts, to one, unlike the frequency-weighted held-out split", () => {
    const counts = new Map<string, number>();
    for (const p of uniform) counts.set(p.task, (counts.get(p.task) ?? 0) + 1);
    assert.equal(counts.size, ZIPF_FAMILIES.length, "a family is missing");
    assert.ok(Math.max(...counts.values()) - Math.min(...counts.values()) <= 1, JSON.stringify([...counts]));
    const held = new Map<string, number>();
    for (const p of world.prompts.filter((p) => p.split === "heldout")) held.set(p.task, (held.get(p.task) ?? 0) + 1);
    assert.ok(held.size < ZIPF_FAMILIES.length, "the frequency-weighted split should miss some rare families");
  });

  it("is deterministic for a seed and refuses more prompts than a family has", () => {
    assert.deepEqual(buildWorld({ ...zipf, heldoutUniformPrompts: n }, 4), world);
    assert.throws(() => buildWorld({ ...zipf, families: "classic", heldoutUniformPrompts: 9 * 400 }, 4), /heldoutUniformPrompts/);
  });
});
