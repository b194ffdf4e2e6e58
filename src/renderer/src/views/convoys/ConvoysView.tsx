// The Convoys board: each convoy with its progress; the selected one's waves, and in each wave its beads with
// their state, rig, polecat and what they wait for. Live from `convoy` events (nothing polled). From the board:
// a new convoy (n), beads added to one (+), a convoy landed by hand (force offered when the core refuses);
// from a bead card: the bead in the Beads view, its polecat's terminal, its diff, and its history beside the waves.
// Below the board: the Scheduler panel (capacity, queue, routing) and the Mayor panel, each on its own store.
import { useEffect, useRef, useState } from 'react'
import type { ConvoyBead, ConvoyStatus } from '../../../../shared/domain'
import { typingTarget, useListKeys } from '../../components/keys'
import { shortTime } from '../../lib/format'
import { useConvoys } from '../../stores/convoys'
import { useUi } from '../../stores/ui'
import { OpenDiffButton } from '../diff/open-diff'
import { openBead } from '../inbox/inbox-actions'
import { AddBeadsDialog } from './AddBeadsDialog'
import { BeadHistory } from './BeadHistory'
import { LandDialog } from './LandDialog'
import { NewConvoyDialog } from './NewConvoyDialog'
import './convoys-board.css'
import { MayorPanel } from './MayorPanel'
import { SchedulerPanel } from './SchedulerPanel'

// The bead state's colour, from the badge colours the other views use.
const STATE_CLASS: Record<ConvoyBead['state'], string> = {
  landed: 'status-closed',
  waiting: 'status-open',
  ready: 'state-starting',
  approval: 'sev-P2',
  working: 'state-working',
  merging: 'status-hooked',
  skipped: 'sev-P1',
  held: 'status-blocked',
  stopped: 'state-idle',
  blocked: 'status-blocked'
}

function Progress({ c }: { c: ConvoyStatus }) {
  const pct = c.progress.total ? Math.round((100 * c.progress.landed) / c.progress.total) : 0
  return (
    <span className="convoy-progress" title={`${c.progress.landed} of ${c.progress.total} beads landed${c.progress.skipped ? `, ${c.progress.skipped} skipped` : ''}`}>
      <span className="convoy-bar">
        <span style={{ width: `${pct}%` }} />
      </span>
      <span className="mono small">
        {c.progress.landed}/{c.progress.total}
        {c.progress.skipped ? ` · ${c.progress.skipped} skipped` : ''}
      </span>
    </span>
  )
}

function BeadCard({ b, historyOpen, onHistory }: { b: ConvoyBead; historyOpen: boolean; onHistory(): void }) {
  const openTerminal = useUi((s) => s.openTerminal)
  // The merge request's diff once there is one (landed: what went in, against the target before its landing);
  // before that, the branch the polecat works on.
  const diffTarget = b.mergeRequest ? { mergeRequest: b.mergeRequest.id } : b.polecatId ? { polecat: b.polecatId } : null
  return (
    <div className={`convoy-bead${historyOpen ? ' history-open' : ''}`} data-testid={`convoy-bead-${b.id}`} data-state={b.state}>
      <div className="convoy-bead-head">
        <button className="link mono" onClick={() => openBead(b.id)} title="Open the bead">
          {b.id}
        </button>
        <span className={`badge ${STATE_CLASS[b.state]}`}>{b.state}</span>
        <span className="mono muted small">{b.rig ?? '—'}</span>
      </div>
      <div className="convoy-bead-title">{b.title}</div>
      {b.state !== 'landed' ? <div className="muted small convoy-bead-detail">{b.detail}</div> : null}
      <div className="convoy-bead-actions">
        {b.polecatId ? (
          <button className="small" onClick={() => openTerminal(b.polecatId!)} data-testid={`convoy-terminal-${b.id}`} title={`Open ${b.polecatId}'s terminal`}>
            Terminal
          </button>
        ) : null}
        <OpenDiffButton target={diffTarget} testId={`convoy-diff-${b.id}`} />
        <button className="small" onClick={onHistory} aria-pressed={historyOpen} data-testid={`convoy-history-${b.id}`} title="What happened to it: its ledger events and sessions">
          History
        </button>
      </div>
    </div>
  )
}

function ConvoyDetail({ c, onAdd, onLand }: { c: ConvoyStatus; onAdd(): void; onLand(): void }) {
  const [historyOf, setHistoryOf] = useState<string | null>(null)
  const byId = new Map(c.beads.map((b) => [b.id, b]))
  const waves = c.waves.length ? c.waves : [c.beads.map((b) => b.id)]
  const historyBead = historyOf ? byId.get(historyOf) : undefined
  return (
    <section className="convoy-detail" data-testid="convoy-detail" data-convoy={c.id} data-state={c.state}>
      <div className="convoy-detail-head">
        <h3 className="detail-title">
          {c.title} <span className="mono muted small">{c.id}</span>
        </h3>
        <span className="spacer" />
        <button className="small" onClick={onAdd} data-testid="convoy-add" title={c.state === 'landed' ? 'Add beads: the convoy opens again (+)' : 'Add beads to this convoy (+)'}>
          Add beads…
        </button>
        {c.state === 'open' ? (
          <button className="small" onClick={onLand} data-testid="convoy-land" title="Land it now; open beads are offered to be left out">
            Land…
          </button>
        ) : null}
      </div>
      <div className="muted small">
        {c.state === 'landed' ? `landed ${shortTime(c.landedAt)}` : 'open'} · {c.mode}
        {c.molecule ? ` · molecule ${c.molecule}` : ''}
        {c.leftOut.length ? ` · left out: ${c.leftOut.join(', ')}` : ''}
      </div>
      {c.cycle ? <div className="inline-error">Dependency cycle: {c.cycle.join(' → ')}</div> : null}
      {c.approval ? (
        <div className="panel small">
          Wave {c.approval.wave} waits for your approval in the Deacon inbox:{' '}
          <button className="link" onClick={() => useUi.getState().openInboxItem(c.approval!.item)}>
            {c.approval.item}
          </button>
        </div>
      ) : null}
      <div className="convoy-board">
        <div className="convoy-waves">
          {waves.map((wave, i) => (
            <div className="convoy-wave" key={i} data-testid={`convoy-wave-${i + 1}`}>
              <h4>Wave {i + 1}</h4>
              {wave.map((id) =>
                byId.get(id) ? <BeadCard key={id} b={byId.get(id)!} historyOpen={historyOf === id} onHistory={() => setHistoryOf(historyOf === id ? null : id)} /> : null
              )}
            </div>
          ))}
        </div>
        {historyBead ? <BeadHistory bead={historyBead} onClose={() => setHistoryOf(null)} /> : null}
      </div>
    </section>
  )
}

export function ConvoysView() {
  const { items, loaded, error } = useConvoys()
  const selected = useUi((s) => s.selection.convoys)
  const select = useUi((s) => s.select)
  // Open convoys first, newest first.
  const convoys = [...items].sort((a, b) => (a.state === b.state ? b.createdAt.localeCompare(a.createdAt) : a.state === 'open' ? -1 : 1))
  const shown = convoys.find((c) => c.id === selected) ?? convoys[0]
  const [dialog, setDialog] = useState<'new' | 'add' | 'land' | null>(null)
  useListKeys({ active: dialog === null, ids: convoys.map((c) => c.id), selected: shown?.id, onSelect: (id) => select('convoys', id) })
  useBoardKeys(dialog === null, { n: () => setDialog('new'), '+': () => shown && setDialog('add') })

  return (
    <section className="view-body convoys" data-testid="convoys-view">
      <div className="convoys-toolbar">
        <button className="primary small" onClick={() => setDialog('new')} data-testid="convoy-new" title="A batch of beads, slung in dependency waves (n)">
          New convoy…
        </button>
        <span className="muted small">n new convoy · + add beads · j/k move</span>
      </div>
      {error ? <div className="inline-error">Could not list convoys: {error}</div> : null}
      {loaded && convoys.length === 0 ? <div className="muted">No convoys yet. Create one with New convoy (n) or gt convoy create TITLE BEAD… (a batch of beads slung in dependency waves).</div> : null}
      <div className="convoys-main">
        <ul className="convoy-list" data-testid="convoy-list">
          {convoys.map((c) => (
            <li key={c.id}>
              <button className={`convoy-row${shown?.id === c.id ? ' selected' : ''}`} data-testid={`convoy-row-${c.id}`} data-row-key={c.id} onClick={() => select('convoys', c.id)}>
                <span className="convoy-row-title">{c.title}</span>
                <span className="muted small">
                  {c.state} · {c.mode}
                </span>
                <Progress c={c} />
              </button>
            </li>
          ))}
        </ul>
        {shown ? <ConvoyDetail key={shown.id} c={shown} onAdd={() => setDialog('add')} onLand={() => setDialog('land')} /> : null}
      </div>
      {dialog === 'new' ? <NewConvoyDialog onClose={() => setDialog(null)} /> : null}
      {dialog === 'add' && shown ? <AddBeadsDialog convoy={shown} onClose={() => setDialog(null)} /> : null}
      {dialog === 'land' && shown ? <LandDialog convoy={shown} onClose={() => setDialog(null)} /> : null}
      <SchedulerPanel />
      <MayorPanel />
    </section>
  )
}

/** Single keys of the board, while it shows, no dialog is open and nobody types. */
function useBoardKeys(active: boolean, keys: Record<string, () => void>): void {
  const ref = useRef({ active, keys })
  ref.current = { active, keys }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const fn = ref.current.keys[e.key]
      if (!ref.current.active || !fn || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return
      e.preventDefault()
      fn()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
