// A modal question. Esc or the backdrop cancels; focus starts on the safe choice.
import { useEffect, useRef, type ReactNode } from 'react'

export interface ConfirmProps {
  title: string
  children?: ReactNode
  confirmLabel: string
  danger?: boolean
  busy?: boolean
  error?: string | null
  /** A second, stronger action offered after the first was refused (e.g. force remove). */
  extra?: { label: string; onClick(): void } | null
  onConfirm(): void
  onCancel(): void
}

export function ConfirmDialog(p: ConfirmProps) {
  const cancelRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    // Give focus back to whatever opened the dialog, so keyboard users don't land at the top.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    cancelRef.current?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault()
        p.onCancel()
      }
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      if (opener?.isConnected) opener.focus()
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && p.onCancel()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <h3 id="dialog-title">{p.title}</h3>
        <div className="dialog-body">{p.children}</div>
        {p.error ? (
          <div className="inline-error" role="alert">
            {p.error}
          </div>
        ) : null}
        <div className="dialog-actions">
          <button ref={cancelRef} onClick={p.onCancel} disabled={p.busy}>
            Cancel
          </button>
          {p.extra ? (
            <button className="danger" onClick={p.extra.onClick} disabled={p.busy}>
              {p.extra.label}
            </button>
          ) : null}
          <button className={p.danger ? 'danger' : 'primary'} data-testid="confirm-dialog-confirm" onClick={p.onConfirm} disabled={p.busy}>
            {p.busy ? 'Working…' : p.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  )
}
