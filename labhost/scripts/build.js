/**
 * Builds the lab front end into dist/ (rspack, development mode: unminified and about 3x faster
 * than production on this project's 2-core machines; the bundle is served locally, so size barely matters).
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
// The package's exports hide its bin file from require.resolve; find it next to its package.json.
const cliPackage = require.resolve('@rspack/cli/package.json', { paths: [path.join(__dirname, '..')] });
const cli = path.join(path.dirname(cliPackage), require(cliPackage).bin.rspack);
const env = { ...process.env, NODE_ENV: process.env.PROXYRM_LAB_PRODUCTION ? 'production' : 'development' };
const r = spawnSync(process.execPath, [cli, 'build', '-c', path.join(__dirname, '..', 'rspack.config.js')], { cwd: path.join(__dirname, '..'), env, stdio: 'inherit' });
process.exit(r.status ?? 1);
