/**
 * The one renderer class behind every proxyrm MIME type: it reads `kind` and `version`, picks
 * the view from the registry, and keeps its slots so JupyterLab's in-place re-render of an
 * update_display_data (same renderer, new model) redraws the same figures.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import { el } from './dom';
import { retheme } from './plot';
import { VIEWS, kindOf } from './registry';
import type { ViewContext } from './view';

export class ProxyrmRenderer extends Widget implements IRenderMime.IRenderer {
  private readonly mimeType: string;
  private readonly slots = new Map<string, HTMLElement>();
  private renders = 0;
  private themeObserver: MutationObserver | null = null;

  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this.mimeType = options.mimeType;
    this.addClass('jp-ProxyrmOutput');
    // A theme switch flips this attribute on <body>; recolour the figures rather than redraw them.
    this.themeObserver = new MutationObserver(() => void retheme(this.node));
    this.themeObserver.observe(document.body, { attributes: true, attributeFilter: ['data-jp-theme-light'] });
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const payload = model.data[this.mimeType] as Record<string, unknown> | undefined;
    const kind = kindOf(this.mimeType);
    const view = VIEWS[kind];
    this.node.dataset.proxyrmKind = kind;
    this.node.dataset.proxyrmRendered = 'false';
    if (!payload || typeof payload !== 'object') return this.message(`proxyrm: this output has no ${kind} payload.`);
    if (!view.versions.includes(payload.version as number)) {
      return this.message(
        `proxyrm: this ${kind} output is payload version ${JSON.stringify(payload.version)}, and this @proxyrm/labextension draws version ${view.versions.join(', ')}. ` +
          'Update the extension (or the kernel) so both speak the same version; docs/mime.md lists the versions.'
      );
    }
    this.slots.get('__message')?.remove();
    this.slots.delete('__message');
    const ctx: ViewContext = { slot: (name, className) => this.slot(name, className), mimeType: this.mimeType, root: this.node };
    // A performance entry per draw (bench/lab-render.ts reads them; DevTools shows them too).
    const start = performance.now();
    try {
      await view.render(ctx, payload);
      performance.measure(`proxyrm:${kind}`, { start, end: performance.now() });
    } catch (err) {
      this.message(`proxyrm: cannot draw this ${kind} output: ${(err as Error).message}`);
      throw err;
    }
    this.renders += 1;
    this.node.dataset.proxyrmRenders = String(this.renders);
    this.node.dataset.proxyrmRendered = 'true';
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.themeObserver?.disconnect();
    VIEWS[kindOf(this.mimeType)]?.dispose?.(this.node);
    super.dispose();
  }

  private slot(name: string, className?: string): HTMLElement {
    let node = this.slots.get(name);
    if (!node) {
      node = el('div', `jp-proxyrm-slot${className ? ` ${className}` : ''}`);
      node.dataset.slot = name;
      this.slots.set(name, node);
      this.node.appendChild(node);
    }
    return node;
  }

  private message(text: string): void {
    for (const [name, node] of this.slots) if (name !== '__message') node.remove();
    this.slots.clear();
    this.slot('__message', 'jp-proxyrm-message').textContent = text;
    this.node.dataset.proxyrmRendered = 'message';
  }
}
