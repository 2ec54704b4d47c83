/**
 * Loads every federated (prebuilt) extension the server lists into the shared scope before the
 * application starts, so they get the host's single copies of the core packages.
 */
// No imports of shared packages here: this file runs before the share scope exists (the async
// boundary is the dynamic import of index.js below), so it reads the page config itself.
const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = () => reject(new Error(`cannot load ${url}`));
    script.onload = resolve;
    script.async = true;
    script.src = url;
    document.head.appendChild(script);
  });
}

async function loadExtension(base, ext) {
  await loadScript(`${base}/${ext.name}/${ext.load}`);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  // eslint-disable-next-line no-undef
  await window._JUPYTERLAB[ext.name].init(__webpack_share_scopes__.default);
}

async function start() {
  const federated = config.federated_extensions || [];
  const base = config.fullLabextensionsUrl;
  const results = await Promise.allSettled(federated.map((ext) => loadExtension(base, ext)));
  results.forEach((r) => r.status === 'rejected' && console.error(r.reason));
  const { main } = await import('./index.js');
  if (document.readyState === 'complete') await main();
  else window.addEventListener('load', () => void main());
}

void start();
