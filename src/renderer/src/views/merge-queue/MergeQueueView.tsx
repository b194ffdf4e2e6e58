// The Merge queue view (the refinery), one rig at a time: what waits (in the order the refinery takes it), what
// is being tested (each candidate run with its check output live in a terminal), the batches awaiting approval
// (with the run that passed and a link to their inbox item), what merged and what came back (failed, sent back
// for changes, rejected: why, the files or the failing output) — each with the time it took. Run now, Retry,
// Reject (with a reason, asked first) and Open diff act on it, by button or key. Everything a polecat or a
// check wrote (titles, branch names, messages, output) is React text or terminal bytes, never markup.
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import type { InboxItem, MergeQueueEntry, MergeRun } from '../../../../shared/domain'
import { ConfirmDialog } from '../../components/ConfirmDialog'
import { typingTarget, useListKeys } from '../../components/keys'
import { shortTime } from '../../lib/format'
import { useNow } from '../../lib/use-now'
import { openDiff } from '../../stores/diff'
import { useInbox } from '../../stores/inbox'
import { entryTook, queueSections, runTook, spanText, useMergeQueue, type AwaitingBatch } from '../../stores/merge-queue'
import { useRigs } from '../../stores/rigs'
import { useUi } from '../../stores/ui'
import { MQ_KEYS, mqUnavailable, reject, retry, runNow, type MqActionName } from './mq-actions'
import { chooseRig, lastChosenRig } from './open-merge-queue'
import { RunTerminal } from './RunTerminal'
import './merge-queue.css'

const NONE: MergeQueueEntry[] = []
const NO_RUNS: MergeRun[] = []

const STATE_WORDS: Record<MergeQueueEntry['state'], string> = {
  pending: 'waiting',
  testing: 'being tested',
  awaiting_approval: 'awaiting approval',
  merged: 'merged',
  failed: 'failed',
  changes_requested: 'changes requested',
  rejected: 'rejected'
}

const FAILURE_WORDS: Record<NonNullable<MergeQueueEntry['failure']>['kind'], string> = {
  checks: 'the checks failed on the candidate',
  conflict: 'conflicts with the target or the batch',
  missing: 'its branch is missing on the origin',
  review: 'changes were requested',
  rejected: 'rejected',
  error: 'the refinery hit an error'
}

const RUN_WORDS: Record<MergeRun['status'], string> = {
  building: 'building the candidate',
  testing: 'running the checks',
  green: 'checks passed',
  red: 'checks failed',
  cancelled: 'cancelled',
  error: 'error'
}

export function MergeQueueView() {
  const rigs = useRigs((s) => s.items)
  const names = useMemo(() => rigs.map((r) => r.name).sort((a, b) => a.localeCompare(b)), [rigs])
  const [picked, setPicked] = useState<string | null>(lastChosenRig)
  const rig = picked && names.includes(picked) ? picked : (names[0] ?? null)
  const { entries, runs, loaded, error } = useMergeQueue()
  const inbox = useInbox((s) => s.items)
  const selected = useUi((s) => s.selection.refinery)
  const select = useUi((s) => s.select)
  const [rejecting, setRejecting] = useState<MergeQueueEntry | null>(null)
  const now = useNow(1000)

  // Read while shown; once the view is left, its events and topics cost nothing.
  useEffect(() => {
    void useMergeQueue.getState().show(rig)
  }, [rig])
  useEffect(() => () => void useMergeQueue.getState().show(null), [])

  const storeRig = useMergeQueue((s) => s.rig)
  // Until the chosen rig's read answers, nothing of the rig shown before.
  const mine = storeRig === rig
  const sections = useMemo(() => queueSections(mine ? entries : NONE, mine ? runs : NO_RUNS, inbox), [mine, entries, runs, inbox])
  // The keyboard order is the page's order.
  const ordered = useMemo(
    () => [...sections.pending, ...sections.testing, ...sections.awaiting.flatMap((b) => b.entries), ...sections.merged, ...sections.failed],
    [sections]
  )
  const byId = useMemo(() => new Map(ordered.map((e) => [e.id, e])), [ordered])
  const current = selected ? byId.get(selected) : undefined

  useListKeys({
    active: rejecting === null,
    ids: ordered.map((e) => e.id),
    selected,
    onSelect: (id) => select('refinery', id),
    onOpen: (id) => openDiff({ mergeRequest: id })
  })
  useActionKeys(rejecting === null, rig, current, sections.awaiting, setRejecting)

  const pick = (name: string) => {
    chooseRig(name)
    setPicked(name)
  }

  const rowProps = { selected, onSelect: (id: string) => select('refinery', id), onReject: setRejecting, now }

  return (
    <section className="view-body mq-view" data-testid="mq-view" data-rig={rig ?? ''}>
      <div className="panel mq-bar">
        <label className="field mq-rig">
          <span>rig</span>
          <select data-testid="mq-rig" value={rig ?? ''} onChange={(e) => pick(e.target.value)} disabled={!names.length}>
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        {rig ? (
          <ActionButton name="runNow" label="Run now" testId="mq-run-now" title={`Process ${rig}'s queue now (gt mq run ${rig})`} onClick={() => void runNow(rig)} />
        ) : null}
        <span className="muted small" data-testid="mq-counts">
          {sections.pending.length} waiting · {sections.testing.length} being tested · {sections.awaiting.reduce((n, b) => n + b.entries.length, 0)} awaiting approval ·{' '}
          {sections.failed.length} sent back · {sections.merged.length} merged
        </span>
        <span className="spacer" />
        <span className="muted small mq-keys">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd>/<kbd>d</kbd> diff · <kbd>r</kbd> retry · <kbd>X</kbd> reject · <kbd>i</kbd> inbox item · <kbd>n</kbd> run now
        </span>
      </div>
      {!names.length ? <div className="empty">No rigs yet: add one in the Rigs view, and its merge queue shows here.</div> : null}
      {error ? <div className="inline-error">Could not read the merge queue of {rig}: {error}</div> : null}
      {rig ? (
        <div className="mq-scroll">
          <Section id="pending" title="Pending" meaning="in the order the refinery takes them: priority, then age" count={sections.pending.length} empty={loaded ? 'Nothing waits.' : 'Reading…'}>
            {sections.pending.map((e, i) => (
              <EntryRow key={e.id} entry={e} position={i + 1} {...rowProps} />
            ))}
          </Section>
          <Section id="testing" title="Testing" meaning="candidates: requests applied onto the target, the checks run once on each" count={sections.testing.length} empty={sections.activeRuns.length ? null : 'Nothing is being tested.'}>
            {sections.testing.map((e) => (
              <EntryRow key={e.id} entry={e} {...rowProps} />
            ))}
            {sections.activeRuns.map((r) => (
              <RunCard key={r.id} run={r} now={now} />
            ))}
          </Section>
          <Section id="awaiting" title="Awaiting approval" meaning="the checks passed; Approve in the Deacon inbox lands the batch" count={sections.awaiting.length} empty="No batch waits for you.">
            {sections.awaiting.map((b) => (
              <BatchCard key={b.key} batch={b} rowProps={rowProps} now={now} />
            ))}
          </Section>
          <Section id="merged" title="Merged" meaning="on the target, newest first" count={sections.merged.length} empty="Nothing merged yet.">
            <NewestRows entries={sections.merged} rowProps={rowProps} />
          </Section>
          <Section id="failed" title="Failed / sent back" meaning="back with their polecat (or you): retry when fixed, or reject for good" count={sections.failed.length} empty="Nothing came back.">
            <NewestRows entries={sections.failed} rowProps={rowProps} />
          </Section>
        </div>
      ) : null}
      {rejecting ? <RejectDialog entry={rejecting} onDone={() => setRejecting(null)} /> : null}
    </section>
  )
}

/** n, r, X, d, i: on the selected request (n on the rig), while the view shows and nobody types. */
function useActionKeys(active: boolean, rig: string | null, current: MergeQueueEntry | undefined, awaiting: AwaitingBatch[], setRejecting: (e: MergeQueueEntry) => void): void {
  const ref = useRef({ active, rig, current, awaiting, setRejecting })
  ref.current = { active, rig, current, awaiting, setRejecting }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { active, rig, current, awaiting, setRejecting } = ref.current
      if (!active || e.ctrlKey || e.metaKey || e.altKey || typingTarget(e.target)) return
      const action = (Object.entries(MQ_KEYS) as [MqActionName, string][]).find(([, k]) => k === e.key)?.[0]
      if (!action) return
      e.preventDefault()
      const say = (why: string) => useUi.getState().toast('info', why)
      if (action === 'runNow') {
        if (rig) void runNow(rig)
        return
      }
      if (!current) return say('Select a request first (j/k)')
      if (action === 'diff') return openDiff({ mergeRequest: current.id })
      if (action === 'inbox') {
        const item = awaiting.find((b) => b.entries.some((x) => x.id === current.id))?.item
        return item ? useUi.getState().openInboxItem(item.id) : say(`${current.id} waits for no approval in the inbox`)
      }
      const why = mqUnavailable(action, current)
      if (why) return say(why)
      if (action === 'retry') void retry(current)
      else setRejecting(current)
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}

/** `empty`: what shows when nothing is in it (null: the children show even at count 0, e.g. a run still building). */
function Section({ id, title, meaning, count, empty, children }: { id: string; title: string; meaning: string; count: number; empty: string | null; children: ReactNode }) {
  return (
    <section className="panel mq-section" data-testid={`mq-section-${id}`} data-count={count} aria-label={title}>
      <h4>
        {title} <span className="count">{count}</span> <span className="muted">— {meaning}</span>
      </h4>
      {count === 0 && empty !== null ? <div className="muted small mq-empty">{empty}</div> : children}
    </section>
  )
}

/** What is done piles up: the newest rows show, the rest behind a button (the selection keeps its row in). */
const NEWEST_SHOWN = 30

function NewestRows({ entries, rowProps }: { entries: MergeQueueEntry[]; rowProps: Omit<RowProps, 'entry' | 'position'> }) {
  const [all, setAll] = useState(false)
  const shown = all ? entries : entries.filter((e, i) => i < NEWEST_SHOWN || e.id === rowProps.selected)
  return (
    <>
      {shown.map((e) => (
        <EntryRow key={e.id} entry={e} {...rowProps} />
      ))}
      {shown.length < entries.length ? (
        <button className="link small" onClick={() => setAll(true)}>
          show {entries.length - shown.length} older
        </button>
      ) : null}
    </>
  )
}

interface RowProps {
  entry: MergeQueueEntry
  position?: number
  selected: string | undefined
  now: number
  onSelect(id: string): void
  onReject(e: MergeQueueEntry): void
}

function EntryRow({ entry: e, position, selected, now, onSelect, onReject }: RowProps) {
  const took = entryTook(e, now)
  const canRetry = mqUnavailable('retry', e) === null
  const canReject = mqUnavailable('reject', e) === null
  return (
    <div
      className={`mq-row${selected === e.id ? ' selected' : ''}`}
      data-testid={`mq-entry-${e.id}`}
      data-row-key={e.id}
      data-state={e.state}
      onClick={() => onSelect(e.id)}
      aria-selected={selected === e.id}
    >
      <div className="mq-row-head">
        {position !== undefined ? <span className="mq-pos muted">{position}.</span> : null}
        <span className={`badge mq-state-${e.state}`}>{STATE_WORDS[e.state]}</span>
        <span className="mono strong mq-branch" title={e.branch}>
          {e.branch}
        </span>
        <span className="mq-title ellipsis" title={e.title}>
          {e.title}
        </span>
        <span className="spacer" />
        <span className="muted small nowrap" title={`P${e.priority}`}>
          P{e.priority}
        </span>
        <span className="mono muted small nowrap">{e.id}</span>
        {e.polecatId ? <span className="mono muted small nowrap">{e.polecatId}</span> : null}
        <span className="small nowrap" data-testid="mq-took" title={`queued ${shortTime(e.enqueuedAt)}${e.finishedAt ? `, finished ${shortTime(e.finishedAt)}` : ''}`}>
          {took.done ? `took ${spanText(took.ms)}` : `in the queue ${spanText(took.ms)}`}
        </span>
        <span className="mq-actions">
          <ActionButton name="diff" label="Open diff" testId={`mq-diff-${e.id}`} onClick={() => openDiff({ mergeRequest: e.id })} />
          {canRetry ? <ActionButton name="retry" label="Retry" testId={`mq-retry-${e.id}`} onClick={() => void retry(e)} /> : null}
          {canReject ? <ActionButton name="reject" label="Reject…" className="danger-quiet" testId={`mq-reject-${e.id}`} onClick={() => onReject(e)} /> : null}
        </span>
      </div>
      {e.state === 'merged' && e.mergedSha ? (
        <div className="muted small mq-row-more">
          landed in <span className="mono">{e.mergedSha.slice(0, 10)}</span> {shortTime(e.finishedAt)}
        </div>
      ) : null}
      {e.failure ? <FailureDetail failure={e.failure} /> : null}
    </div>
  )
}

function FailureDetail({ failure: f }: { failure: NonNullable<MergeQueueEntry['failure']> }) {
  const run = useMergeQueue((s) => (f.runId ? s.runs.find((r) => r.id === f.runId) : undefined))
  const [showRun, setShowRun] = useState(false)
  return (
    <div className="mq-failure" data-testid="mq-failure" data-kind={f.kind}>
      <div>
        <strong>{FAILURE_WORDS[f.kind] ?? f.kind}</strong>
        {f.by ? <span className="muted"> · by {f.by}</span> : null}
        {f.runId ? <span className="muted mono"> · run {f.runId}</span> : null}
        {run ? (
          <button
            className="link small mq-show-run"
            data-testid="mq-failure-show-run"
            aria-expanded={showRun}
            onClick={(ev) => {
              ev.stopPropagation()
              setShowRun(!showRun)
            }}
          >
            {showRun ? 'hide the run' : 'show the whole run'}
          </button>
        ) : null}
      </div>
      <div className="mq-failure-message" data-testid="mq-failure-message">
        {f.message}
      </div>
      {f.files?.length ? (
        <ul className="mq-files mono" data-testid="mq-failure-files">
          {f.files.map((file) => (
            <li key={file}>{file}</li>
          ))}
        </ul>
      ) : null}
      {f.output && !showRun ? (
        <pre className="mono-block output" data-testid="mq-failure-output">
          {f.output}
        </pre>
      ) : null}
      {run && showRun ? (
        <div className="mq-run">
          <RunHead run={run} now={Date.now()} />
          <RunTerminal run={run} />
        </div>
      ) : null}
    </div>
  )
}

function RunHead({ run, now }: { run: MergeRun; now: number }) {
  return (
    <div className="mq-run-head" data-testid={`mq-run-${run.id}`} data-status={run.status} data-requests={run.requests.join(' ')}>
      <span className={`badge mq-run-${run.status}`}>{RUN_WORDS[run.status]}</span>
      <span className="small">
        {run.requests.length} request{run.requests.length === 1 ? '' : 's'} onto <span className="mono">{run.targetBranch}</span> at{' '}
        <span className="mono">{run.targetSha.slice(0, 10)}</span>
        {run.candidateSha ? (
          <>
            {' '}
            → candidate <span className="mono">{run.candidateSha.slice(0, 10)}</span>
          </>
        ) : null}
      </span>
      <span className="spacer" />
      {run.checks.filter((c) => c.status !== 'skipped').map((c) => (
        <span key={c.check} className={`small nowrap mq-check mq-check-${c.status}`} title={c.command}>
          {c.check} {c.status} {spanText(c.durationMs)}
        </span>
      ))}
      <span className="small nowrap" data-testid="mq-run-took">
        {run.finishedAt ? `took ${spanText(runTook(run, now))}` : `running ${spanText(runTook(run, now))}`}
      </span>
      <span className="mono muted small">{run.id}</span>
    </div>
  )
}

function RunCard({ run, now }: { run: MergeRun; now: number }) {
  return (
    <div className="mq-run">
      <RunHead run={run} now={now} />
      <div className="muted small mq-run-requests mono">{run.requests.join('  ')}</div>
      <RunTerminal run={run} />
    </div>
  )
}

function BatchCard({ batch, rowProps, now }: { batch: AwaitingBatch; rowProps: Omit<RowProps, 'entry' | 'position'>; now: number }) {
  const item: InboxItem | null = batch.item
  return (
    <div className="mq-batch" data-testid={`mq-batch-${batch.key}`} data-size={batch.entries.length}>
      <div className="mq-batch-head">
        <strong>
          A batch of {batch.entries.length} request{batch.entries.length === 1 ? '' : 's'}
        </strong>
        {item ? (
          <button className="link small" data-testid="mq-inbox-link" title={`Open ${item.id} in the Deacon inbox (${MQ_KEYS.inbox})`} onClick={() => useUi.getState().openInboxItem(item.id)}>
            Approve or deny in the inbox ({item.id}) <kbd>{MQ_KEYS.inbox}</kbd>
          </button>
        ) : (
          <span className="muted small">its inbox item is not read yet</span>
        )}
      </div>
      {batch.entries.map((e) => (
        <EntryRow key={e.id} entry={e} {...rowProps} />
      ))}
      {batch.run ? (
        <div className="mq-run">
          <RunHead run={batch.run} now={now} />
          <RunTerminal run={batch.run} />
        </div>
      ) : null}
    </div>
  )
}

/** Keys typed with Shift are named so for screen readers. */
const shortcut = (k: string) => (/^[A-Z]$/.test(k) ? `Shift+${k}` : k)

function ActionButton({ name, label, testId, className, title, onClick }: { name: MqActionName; label: string; testId: string; className?: string; title?: string; onClick(): void }) {
  return (
    <button
      className={`small${className ? ` ${className}` : ''}`}
      data-testid={testId}
      title={title}
      aria-keyshortcuts={shortcut(MQ_KEYS[name])}
      onClick={(ev) => {
        ev.stopPropagation()
        onClick()
      }}
    >
      {label} <kbd>{MQ_KEYS[name]}</kbd>
    </button>
  )
}

function RejectDialog({ entry, onDone }: { entry: MergeQueueEntry; onDone(): void }) {
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const field = useRef<HTMLTextAreaElement>(null)
  // After the dialog has put focus on Cancel (the safe choice), the reason takes it: typing is the next step.
  useEffect(() => {
    const t = setTimeout(() => field.current?.focus(), 0)
    return () => clearTimeout(t)
  }, [])
  async function confirm() {
    setBusy(true)
    const ok = await reject(entry, reason)
    setBusy(false)
    if (ok) onDone()
  }
  return (
    <ConfirmDialog title={`Reject ${entry.branch}?`} confirmLabel="Reject" danger busy={busy} onConfirm={() => void confirm()} onCancel={onDone}>
      <p>
        For good: <span className="mono">{entry.id}</span> leaves the queue, its merge-request bead is closed and its polecat is told why.
      </p>
      <label className="field">
        <span>reason (the polecat reads it; Ctrl+Enter rejects)</span>
        <textarea ref={field} data-testid="mq-reject-reason" rows={3} maxLength={4000} value={reason}
          onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault()
              void confirm()
            }
          }} placeholder="e.g. superseded by the batch of the other two" />
      </label>
    </ConfirmDialog>
  )
}
