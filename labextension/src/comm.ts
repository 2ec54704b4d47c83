/**
 * The frontend end of comm target `proxyrm`. A mime renderer is not told which kernel produced
 * its output, so the plugin (plugin.ts) installs a finder that looks up the notebook whose node
 * contains the output; a widget opens its own comm to that kernel and names its `widget` id in
 * every message (kernel-ext/src/comm-messages.ts declares them all).
 */
import type { Kernel } from '@jupyterlab/services';
// Type-only: the message types are declared once, in kernel-ext/src/comm-messages.ts.
import type { FrontendMessage, KernelMessage } from '@proxyrm/kernel/dist/comm-messages';

export type KernelFinder = (node: HTMLElement) => Kernel.IKernelConnection | null;

let finder: KernelFinder | null = null;

export function setKernelFinder(f: KernelFinder): void {
  finder = f;
}

async function findKernel(node: HTMLElement, timeoutMs = 20_000): Promise<Kernel.IKernelConnection> {
  const deadline = Date.now() + timeoutMs;
  // The output may be rendered before it is attached to its notebook, or before the kernel is up.
  for (;;) {
    const kernel = finder?.(node) ?? null;
    if (kernel) return kernel;
    if (Date.now() > deadline) throw new Error('no running proxyrm kernel for this output: run the cell again');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class WidgetChannel {
  private comm: Kernel.IComm | null = null;
  private opening: Promise<Kernel.IComm> | null = null;

  constructor(private readonly node: HTMLElement, private readonly onMessage: (msg: KernelMessage) => void) {}

  async send(msg: FrontendMessage): Promise<void> {
    const comm = await this.open();
    comm.send(msg as unknown as Record<string, never>);
  }

  close(): void {
    if (this.comm && !this.comm.isDisposed) this.comm.close();
    this.comm = null;
    this.opening = null;
  }

  private open(): Promise<Kernel.IComm> {
    if (this.comm && !this.comm.isDisposed) return Promise.resolve(this.comm);
    if (!this.opening) {
      this.opening = (async () => {
        const kernel = await findKernel(this.node);
        const comm = kernel.createComm('proxyrm');
        comm.onMsg = (msg) => this.onMessage(msg.content.data as unknown as KernelMessage);
        comm.onClose = () => {
          this.comm = null;
          this.opening = null;
        };
        await comm.open({ type: 'hello', client: '@proxyrm/labextension' } as unknown as Record<string, never>).done;
        this.comm = comm;
        return comm;
      })();
      this.opening.catch(() => (this.opening = null));
    }
    return this.opening;
  }
}
