// The control room is quitting: before the agents stop, their uncommitted work is committed (clearly marked
// work in progress) and pushed. This modal says so, with how far it got and whose work was saved last, so a
// quit that takes a few seconds is not mistaken for a hang. It cannot be dismissed: the quit is under way.
import { quittingLine } from '../lib/recovery-words'
import { useRecovery } from '../stores/recovery'
import './recovery.css'

export function QuitOverlay() {
  const q = useRecovery((s) => s.quitting)
  if (!q) return null
  const percent = q.total > 0 ? Math.round((q.done / q.total) * 100) : 100
  return (
    <div className="backdrop quit-backdrop" data-testid="quit-overlay" data-stopped={q.stopped ? 'true' : 'false'}>
      <div className="dialog quit-dialog" role="dialog" aria-modal="true" aria-labelledby="quit-title" aria-describedby="quit-line">
        <h3 id="quit-title">{q.stopped ? 'The control room has stopped' : 'Quitting…'}</h3>
        <p id="quit-line" data-testid="quit-line">
          {quittingLine(q)}
        </p>
        <progress max={100} value={percent} aria-label="agents' work saved" />
        <p className="muted" data-testid="quit-last">
          {q.last ? `Saved: ${q.last}` : q.total > 0 ? 'Committing (work in progress) and pushing each agent’s branch…' : ''}
        </p>
        {q.stopped ? (
          <p className="muted" data-testid="quit-stopped">
            {q.done < q.total ? `${q.total - q.done} could not be saved in time: their worktrees keep the changes for the next session.` : 'Done for every agent: its changes committed as work in progress, its branch pushed.'} Start it again to carry on (gt serve, or the app).
          </p>
        ) : null}
      </div>
    </div>
  )
}
