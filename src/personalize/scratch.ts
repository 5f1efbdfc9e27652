/**
 * Typed arrays reused from one subscriber to the next. A build plans one
 * subscriber at a time per thread, and a new typed array costs an allocation
 * outside the JS heap (and its release in the next collection), which a plan
 * would otherwise pay a dozen times. Each array is handed out zeroed (or
 * filled) under a name; what holds it must be done with it before the same
 * name is asked for again, so a result handed back never lives in one.
 */
export class ScratchArrays {
  private readonly f64 = new Map<string, Float64Array>();
  private readonly i32 = new Map<string, Int32Array>();
  private readonly u8 = new Map<string, Uint8Array>();

  float64(name: string, length: number, fill = 0): Float64Array {
    return reuse(this.f64, name, length, fill, (n) => new Float64Array(n));
  }

  int32(name: string, length: number, fill = 0): Int32Array {
    return reuse(this.i32, name, length, fill, (n) => new Int32Array(n));
  }

  uint8(name: string, length: number, fill = 0): Uint8Array {
    return reuse(this.u8, name, length, fill, (n) => new Uint8Array(n));
  }
}

function reuse<A extends Float64Array | Int32Array | Uint8Array>(
  arrays: Map<string, A>,
  name: string,
  length: number,
  fill: number,
  make: (n: number) => A,
): A {
  let a = arrays.get(name);
  // Grown to the largest length asked for; a view of the asked length is handed out.
  if (!a || a.length < length) arrays.set(name, (a = make(Math.max(length, a ? a.length * 2 : 0))));
  const view = (a.length === length ? a : a.subarray(0, length)) as A;
  view.fill(fill);
  return view;
}

/** Fresh arrays every time: for callers without a build (tests, one-off plans). */
export const FRESH_ARRAYS = {
  float64: (_name: string, length: number, fill = 0) => new Float64Array(length).fill(fill),
  int32: (_name: string, length: number, fill = 0) => new Int32Array(length).fill(fill),
  uint8: (_name: string, length: number, fill = 0) => new Uint8Array(length).fill(fill),
} satisfies Pick<ScratchArrays, 'float64' | 'int32' | 'uint8'>;

export type ArraySource = Pick<ScratchArrays, 'float64' | 'int32' | 'uint8'>;
