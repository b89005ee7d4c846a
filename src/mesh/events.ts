/**
 * A typed event target over the platform's EventTarget and CustomEvent
 * (browsers and Node >= 19). A listener that throws is isolated: the error
 * never reaches the code that dispatched the event.
 */
type Listener<T> = (event: CustomEvent<T>) => void

export class TypedEvents<Events extends object> {
  readonly #target = new EventTarget()
  readonly #wrapped = new WeakMap<object, EventListener>()

  addEventListener<K extends keyof Events & string> (type: K, listener: Listener<Events[K]>, options?: AddEventListenerOptions): void {
    let wrapped = this.#wrapped.get(listener)
    if (wrapped === undefined) {
      wrapped = (event: Event) => {
        try { listener(event as CustomEvent<Events[K]>) } catch { /* a listener must not break the mesh */ }
      }
      this.#wrapped.set(listener, wrapped)
    }
    this.#target.addEventListener(type, wrapped, options)
  }

  removeEventListener<K extends keyof Events & string> (type: K, listener: Listener<Events[K]>): void {
    const wrapped = this.#wrapped.get(listener)
    if (wrapped !== undefined) this.#target.removeEventListener(type, wrapped)
  }

  /** Subscribe; returns the function that unsubscribes. */
  on<K extends keyof Events & string> (type: K, listener: (detail: Events[K]) => void): () => void {
    const l: Listener<Events[K]> = event => { listener(event.detail) }
    this.addEventListener(type, l)
    return () => { this.removeEventListener(type, l) }
  }

  dispatch<K extends keyof Events & string> (type: K, detail: Events[K]): void {
    this.#target.dispatchEvent(new CustomEvent(type, { detail }))
  }
}
