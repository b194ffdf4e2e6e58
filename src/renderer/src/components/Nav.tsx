// The left nav: each view under its Gas Town name, with the plain meaning beneath.
import { GLOSSARY } from '../../../shared/domain'
import { VIEWS, useUi, type View } from '../stores/ui'
import { InboxBadge } from './InboxBadge'

export const VIEW_META: Record<View, { name: string; meaning: string; glossary: string }> = {
  rigs: { name: 'Rigs', meaning: 'projects', glossary: GLOSSARY.Rig },
  work: { name: 'Beads', meaning: 'work items', glossary: GLOSSARY.Bead },
  polecats: { name: 'Polecats', meaning: 'worker agents', glossary: GLOSSARY.Polecat },
  inbox: { name: 'Deacon', meaning: 'escalation inbox', glossary: GLOSSARY.Deacon },
  history: { name: 'Seance', meaning: 'past sessions', glossary: GLOSSARY.Seance },
  refinery: { name: 'Refinery', meaning: 'merge queue', glossary: GLOSSARY.Refinery },
  convoys: { name: 'Convoys', meaning: 'batches of work', glossary: GLOSSARY.Convoy }
}

const mod = typeof navigator !== 'undefined' && /Mac/.test(navigator.platform) ? '⌘' : 'Ctrl+'

export function Nav() {
  const view = useUi((s) => s.view)
  const setView = useUi((s) => s.setView)
  return (
    <nav className="nav" aria-label="Views">
      <div className="brand">
        <div className="brand-name">GAS TOWN</div>
        <div className="brand-sub">control room</div>
      </div>
      <ul>
        {VIEWS.map((v, i) => (
          <li key={v}>
            <button
              className={`nav-item${view === v ? ' active' : ''}`}
              data-testid={`nav-${v}`}
              aria-current={view === v ? 'page' : undefined}
              title={`${VIEW_META[v].glossary} (${mod}${i + 1})`}
              onClick={() => setView(v)}
            >
              <span className="nav-name">
                {VIEW_META[v].name}
                {v === 'inbox' ? <InboxBadge /> : null}
              </span>
              <span className="nav-meaning">{VIEW_META[v].meaning}</span>
              <span className="nav-key">
                {mod}
                {i + 1}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  )
}
