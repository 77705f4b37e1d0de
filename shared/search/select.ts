/**
 * The `k` smallest of the first `count` values of `keys`, ascending. A page of results needs only
 * the first `offset + limit` of maybe fifty thousand hits, so a bounded max-heap (n log k) beats
 * sorting them all (n log n) by an order of magnitude for the first pages.
 */
export function smallestK(keys: Float64Array, count: number, k: number): Float64Array {
  const size = Math.min(k, count);
  if (size <= 0) return new Float64Array(0);
  if (size * 4 >= count) return keys.slice(0, count).sort().subarray(0, size);
  const heap = new Float64Array(size);
  for (let i = 0; i < size; i++) siftUp(heap, i, keys[i]!);
  for (let i = size; i < count; i++) {
    const key = keys[i]!;
    if (key < heap[0]!) siftDown(heap, size, key);
  }
  return heap.sort();
}

/** Adds `key` at position `at` of a max-heap of `at` items. */
function siftUp(heap: Float64Array, at: number, key: number): void {
  let i = at;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent]! >= key) break;
    heap[i] = heap[parent]!;
    i = parent;
  }
  heap[i] = key;
}

/** Replaces the largest item of a max-heap of `size` items with `key`. */
function siftDown(heap: Float64Array, size: number, key: number): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && heap[right]! > heap[left]! ? right : left;
    if (heap[child]! <= key) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = key;
}
