// A modal form of the board: Esc (or the backdrop) cancels, Ctrl+Enter (Cmd+Enter) submits from any field,
// focus starts on the first field and goes back to whatever opened the dialog when it closes. The core's
// refusal shows inside it, in the core's words, and the form stays filled so it can be fixed and sent again.
import { useEffect, useRef, type FormEvent, type ReactNode } from 'react'

export function FormDialog(p: {
  title: string
  testId: string
  submitLabel: string
  busy: boolean
  /** Why it cannot be sent yet (the button says so on hover); null when it can. */
  blocked: string | null
  error: string | null
  wide?: boolean
  onSubmit(): void
  onCancel(): void
  children: ReactNode
}) {
  const formRef = useRef<HTMLFormElement>(null)
  const ref = useRef(p)
  ref.current = p
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    formRef.current?.querySelector<HTMLElement>('input, select, textarea, [tabindex="0"]')?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        if (!ref.current.busy) ref.current.onCancel()
      } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault()
        if (!ref.current.busy && !ref.current.blocked) ref.current.onSubmit()
      }
    }
    // Capture: a focused list or select must not eat the dialog's own keys first.
    window.addEventListener('keydown', onKey, true)
    return () => {
      window.removeEventListener('keydown', onKey, true)
      if (opener?.isConnected) opener.focus()
    }
  }, [])

  function submit(e: FormEvent) {
    e.preventDefault()
    if (!p.busy && !p.blocked) p.onSubmit()
  }

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && !p.busy && p.onCancel()}>
      <form ref={formRef} className={`dialog${p.wide ? ' dialog-wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={`${p.testId}-title`} data-testid={p.testId} onSubmit={submit}>
        <h3 id={`${p.testId}-title`}>{p.title}</h3>
        <div className="dialog-body">{p.children}</div>
        {p.error ? (
          <div className="inline-error" role="alert" data-testid={`${p.testId}-error`}>
            {p.error}
          </div>
        ) : null}
        <div className="dialog-actions">
          <span className="muted small dialog-keys">Ctrl+Enter {p.submitLabel.toLowerCase()} · Esc cancel</span>
          <button type="button" onClick={p.onCancel} disabled={p.busy} data-testid={`${p.testId}-cancel`}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={p.busy || !!p.blocked} title={p.blocked ?? undefined} data-testid={`${p.testId}-submit`}>
            {p.busy ? 'Working…' : p.submitLabel}
          </button>
        </div>
      </form>
    </div>
  )
}
