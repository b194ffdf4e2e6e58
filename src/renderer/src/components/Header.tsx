import { useTown } from '../stores/town'
import { useUi } from '../stores/ui'
import { VIEW_META } from './Nav'

const CONN_TEXT = {
  connected: 'connected',
  connecting: 'connecting…',
  reconnecting: 'reconnecting…',
  'signed-out': 'signed out: open the URL gt serve printed'
} as const

export function Header() {
  const view = useUi((s) => s.view)
  const conn = useUi((s) => s.conn)
  const theme = useUi((s) => s.theme)
  const setTheme = useUi((s) => s.setTheme)
  const info = useTown((s) => s.info)
  const meta = VIEW_META[view]
  return (
    <header className="header">
      <h1 className="view-title">
        {meta.name}
        <span className="view-meaning">{meta.glossary}</span>
      </h1>
      <div className="header-right">
        <span className="town" title={info ? `Town (the workspace): ${info.town} — core ${info.version}` : undefined}>
          <span className="muted">town</span> <span className="mono">{info?.town ?? '…'}</span>
        </span>
        <span className={`conn conn-${conn}`} data-testid="connection-status" role="status">
          <span className="dot" aria-hidden="true" />
          {CONN_TEXT[conn]}
        </span>
        <button
          data-testid="theme-toggle"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          title="Toggle theme"
        >
          {theme === 'dark' ? '☾ dark' : '☀ light'}
        </button>
      </div>
    </header>
  )
}
