/**
 * `proxyrm serve [--from RUN | --preset P --seed N] [--port P] [--token T]`: the built-in policy,
 * embeddings and rubric judge as an OpenAI-compatible server on 127.0.0.1 (src/serve/server.ts).
 */
import type { Command } from "commander";
import { AUTO_ORDER, BACKENDS, asBackendName } from "../backend";
import { PRESETS, resolveConfig, type PresetName, type RunConfig } from "../config";
import { BadOptionError, UserError } from "../errors";
import { parseInteger } from "./options";
import { cliReporter } from "./progress";

interface ServeFlags {
  from?: string;
  preset?: string;
  seed?: number;
  port?: number;
  token?: string;
  backend?: string;
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the built-in policy, embeddings and rubric judge as an OpenAI-compatible API on 127.0.0.1")
    .option("--from <RUN>", "serve RUN's M1 (models/sft.ckpt) instead of training one")
    .option("--preset <name>", `train M1 with this preset's settings: ${PRESETS.join(" | ")} (default tiny)`)
    .option("--seed <n>", "seed of the trained M1", parseInteger("--seed", 0, 2 ** 31 - 1))
    .option("--port <n>", "port on 127.0.0.1 (default: a free one)", parseInteger("--port", 0, 65535))
    .option("--token <token>", "API key clients must send (default: PROXYRM_SERVE_TOKEN, else a random one, printed)")
    .option("--backend <name>", `force a tfjs backend: ${BACKENDS.join(" | ")} (default: the first that loads of ${AUTO_ORDER.join(", ")})`)
    .action(async (flags: ServeFlags) => {
      if (flags.from !== undefined && (flags.preset !== undefined || flags.seed !== undefined)) throw new BadOptionError("--from", "serves a run's own M1: leave out --preset and --seed");
      const backend = flags.backend === undefined ? undefined : asBackendName(flags.backend);
      if (flags.backend !== undefined && !backend) throw new BadOptionError("--backend", `must be ${BACKENDS.join(", ")}, got "${flags.backend}"`);
      const { loadTf } = await import("../backend");
      const { newServeToken, startBuiltinServer, SERVED_MODELS } = await import("../serve/server");
      const { tf } = await loadTf(backend, { warn: (line) => process.stderr.write(`${line}\n`) });
      let model;
      if (flags.from !== undefined) {
        const fs = await import("node:fs");
        const path = await import("node:path");
        const file = path.join(flags.from, "models", "sft.ckpt");
        if (!fs.existsSync(file)) throw new UserError(`${flags.from}: no models/sft.ckpt (run \`proxyrm run --until sft --out ${flags.from}\` first)`, { code: "bad-file", blame: file });
        const { loadCheckpoint } = await import("../policy/checkpoint");
        model = loadCheckpoint(tf, file);
      } else {
        const config = resolveConfig((flags.preset ?? "tiny") as PresetName, undefined, flags.seed === undefined ? {} : { seed: flags.seed });
        const { trainSeedPolicy } = await import("../stages/policy");
        model = await trainSeedPolicy(tf, config, cliReporter());
      }
      const supplied = flags.token ?? process.env.PROXYRM_SERVE_TOKEN;
      if (supplied !== undefined && !/^[\x21-\x7e]{8,}$/.test(supplied)) throw new BadOptionError("--token", "must be at least 8 printable characters without spaces");
      const token = supplied ?? newServeToken();
      const server = await startBuiltinServer({ model, port: flags.port, token });
      process.stdout.write(
        [
          `proxyrm serve: OpenAI-compatible API on ${server.url}`,
          `  policy  ${SERVED_MODELS.policy}   POST /v1/chat/completions, /v1/completions`,
          `  embed   ${SERVED_MODELS.embed}    POST /v1/embeddings`,
          `  judge   ${SERVED_MODELS.judge}    POST /v1/chat/completions (the built-in rubric)`,
          // A token the user chose is theirs already; only a generated one is shown, once, here.
          supplied === undefined ? `  key     ${token}` : "  key     the --token / PROXYRM_SERVE_TOKEN you gave",
          "Clients send the key as Authorization: Bearer <key> (proxyrm run reads PROXYRM_POLICY_API_KEY, PROXYRM_EMBED_API_KEY, PROXYRM_JUDGE_API_KEY). Ctrl-C stops.",
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await server.close();
      process.stdout.write("proxyrm serve: stopped\n");
    });
}
