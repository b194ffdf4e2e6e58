// One inbox item, whole: what is asked or what happened (the exact tool input; an escalation's title and
// body; for what the witness found, the incident, the failing output and what the Dogs already tried), where
// it comes from, the agent's screen and the branch's diff stat, who closed it and why, and the actions with
// their keys. Everything an agent or a check wrote is shown as text (React escapes it), never as markup.
import { useEffect, useLayoutEffect, useRef, useState } from 'react'
import type { InboxItem, Polecat } from '../../../../shared/domain'
import { SeverityBadge } from '../../components/Badges'
import { resumeDispatch } from '../../components/DispatchBanner'
import { StopDialog } from '../../components/StopDialog'
import { elapsed } from '../../lib/activity'
import { shortTime } from '../../lib/format'
import { INCIDENTS, attemptsText, incidentWords, mergedText, raisedText, retryMeaning } from '../../lib/incidents'
import { toolInputView } from '../../lib/tool-input'
import { useTown } from '../../stores/town'
import { AlwaysPanel, DenyPanel, ReplyPanel, SnoozePanel, type PanelMode } from './ActionPanels'
import { ACTION_KEYS, acknowledge, approve, handBack, openBead, restartFromItem, retryNow, takeOver, unavailable, type ActionName } from './inbox-actions'
import { useUi } from '../../stores/ui'
import { OpenDiffButton, diffTargetOfItem } from '../diff/open-diff'
import { openMergeQueue } from '../merge-queue/open-merge-queue'

const KIND_WORDS = { permission: 'permission request', escalation: 'escalation', alarm: 'alarm', merge: 'merge batch', convoy: 'convoy wave' } as const

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
          {can('retry') ? <ActionButton name="retry" label="Retry now" title={retryMeaning(item.incident!)} onClick={() => void retryNow(item)} /> : null}
          {can('restart') ? (
            <ActionButton name="restart" label="Restart" title="A new session on its worktree and branch, told why it resumes (a running agent is stopped first)" onClick={() => void restartFromItem(item)} />
          ) : null}
          {can('stop') ? <ActionButton name="stop" label="Stop…" className="danger-quiet" onClick={() => setMode('stop')} /> : null}
          {can('reply') ? <ActionButton name="reply" label="Reply…" onClick={() => setMode('reply')} /> : null}
          {can('snooze') ? <ActionButton name="snooze" label="Snooze…" onClick={() => setMode('snooze')} /> : null}
          {can('ack') ? <ActionButton name="ack" label="Acknowledge" onClick={() => void acknowledge(item)} /> : null}
        </div>
        {item.merge && item.rig ? (
          <div className="muted small inbox-merge-queue" data-testid="inbox-merge-queue">
            The requests&apos; diffs and the run that passed are in the Merge queue:{' '}
            <button className="link" data-testid="inbox-open-merge-queue" onClick={() => openMergeQueue(item.rig!, item.merge!.requests[0])}>
              open {item.rig}&apos;s queue
            </button>
          </div>
        ) : null}
        {mode === 'always' ? <AlwaysPanel item={item} onClose={closePanel} /> : null}
        {mode === 'deny' ? <DenyPanel item={item} onClose={closePanel} /> : null}
        {mode === 'snooze' ? <SnoozePanel item={item} onClose={closePanel} /> : null}
        {mode === 'reply' ? <ReplyPanel item={item} onClose={closePanel} /> : null}
        {mode === 'stop' && polecat ? <StopDialog polecat={polecat} onDone={closePanel} /> : null}
        {item.incident ? <WitnessFound item={item} polecat={polecat} /> : null}

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
            <h4>{item.kind === 'alarm' ? 'What happened' : item.kind === 'merge' ? 'The requests in the batch' : item.kind === 'convoy' ? 'The beads this wave slings' : 'What the agent says'}</h4>
            <pre className="description" data-testid="inbox-detail-body">
              {item.body}
            </pre>
          </section>
        ) : null}
        {/* The witness's excerpt of a stuck or dead agent is its screen's last lines: shown once, as the screen. */}
        {item.excerpt && (item.incident === 'check_failed' || item.excerpt.trim() !== (item.screen ?? '').trim()) ? <Excerpt item={item} /> : null}
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

/** Keys typed with Shift (A, R, X) are named so for screen readers. */
const shortcut = (k: string) => (/^[A-Z]$/.test(k) ? `Shift+${k}` : k)

function ActionButton({ name, label, className, title, onClick }: { name: ActionName; label: string; className?: string; title?: string; onClick(): void }) {
  return (
    <button className={`small${className ? ` ${className}` : ''}`} data-testid={`inbox-action-${name}`} onClick={onClick} title={title} aria-keyshortcuts={shortcut(ACTION_KEYS[name])}>
      {label} <kbd>{ACTION_KEYS[name]}</kbd>
    </button>
  )
}

/** What the witness found: the incident in words, and what the Dogs and the waiting already did to it. */
function WitnessFound({ item, polecat }: { item: InboxItem; polecat: Polecat | undefined }) {
  const paused = useTown((s) => s.dispatchPaused)
  const [busy, setBusy] = useState(false)
  const incident = item.incident!
  // Quiet and silence are all a runtime without hooks shows: the finding is a guess from its output.
  const heuristic = INCIDENTS[incident]?.outputHeuristic && polecat?.activitySource === 'process'
  const attempts = attemptsText(item.attempts, incident, item.severity)
  const raised = raisedText(item.raisedLevels)
  const merged = mergedText(item.count, item.affected)
  return (
    <section className="witness-found" data-testid="inbox-witness" data-incident={incident}>
      <div className="witness-what">
        <span className="muted">The witness found:</span> <strong data-testid="inbox-incident">{incidentWords(incident)}</strong>
        {heuristic ? (
          <span className="badge heuristic" data-testid="inbox-heuristic" title="Its runtime has no hooks: this is judged from its terminal output alone">
            judged from output alone
          </span>
        ) : null}
      </div>
      <ul className="witness-facts">
        {attempts ? (
          <li data-testid="inbox-attempts" data-attempts={item.attempts}>
            {attempts}
          </li>
        ) : null}
        {raised ? (
          <li data-testid="inbox-raised" data-levels={item.raisedLevels}>
            {raised}
          </li>
        ) : null}
        {merged ? (
          <li data-testid="inbox-merged" data-count={item.count}>
            one item for the same failure: {merged}
          </li>
        ) : null}
      </ul>
      {incident === 'mass_death' && paused !== null ? (
        <button className="primary small" data-testid="inbox-resume-dispatch" disabled={busy} onClick={() => void resumeDispatch(setBusy)}>
          Resume dispatch
        </button>
      ) : null}
    </section>
  )
}

/** The failing output (a check's, or the agent's last lines), monospace and inert, its end in view. */
function Excerpt({ item }: { item: InboxItem }) {
  const ref = useRef<HTMLPreElement>(null)
  useLayoutEffect(() => {
    if (ref.current) ref.current.scrollTop = ref.current.scrollHeight
  }, [item.excerpt])
  return (
    <section className="detail-section">
      <h4>
        {item.incident === 'check_failed' ? 'Failing output' : 'Its last lines'} <span className="muted">(when the witness found it)</span>
      </h4>
      <pre ref={ref} className="mono-block excerpt" data-testid="inbox-detail-excerpt">
        {item.excerpt}
      </pre>
    </section>
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
