// The shell: nav, header, the current view and toasts. The Polecats view stays mounted once opened
// so its terminals keep their scrollback and attachment while the user looks elsewhere.
import { useEffect, useState } from 'react'
import { DispatchBanner } from './components/DispatchBanner'
import { Header } from './components/Header'
import { useWindowTitle } from './components/InboxBadge'
import { Nav } from './components/Nav'
import { Toasts } from './components/Toasts'
import { useViewShortcuts } from './components/keys'
import { useUi } from './stores/ui'
import { HistoryView } from './views/history/HistoryView'
import { InboxView } from './views/inbox/InboxView'
import { PolecatsView } from './views/polecats/PolecatsView'
import { RigsView } from './views/rigs/RigsView'
import { WorkView } from './views/work/WorkView'

export function App() {
  const view = useUi((s) => s.view)
  const theme = useUi((s) => s.theme)
  const [polecatsMounted, setPolecatsMounted] = useState(false)
  useViewShortcuts()
  useWindowTitle()

  useEffect(() => {
    document.documentElement.dataset.theme = theme
  }, [theme])
  useEffect(() => {
    if (view === 'polecats') setPolecatsMounted(true)
  }, [view])

  return (
    <div className="app">
      <Nav />
      <div className="main">
        <Header />
        <DispatchBanner />
        <main className="view">
          {view === 'rigs' ? <RigsView /> : null}
          {view === 'work' ? <WorkView /> : null}
          {polecatsMounted || view === 'polecats' ? <PolecatsView active={view === 'polecats'} /> : null}
          {view === 'inbox' ? <InboxView /> : null}
          {view === 'history' ? <HistoryView /> : null}
        </main>
      </div>
      <Toasts />
    </div>
  )
}
