/**
 * Imported names stay live bindings across cells, as in an ES module.
 *
 * TypeScript compiles `import { cellSignal } from "@proxyrm/kernel"` to a getter on the cell's
 * `exports` (`get: () => kernel_1.cellSignal`), and tslab's exports object evaluates that
 * getter once, when the import runs, so a later cell would see the first cell's signal forever
 * (and any re-assigned export of any module would look frozen). This proxy in front of tslab's
 * `__tslab__.exports` keeps such getters and calls them on every read; plain assignments (a
 * cell declaring the name again) replace them. tslab's own view of the object (its locals and
 * last-expression value) is unchanged: every write still reaches it.
 */
interface TslabGlobal {
  __tslab__?: { exports: Record<PropertyKey, unknown> };
}

export function keepImportsLive(): void {
  const holder = (globalThis as TslabGlobal).__tslab__;
  if (!holder) throw new Error("tslab's executor is not set up (globalThis.__tslab__ missing)");
  const getters = new Map<PropertyKey, () => unknown>();
  holder.exports = new Proxy(holder.exports, {
    defineProperty(target, prop, attrs) {
      if (attrs.get) getters.set(prop, attrs.get);
      else getters.delete(prop);
      return Reflect.defineProperty(target, prop, attrs);
    },
    set(target, prop, value) {
      getters.delete(prop);
      return Reflect.set(target, prop, value);
    },
    deleteProperty(target, prop) {
      getters.delete(prop);
      return Reflect.deleteProperty(target, prop);
    },
    get(target, prop) {
      const getter = getters.get(prop);
      return getter ? getter() : Reflect.get(target, prop);
    },
  });
}
