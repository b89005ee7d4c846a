/**
 * One `make(key)` per key, made on first asking and kept as long as the key
 * is: a view's state that outlives its mounts is made once per app.
 */
export function onePer<K extends object, T> (make: (key: K) => T): (key: K) => T {
  const made = new WeakMap<K, T>()
  return key => {
    if (made.has(key)) return made.get(key) as T
    const value = make(key)
    made.set(key, value)
    return value
  }
}
