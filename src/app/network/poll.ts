/**
 * Run a task now and every `interval` ms after the previous run ended, never
 * two at once, skipping ticks while the page is hidden. `now()` asks for a
 * run as soon as possible, but not sooner than `minGap` ms after the last
 * one started (the peers table pings everyone: at most every 5 s).
 */

export interface PollOptions {
  interval: number
  /** least ms between two starts, for runs asked with now() (default 0) */
  minGap?: number
  /** skip runs while this says no (default: always run) */
  active?: () => boolean
  /** the clock, for tests (default Date.now) */
  clock?: () => number
}

export interface Poll {
  /** run as soon as allowed */
  now: () => void
  stop: () => void
}

export function poll (task: () => unknown, options: PollOptions): Poll {
  const { interval, minGap = 0, active = () => true, clock = Date.now } = options
  let timer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let stopped = false
  /** a run was asked for while one was in progress */
  let again = false
  let lastStart = -Infinity

  const schedule = (ms: number): void => {
    if (stopped) return
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => { timer = undefined; void run() }, Math.max(0, ms))
  }

  const run = async (): Promise<void> => {
    if (stopped) return
    if (running) { again = true; return }
    if (!active()) { schedule(interval); return }
    running = true
    lastStart = clock()
    try {
      await task()
    } catch { /* the task reports its own errors; the next run tries again */ } finally {
      running = false
    }
    if (again) {
      again = false
      schedule(minGap - (clock() - lastStart))
    } else {
      schedule(interval)
    }
  }

  void run()
  return {
    now: () => {
      if (stopped) return
      if (running) { again = true; return }
      schedule(minGap - (clock() - lastStart))
    },
    stop: () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
  }
}
