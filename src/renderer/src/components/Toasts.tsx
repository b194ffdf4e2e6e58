import { useUi } from '../stores/ui'

export function Toasts() {
  const toasts = useUi((s) => s.toasts)
  const dismiss = useUi((s) => s.dismiss)
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid={t.kind === 'error' ? 'error-toast' : 'info-toast'}
        >
          <span className="toast-msg">{t.message}</span>
          {/* The × is drawn by CSS so the toast's text is only its message. */}
          <button className="icon dismiss" aria-label="Dismiss" onClick={() => dismiss(t.id)} />
        </div>
      ))}
    </div>
  )
}
