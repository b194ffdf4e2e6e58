// One inbox item, whole: what is asked or what happened (the exact tool input; an escalation's title and
// body), where it comes from, the agent's screen and the branch's diff stat, who closed it and why, and the
// actions with their keys. Everything an agent wrote is shown as text (React escapes it), never as markup.
import { useEffect, useLayoutEffect, useRef } from 'react'
import type { InboxItem, Polecat } from '../../../../shared/domain'
import { SeverityBadge } from '../../components/Badges'
import { elapsed } from '../../lib/activity'
import { shortTime } from '../../lib/format'
import { toolInputView } from '../../lib/tool-input'
import { AlwaysPanel, DenyPanel, ReplyPanel, SnoozePanel, type PanelMode } from './ActionPanels'
import { ACTION_KEYS, acknowledge, approve, handBack, openBead, takeOver, unavailable, type ActionName } from './inbox-actions'
import { useUi } from '../../stores/ui'
import { OpenDiffButton, diffTargetOfItem } from '../diff/open-diff'

const KIND_WORDS = { permission: 'permission request', escalation: 'escalation', alarm: 'alarm' } as const

export function KindBadge({ kind }: { kind: InboxItem['kind'] }) {
  return <span className={`badge kind-${kind}`}>{KIND_WORDS[kind]}</span>
}

export function ItemStatusBadge({ item, now }: { item: InboxItem; now: number }) {
  const snoozed = item.status === 'open' && item.snoozedUntil && Date.parse(item.snoozedUntil) > now
  return <span className={`badge istatus-${item.status}`}>{snoozed ? `snoozed until ${shortTime(item.snoozedUntil)}` : item.status}</span>
}

interface Props {
  item: InboxItem
  polecat: Polecat | undefined
  now: number
  mode: PanelMode | null
  setMode(mode: PanelMode | null): void
}

export function InboxDetail({ item, polecat, now, mode, setMode }: Props) {
  const closePanel = () => {
    setMode(null)
    document.querySelector<HTMLElement>('[data-testid="inbox-list"]')?.focus({ preventScroll: true })
  }
  // A panel belongs to the item it was opened on.
  useEffect(() => () => setMode(null), [item.id, setMode])
  const can = (a: ActionName) => unavailable(a, item, polecat) === null

  return (
    <aside className="detail inbox-detail" data-testid="inbox-detail" data-item-id={item.id} data-status={item.status} aria-label={`Inbox item ${item.id}`}>
      <div className="detail-head">
        <SeverityBadge severity={item.severity} />
        <KindBadge kind={item.kind} />
        <ItemStatusBadge item={item} now={now} />
        <span className="spacer" />
        <span className="mono muted small">{item.id}</span>
      </div>
      <div className="detail-scroll">
        <h3 className="detail-title" data-testid="inbox-detail-title">
          {item.title}
        </h3>
        <div className="action-bar" data-testid="inbox-actions">
          {can('approve') ? (
            <ActionButton name="approve" label="Approve" className="primary" onClick={() => void approve(item)} />
          ) : null}
          {can('always') ? <ActionButton name="always" label="Always allow…" onClick={() => setMode('always')} /> : null}
          {can('deny') ? <ActionButton name="deny" label="Deny…" className="danger-quiet" onClick={() => setMode('deny')} /> : null}
          {can('takeover') ? <ActionButton name="takeover" label="Take over" onClick={() => void takeOver(item)} /> : null}
          {can('handback') ? <ActionButton name="handback" label="Hand back" className="warn" onClick={() => void handBack(item.polecatId!)} /> : null}
          {can('reply') ? <ActionButton name="reply" label="Reply…" onClick={() => setMode('reply')} /> : null}
          {can('snooze') ? <ActionButton name="snooze" label="Snooze…" onClick={() => setMode('snooze')} /> : null}
          {can('ack') ? <ActionButton name="ack" label="Acknowledge" onClick={() => void acknowledge(item)} /> : null}
        </div>
        {mode === 'always' ? <AlwaysPanel item={item} onClose={closePanel} /> : null}
        {mode === 'deny' ? <DenyPanel item={item} onClose={closePanel} /> : null}
        {mode === 'snooze' ? <SnoozePanel item={item} onClose={closePanel} /> : null}
        {mode === 'reply' ? <ReplyPanel item={item} onClose={closePanel} /> : null}

        {item.status === 'orphaned' ? (
          <div className="orphaned" data-testid="inbox-orphaned" role="note">
            <strong>Can no longer be answered.</strong> {item.resolution ?? 'Its agent is gone.'}
          </div>
        ) : null}
        {item.closedAt ? (
          <div className="closed-line" data-testid="inbox-closed">
            <span className={`badge istatus-${item.status}`}>{item.status}</span> by <span className="mono">{item.closedBy ?? '—'}</span>{' '}
            {shortTime(item.closedAt)}
            {item.resolution && item.resolution !== item.status ? <> — {item.resolution}</> : null}
            {item.reason ? (
              <div>
                reason: <q data-testid="inbox-closed-reason">{item.reason}</q>
              </div>
            ) : null}
          </div>
        ) : null}

        <dl className="kv">
          <dt>rig</dt>
          <dd className="mono">{item.rig ?? '—'}</dd>
          <dt>polecat</dt>
          <dd>
            {item.polecatId ? (
              <button className="link mono" data-testid="inbox-detail-terminal" onClick={() => useUi.getState().openTerminal(item.polecatId!)}>
                {item.polecatId}
              </button>
            ) : (
              '—'
            )}
            {polecat?.takenOver ? <span className="badge taken">taken over</span> : null}
          </dd>
          <dt>bead</dt>
          <dd>
            {item.beadId ? (
              <button className="link mono" onClick={() => openBead(item.beadId!)}>
                {item.beadId}
              </button>
            ) : (
              '—'
            )}
          </dd>
          <dt>raised</dt>
          <dd>
            {shortTime(item.createdAt)} <span className="muted">({elapsed(item.createdAt, now)} ago)</span>
          </dd>
          {item.snoozedUntil && item.status === 'open' ? (
            <>
              <dt>snoozed</dt>
              <dd>until {shortTime(item.snoozedUntil)}</dd>
            </>
          ) : null}
        </dl>

        {item.tool ? <ToolInput tool={item.tool} /> : null}
        {item.kind !== 'permission' && item.body ? (
          <section className="detail-section">
            <h4>{item.kind === 'alarm' ? 'What happened' : 'What the agent says'}</h4>
            <pre className="description" data-testid="inbox-detail-body">
              {item.body}
            </pre>
          </section>
        ) : null}
        <Screen screen={item.screen} />
        <section className="detail-section">
          <h4>
            Branch diff stat <span className="muted">(against its base, when raised)</span>{' '}
            <OpenDiffButton target={diffTargetOfItem(item, polecat)} testId="inbox-open-diff" label="Open diff" />
          </h4>
          {item.diffStat ? (
            <pre className="mono-block" data-testid="inbox-detail-diffstat">
              {item.diffStat}
            </pre>
          ) : (
            <div className="muted small" data-testid="inbox-detail-diffstat">
              {item.diffStat === '' ? 'no changes on the branch yet' : item.polecatId ? 'not known (yet)' : '—'}
            </div>
          )}
        </section>
      </div>
    </aside>
  )
}

function ActionButton({ name, label, className, onClick }: { name: ActionName; label: string; className?: string; onClick(): void }) {
  return (
    <button className={`small${className ? ` ${className}` : ''}`} data-testid={`inbox-action-${name}`} onClick={onClick} aria-keyshortcuts={ACTION_KEYS[name] === 'A' ? 'Shift+A' : ACTION_KEYS[name]}>
      {label} <kbd>{ACTION_KEYS[name]}</kbd>
    </button>
  )
}

function ToolInput({ tool }: { tool: NonNullable<InboxItem['tool']> }) {
  const view = toolInputView(tool)
  return (
    <section className="detail-section">
      <h4>
        {tool.name} <span className="muted">— exactly what the agent asks to run</span>
      </h4>
      {view.kind === 'command' ? (
        <>
          <pre className="mono-block command" data-testid="inbox-detail-command">
            {view.command}
          </pre>
          {view.description ? <div className="muted small">the agent says: {view.description}</div> : null}
          {view.rest ? <pre className="mono-block">{view.rest}</pre> : null}
        </>
      ) : (
        <pre className="mono-block" data-testid="inbox-detail-input">
          {view.text}
        </pre>
      )}
    </section>
  )
}

function Screen({ screen }: { screen: string | null }) {
  const ref = useRef<HTMLPreElement>(null)
  // The last lines matter most: start scrolled to the bottom.
  useLayoutEffect(() => {
    if (ref.current) ref.current.scrollTop = ref.current.scrollHeight
  }, [screen])
  return (
    <section className="detail-section">
      <h4>
        Agent's screen <span className="muted">(last lines, when raised)</span>
      </h4>
      {screen ? (
        <pre ref={ref} className="mono-block screen" data-testid="inbox-detail-screen">
          {screen}
        </pre>
      ) : (
        <div className="muted small">—</div>
      )}
    </section>
  )
}
