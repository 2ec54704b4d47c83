/**
 * The front-end plugin beside the renderers: it lets a widget output find the kernel of the
 * notebook it sits in (comm.ts), since mime renderers are not given one.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { INotebookTracker } from '@jupyterlab/notebook';
import { setKernelFinder } from './comm';

const plugin: JupyterFrontEndPlugin<void> = {
  id: '@proxyrm/labextension:kernel-finder',
  description: 'Finds the kernel behind a proxyrm widget output, for its comm.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker) => {
    setKernelFinder((node) => tracker.find((panel) => panel.node.contains(node))?.sessionContext.session?.kernel ?? null);
  },
};

export default plugin;
