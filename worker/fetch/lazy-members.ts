// The lazy Request and FastResponse answer a few members themselves and hand every other one
// to the real undici object, built on first use. These helpers define those forwarders, first
// for the members known up front, then for the rest of undici's prototype once it has loaded.

type Real = Record<PropertyKey, unknown>;

/** Defines `key` on `proto` as a method or getter answered by `real(this)`. */
function forward(proto: object, key: PropertyKey, desc: PropertyDescriptor, real: (self: never) => object): void {
  if (typeof desc.value === 'function') {
    Object.defineProperty(proto, key, {
      configurable: true,
      value(this: never, ...args: unknown[]) {
        const target = real(this) as Real;
        return (target[key] as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
  } else if (desc.get) {
    Object.defineProperty(proto, key, {
      configurable: true,
      get(this: never) { return (real(this) as Real)[key]; },
    });
  }
}

/** Forwards the named methods and getters, before undici is loaded. */
export function forwardKnown(proto: object, methods: string[], getters: string[], real: (self: never) => object): void {
  for (const name of methods) forward(proto, name, { value: () => {} }, real);
  for (const name of getters) forward(proto, name, { get: () => {} }, real);
}

/** Makes `proto` a child of `nativeProto` and forwards whatever of it `proto` does not define. */
export function adoptNative(proto: object, nativeProto: object, real: (self: never) => object): void {
  Object.setPrototypeOf(proto, nativeProto);
  for (const key of Reflect.ownKeys(nativeProto)) {
    if (key === 'constructor' || Object.prototype.hasOwnProperty.call(proto, key)) continue;
    const desc = Reflect.getOwnPropertyDescriptor(nativeProto, key);
    if (desc) forward(proto, key, desc, real);
  }
}
