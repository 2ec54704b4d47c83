/**
 * Bundles lib/ into the prebuilt extension labextension/ with @jupyter/builder (it has no bin; the
 * recipe calls its script with node). Core packages stay shared with the host, plotly is bundled.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const root = path.join(__dirname, '..');
const script = require.resolve('@jupyter/builder/lib/build-labextension.js', { paths: [root] });
const core = require.resolve('@jupyterlab/core-meta/core.package.json', { paths: [root] });
const args = [script, '--core-package-file', core];
// Development bundles skip minifying plotly's already-minified 4.4 MiB again (about 3x faster).
if (!process.env.PROXYRM_LAB_PRODUCTION) args.push('--development');
args.push(root);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
