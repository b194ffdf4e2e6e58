// Small status marks. Colour carries meaning, the text carries it too (never colour alone).
import type { ReactNode } from 'react'
import type { BeadStatus, PolecatState, Severity } from '../../../shared/domain'

export function StatusBadge({ status }: { status: BeadStatus }) {
  return <span className={`badge status-${status}`}>{status.replace('_', ' ')}</span>
}

export function PriorityBadge({ priority }: { priority: number }) {
  return (
    <span className={`prio prio-${priority}`} title={`priority ${priority} (0 is highest)`}>
      P{priority}
    </span>
  )
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  return <span className={`badge sev-${severity}`}>{severity}</span>
}

export function StateBadge({ state }: { state: PolecatState }) {
  return <span className={`badge state-${state}`}>{state}</span>
}

export function Mono({ children, title }: { children: ReactNode; title?: string }) {
  return (
    <span className="mono" title={title}>
      {children}
    </span>
  )
}
