// Preloaded (node -r) into a benchmarked child: at exit, writes the process's peak RSS in bytes
// to the file named by PROXYRM_BENCH_RSS_FILE.
process.on("exit", () => {
  const file = process.env.PROXYRM_BENCH_RSS_FILE;
  if (file) require("node:fs").writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
