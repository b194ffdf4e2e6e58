// The shell: nav, header, the current view and toasts. The Polecats view stays mounted once opened
// so its terminals keep their scrollback and attachment while the user looks elsewhere.
import { lazy, Suspense, useEffect, useState } from 'react'
import { DispatchBanner } from './components/DispatchBanner'
import { Header } from './components/Header'
import { useWindowTitle } from './components/InboxBadge'
import { Nav } from './components/Nav'
import { QuitOverlay } from './components/QuitOverlay'
import { RecoveryBanner } from './components/RecoveryBanner'
import { Toasts } from './components/Toasts'
import { useViewShortcuts } from './components/keys'
import { useUi } from './stores/ui'
import { HistoryView } from './views/history/HistoryView'
import { InboxView } from './views/inbox/InboxView'
import { MergeQueueView } from './views/merge-queue/MergeQueueView'
import { PolecatsView } from './views/polecats/PolecatsView'
import { RigsView } from './views/rigs/RigsView'
import { WorkView } from './views/work/WorkView'
import { ConvoysView } from './views/convoys/ConvoysView'
import { useDiff } from './stores/diff'
import { startRecoverySync } from './stores/recovery'

// The diff view and its highlighter load when a diff is first opened.
const DiffView = lazy(() => import('./views/diff/DiffView').then((m) => ({ default: m.DiffView })))

export function App() {
  const view = useUi((s) => s.view)
  const theme = useUi((s) => s.theme)
  const [polecatsMounted, setPolecatsMounted] = useState(false)
  // A diff, opened from any view, shows in its place until closed.
  const diff = useDiff((s) => s.target !== null)
  useViewShortcuts()
  useWindowTitle()
  useEffect(() => startRecoverySync(), [])

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
        <RecoveryBanner />
        <main className="view">
          {view === 'rigs' && !diff ? <RigsView /> : null}
          {view === 'work' && !diff ? <WorkView /> : null}
          {polecatsMounted || view === 'polecats' ? <PolecatsView active={view === 'polecats' && !diff} /> : null}
          {view === 'inbox' && !diff ? <InboxView /> : null}
          {view === 'history' && !diff ? <HistoryView /> : null}
          {view === 'refinery' && !diff ? <MergeQueueView /> : null}
          {view === 'convoys' && !diff ? <ConvoysView /> : null}
          {diff ? (
            <Suspense fallback={<div className="view-body muted">Opening the diff…</div>}>
              <DiffView />
            </Suspense>
          ) : null}
        </main>
      </div>
      <Toasts />
      <QuitOverlay />
    </div>
  )
}
