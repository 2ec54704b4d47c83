/**
 * Task-stratified random selection: the control every acquisition function must beat (issue 11).
 * Equal allocation over task families: each pick goes to the family with the fewest labelled
 * and picked items so far (ties in a seeded random order of the families), and is a uniformly
 * random unlabelled item of it. With fewer picks than families it covers as many families as
 * it has picks; otherwise it spreads them evenly. Only the rng decides, so a seed fixes it.
 */
import { groupBy } from "../group-by";
import { checkPoolAndBudget, requireLabels, type Strategy } from "./types";

export const stratifiedRandom: Strategy = {
  name: "stratified-random",
  needs: ["tasks"],
  summary: "equal allocation over task families: each pick a uniformly random unlabelled item of the family with the fewest labels so far",
  select(poolSize, ctx) {
    const labelled = checkPoolAndBudget("stratified-random", poolSize, ctx);
    const tasks = requireLabels("stratified-random", "tasks", poolSize, ctx);
    if (ctx.budget === 0) return [];
    const byTask = groupBy(Array.from({ length: poolSize }, (_, i) => i), (i) => tasks[i]);
    const names = ctx.rng.shuffle([...byTask.keys()].sort());
    const count = new Map(names.map((t) => [t, 0]));
    for (const i of labelled) count.set(tasks[i], count.get(tasks[i])! + 1);
    // Each family's unlabelled items in a seeded random order; picks take them front to back.
    const queue = new Map(names.map((t) => [t, ctx.rng.shuffle(byTask.get(t)!.filter((i) => !labelled.has(i)))]));
    const picks: number[] = [];
    while (picks.length < ctx.budget) {
      let best: string | undefined;
      for (const t of names) if (queue.get(t)!.length > 0 && (best === undefined || count.get(t)! < count.get(best)!)) best = t;
      picks.push(queue.get(best!)!.shift()!);
      count.set(best!, count.get(best!)! + 1);
    }
    return picks;
  },
};
