import { useUi } from '../stores/ui'

export function Toasts() {
  const toasts = useUi((s) => s.toasts)
  const dismiss = useUi((s) => s.dismiss)
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}${t.action ? ' toast-action' : ''}`}
          role={t.kind === 'error' ? 'alert' : 'status'}
          data-testid={t.action?.testId ?? (t.kind === 'error' ? 'error-toast' : 'info-toast')}
          onClick={
            t.action
              ? (e) => {
                  if ((e.target as HTMLElement).closest('.dismiss')) return
                  t.action!.run()
                  dismiss(t.id)
                }
              : undefined
          }
        >
          <span className="toast-msg">{t.message}</span>
          {t.action ? <button className="small">{t.action.label}</button> : null}
          {/* The × is drawn by CSS so the toast's text is only its message. */}
          <button className="icon dismiss" aria-label="Dismiss" onClick={() => dismiss(t.id)} />
        </div>
      ))}
    </div>
  )
}
