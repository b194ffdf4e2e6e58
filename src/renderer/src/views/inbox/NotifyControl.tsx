// Desktop notifications are the user's choice: a button asks the browser once, when clicked, never on load.
// Inside Electron the control room allows them itself, so this shows them as on.
import { useNotify } from '../../stores/notifications'

export function NotifyControl() {
  const permission = useNotify((s) => s.permission)
  const enable = useNotify((s) => s.enable)
  if (permission === 'default') {
    return (
      <button className="small" data-testid="notify-enable" onClick={() => void enable()} title="New P0s and permission requests show as desktop notifications">
        Enable desktop notifications
      </button>
    )
  }
  const text = {
    granted: 'desktop notifications on',
    denied: 'desktop notifications blocked in this browser: new items show here as toasts',
    unsupported: 'no desktop notifications here: new items show as toasts'
  }[permission]
  return (
    <span className="muted small" data-testid="notify-state" data-permission={permission}>
      {text}
    </span>
  )
}
