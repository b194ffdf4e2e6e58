// Convoys (read-only for now): each convoy with its progress; the selected one's waves, and in each wave its
// beads with their state, rig, polecat and what they wait for. Live from `convoy` events (nothing polled).
// A bead opens in the Beads view, its polecat's terminal in the Polecats view, its merge request's diff.
import type { ConvoyBead, ConvoyStatus } from '../../../../shared/domain'
import { useListKeys } from '../../components/keys'
import { shortTime } from '../../lib/format'
import { useConvoys } from '../../stores/convoys'
import { useUi } from '../../stores/ui'
import { OpenDiffButton } from '../diff/open-diff'
import { openBead } from '../inbox/inbox-actions'
import { MayorPanel } from './MayorPanel'

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

function BeadCard({ b }: { b: ConvoyBead }) {
  const openTerminal = useUi((s) => s.openTerminal)
  return (
    <div className="convoy-bead" data-testid={`convoy-bead-${b.id}`} data-state={b.state}>
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
        {b.polecatId && b.state === 'working' ? (
          <button className="small" onClick={() => openTerminal(b.polecatId!)}>
            Terminal
          </button>
        ) : null}
        <OpenDiffButton target={b.mergeRequest ? { mergeRequest: b.mergeRequest.id } : null} testId={`convoy-diff-${b.id}`} />
      </div>
    </div>
  )
}

function ConvoyDetail({ c }: { c: ConvoyStatus }) {
  const byId = new Map(c.beads.map((b) => [b.id, b]))
  const waves = c.waves.length ? c.waves : [c.beads.map((b) => b.id)]
  return (
    <section className="convoy-detail" data-testid="convoy-detail" data-convoy={c.id} data-state={c.state}>
      <h3 className="detail-title">
        {c.title} <span className="mono muted small">{c.id}</span>
      </h3>
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
      <div className="convoy-waves">
        {waves.map((wave, i) => (
          <div className="convoy-wave" key={i} data-testid={`convoy-wave-${i + 1}`}>
            <h4>Wave {i + 1}</h4>
            {wave.map((id) => (byId.get(id) ? <BeadCard key={id} b={byId.get(id)!} /> : null))}
          </div>
        ))}
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
  useListKeys({ active: true, ids: convoys.map((c) => c.id), selected: shown?.id, onSelect: (id) => select('convoys', id) })

  return (
    <section className="view-body convoys" data-testid="convoys-view">
      {error ? <div className="inline-error">Could not list convoys: {error}</div> : null}
      {loaded && convoys.length === 0 ? <div className="muted">No convoys yet. Create one with gt convoy create TITLE BEAD… (a batch of beads slung in dependency waves).</div> : null}
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
        {shown ? <ConvoyDetail c={shown} /> : null}
      </div>
      <MayorPanel />
    </section>
  )
}
