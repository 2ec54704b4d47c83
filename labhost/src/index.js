/**
 * Starts JupyterLab with the bundled plugin packages plus the federated ones the server lists
 * (recipe §4 "Runtime files"). A federated package replaces a bundled one of the same name.
 */
import { PageConfig } from '@jupyterlab/coreutils';
import { PluginRegistry } from '@lumino/coreutils';
import { JupyterLab } from '@jupyterlab/application';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services/lib/tokens.js';
import { extensions, mimeExtensions } from 'proxyrm-lab-plugins';
import 'proxyrm-lab-style';

function pluginsOf(mod) {
  let exported = mod.default ?? mod;
  if (!Array.isArray(exported)) exported = [exported];
  return exported;
}

async function federatedModule(name, entry) {
  const factory = await window._JUPYTERLAB[name].get(entry);
  return factory();
}

export async function main() {
  const federated = JSON.parse(PageConfig.getOption('federated_extensions') || '[]');
  const federatedNames = new Set(federated.map((e) => e.name));
  const keep = (plugin) => !PageConfig.Extension.isDisabled(plugin.id);
  const plugins = [];
  const mimePlugins = [];

  for (const [name, load] of Object.entries(extensions)) {
    if (federatedNames.has(name)) continue;
    plugins.push(...pluginsOf(await load()).filter(keep));
  }
  for (const [name, load] of Object.entries(mimeExtensions)) {
    if (federatedNames.has(name)) continue;
    mimePlugins.push(...pluginsOf(await load()).filter(keep));
  }
  for (const ext of federated) {
    try {
      if (ext.extension) plugins.push(...pluginsOf(await federatedModule(ext.name, ext.extension)).filter(keep));
      if (ext.mimeExtension) mimePlugins.push(...pluginsOf(await federatedModule(ext.name, ext.mimeExtension)).filter(keep));
      if (ext.style && !PageConfig.Extension.isDisabled(ext.name)) await federatedModule(ext.name, ext.style);
    } catch (err) {
      console.error(`proxyrm lab: cannot load extension ${ext.name}`, err);
    }
  }

  const pluginRegistry = new PluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  const serviceManager = await pluginRegistry.resolveOptionalService(IServiceManager);
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    connectionStatus,
    mimeExtensions: mimePlugins,
    disabled: { matches: [], patterns: [] },
    deferred: { matches: [], patterns: [] },
    availablePlugins: [],
  });
  await lab.start({ bubblingKeydown: true });
  if (PageConfig.getOption('exposeAppInBrowser').toLowerCase() === 'true') window.jupyterapp = lab;
}
