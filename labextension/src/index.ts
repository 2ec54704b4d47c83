/**
 * The mime extension: one renderer factory for every proxyrm MIME type in the registry.
 * safe: true, because the renderers never turn payload text into markup or run its scripts; it
 * also lets saved outputs of an untrusted notebook render (recipe pitfall 4).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { MIME_TYPES } from './registry';
import { ProxyrmRenderer } from './renderer';

const extension: IRenderMime.IExtension = {
  id: '@proxyrm/labextension:renderers',
  rendererFactory: {
    safe: true,
    mimeTypes: MIME_TYPES,
    defaultRank: 0,
    createRenderer: (options) => new ProxyrmRenderer(options),
  },
  rank: 0,
  dataType: 'json',
};

export default extension;
