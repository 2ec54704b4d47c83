/**
 * What a view is: it draws one payload kind into a ViewContext. Views keep their figures in named
 * slots that survive re-renders, so an update_display_data redraws the same nodes in place.
 */
export interface ViewContext {
  /** A child element of the output that is created once and kept across renders. */
  slot(name: string, className?: string): HTMLElement;
  /** The payload's MIME type. */
  mimeType: string;
  /** The output's root node (for comm widgets that need to find their notebook). */
  root: HTMLElement;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Payload = Record<string, any>;

export interface View {
  /** Payload versions this view draws. */
  versions: number[];
  render(ctx: ViewContext, payload: Payload): Promise<void> | void;
  /** Called when the output is disposed (close comms, timers). */
  dispose?(root: HTMLElement): void;
}
