import type { Bead } from '../../../../shared/domain'
import { PriorityBadge, StatusBadge } from '../../components/Badges'
import { shortTime } from '../../lib/format'

export function BeadTable(p: { beads: Bead[]; selected: string | undefined; mergeReady: Set<string>; onSelect(id: string): void }) {
  return (
    <table className="table beads">
      <thead>
        <tr>
          <th style={{ width: 96 }}>id</th>
          <th style={{ width: 30 }}>P</th>
          <th style={{ width: 84 }}>type</th>
          <th style={{ width: 96 }}>status</th>
          <th>title</th>
          <th style={{ width: 100 }}>rig</th>
          <th style={{ width: 124 }}>assignee</th>
        </tr>
      </thead>
      <tbody>
        {p.beads.map((b) => (
          <tr
            key={b.id}
            data-testid={`bead-row-${b.id}`}
            data-status={b.status}
            data-row-key={b.id}
            className={`${p.selected === b.id ? 'selected' : ''}${b.status === 'closed' ? ' closed' : ''}`}
            onClick={() => p.onSelect(b.id)}
          >
            <td className="mono">{b.id}</td>
            <td>
              <PriorityBadge priority={b.priority} />
            </td>
            <td className={b.type === 'merge-request' ? 'type-mr' : 'muted'} title={b.type}>
              {b.type === 'merge-request' ? 'merge req' : b.type}
            </td>
            <td>
              <StatusBadge status={b.status} />
            </td>
            <td className="ellipsis" title={b.title}>
              {b.title}
              {p.mergeReady.has(b.id) ? <span className="badge ready">ready for merge</span> : null}
              {b.labels.map((l) => (
                <span key={l} className="label">
                  {l}
                </span>
              ))}
            </td>
            <td className="mono muted ellipsis">{b.rig ?? '—'}</td>
            <td className="mono muted ellipsis" title={`updated ${shortTime(b.updatedAt)}`}>
              {b.assignee ?? ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
