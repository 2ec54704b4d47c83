/**
 * The CLI's progress reporter: a cli-progress bar per stage on a TTY, and a few plain lines
 * (start, quarters, end) when stderr is a pipe or a CI log.
 */
import * as cliProgress from "cli-progress";
import type { Progress } from "../progress";

export function cliReporter(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? barReporter(stream) : lineReporter(stream);
}

function format(info?: Record<string, number>): string {
  if (!info) return "";
  return Object.entries(info)
    .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(" ");
}

function barReporter(stream: NodeJS.WriteStream): Progress {
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(stage, total) {
      bar = new cliProgress.SingleBar(
        { stream, format: `${stage.padEnd(18)} [{bar}] {value}/{total} {eta_formatted} {info}`, hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { info: "" });
    },
    tick(n, info) {
      bar?.increment(n, { info: format(info) });
    },
    end() {
      bar?.stop();
      bar = undefined;
    },
    log(message) {
      stream.write(`${message}\n`);
    },
  };
}

function lineReporter(stream: NodeJS.WriteStream): Progress {
  let stage = "";
  let total = 0;
  let done = 0;
  let nextQuarter = 1;
  let started = 0;
  return {
    start(name, n) {
      stage = name;
      total = n;
      done = 0;
      nextQuarter = 1;
      started = Date.now();
      stream.write(`[${stage}] start (${n})\n`);
    },
    tick(n, info) {
      done += n;
      if (total > 0 && nextQuarter < 4 && done >= (nextQuarter * total) / 4) {
        stream.write(`[${stage}] ${done}/${total} ${format(info)}\n`);
        while (nextQuarter < 4 && done >= (nextQuarter * total) / 4) nextQuarter++;
      }
    },
    end() {
      stream.write(`[${stage}] done ${done}/${total} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    },
    log(message) {
      stream.write(`${message}\n`);
    },
  };
}
