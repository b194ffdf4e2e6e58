// Where an agent's permission request waits for the human. The agent's hook (`gt hook PermissionRequest`)
// holds its call to the core open; the call waits here on the inbox item until someone decides, the hook
// goes away (the user answered in the agent's own terminal, Claude Code ended the hook), or the rig's own
// time limit passes (none by default). The decision itself is in the database before anyone is woken.

export type PermissionDecision = { behavior: 'allow'; alwaysRule?: { tool: string; commandPrefix: string | null } } | { behavior: 'deny'; message: string }

export type WaitOutcome = { decided: PermissionDecision } | { gone: true } | { timedOut: true } | { shutdown: true }

export class PermissionGate {
  private waiting = new Map<string, (o: WaitOutcome) => void>()

  /** Waits for a decision on item `id`. `signal` aborts when the hook's connection closes. */
  wait(id: string, signal?: AbortSignal, timeoutMs?: number | null): Promise<WaitOutcome> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (o: WaitOutcome) => {
        if (this.waiting.get(id) !== finish) return
        this.waiting.delete(id)
        if (timer) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        resolve(o)
      }
      const onAbort = () => finish({ gone: true })
      this.waiting.set(id, finish)
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      if (timeoutMs) timer = setTimeout(() => finish({ timedOut: true }), timeoutMs)
    })
  }

  /** Wakes the call waiting on `id`; false when nothing waits (the hook already went away). */
  decide(id: string, decision: PermissionDecision): boolean {
    const w = this.waiting.get(id)
    if (!w) return false
    w({ decided: decision })
    return true
  }

  isWaiting(id: string): boolean {
    return this.waiting.has(id)
  }

  /** Quit: every waiting hook hears nothing more (its agent is being ended); the items stay for the next start. */
  releaseAll(): void {
    for (const w of [...this.waiting.values()]) w({ shutdown: true })
  }
}
