// Preloaded (node -r) into a benchmarked child: at exit, writes the process's peak RSS in bytes
// and its CPU seconds (user + system) as JSON to the file named by PROXYRM_BENCH_RSS_FILE.
process.on("exit", () => {
  const file = process.env.PROXYRM_BENCH_RSS_FILE;
  if (!file) return;
  const usage = process.resourceUsage();
  require("node:fs").writeFileSync(file, JSON.stringify({ maxRssBytes: usage.maxRSS * 1024, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6 }));
});
