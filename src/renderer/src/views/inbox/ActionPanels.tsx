// The small forms some actions need before they run: which "always allow" rule, a reason to deny, when to
// snooze until, the text of a reply. Each takes the keyboard while open (its keys are shown), Esc closes it,
// and nothing of the inbox's own keys fires while one is open.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react'
import type { InboxItem } from '../../../../shared/domain'
import { parseSnoozeTime, snoozeChoices, toLocalInputValue } from '../../lib/snooze'
import { approve, deny, reply, snooze } from './inbox-actions'

/** The small forms, and the Stop dialog (a modal: stopping an agent asks first). */
export type PanelMode = 'always' | 'deny' | 'snooze' | 'reply' | 'stop'

interface PanelProps {
  item: InboxItem
  onClose(): void
}

/** Focus moves into the panel when it opens; Esc anywhere in it closes it. */
function usePanel(onClose: () => void) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('[data-autofocus]') ?? ref.current
    first?.focus()
  }, [])
  const onEscape = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault()
      e.stopPropagation()
      onClose()
    }
  }
  return { ref, onEscape }
}

export function AlwaysPanel({ item, onClose }: PanelProps) {
  const { ref, onEscape } = usePanel(onClose)
  const [busy, setBusy] = useState(false)
  const isBash = item.tool?.name === 'Bash' && typeof (item.tool.input as { command?: unknown } | null)?.command === 'string'
  async function choose(always: 'prefix' | 'tool') {
    if (busy) return
    setBusy(true)
    const ok = await approve(item, always)
    setBusy(false)
    if (ok) onClose()
  }
  const onKey = (e: KeyboardEvent) => {
    onEscape(e)
    if (e.ctrlKey || e.metaKey || e.altKey) return
    if (e.key === 'p' && isBash) {
      e.preventDefault()
      void choose('prefix')
    } else if (e.key === 't') {
      e.preventDefault()
      void choose('tool')
    }
  }
  return (
    <div className="action-panel" ref={ref} tabIndex={-1} onKeyDown={onKey} data-testid="inbox-always-panel" aria-label="Always allow">
      <div className="panel-title">
        Approve, and from now on always allow in rig <span className="mono">{item.rig}</span>:
      </div>
      <div className="panel-row">
        {isBash ? (
          <button data-autofocus className="small" disabled={busy} data-testid="inbox-always-prefix" onClick={() => void choose('prefix')}>
            <kbd>p</kbd> commands starting like this one
          </button>
        ) : null}
        <button data-autofocus={isBash ? undefined : true} className="small" disabled={busy} data-testid="inbox-always-tool" onClick={() => void choose('tool')}>
          <kbd>t</kbd> any use of {item.tool?.name ?? 'this tool'}
        </button>
        <span className="spacer" />
        <button className="small" onClick={onClose} disabled={busy}>
          <kbd>Esc</kbd> cancel
        </button>
      </div>
      {isBash ? <div className="hint small">The control room picks the prefix: the program and its subcommand (e.g. <span className="mono">npm test</span>), never a chained command. The rule shows in the rig's settings (Rigs view), where it can be changed or removed.</div> : null}
    </div>
  )
}

export function DenyPanel({ item, onClose }: PanelProps) {
  const { ref, onEscape } = usePanel(onClose)
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit() {
    if (busy) return
    setBusy(true)
    const ok = await deny(item, reason)
    setBusy(false)
    if (ok) onClose()
  }
  return (
    <div className="action-panel" ref={ref} onKeyDown={onEscape} data-testid="inbox-deny-panel">
      <form
        className="panel-row"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <input
          data-autofocus
          className="grow"
          data-testid="inbox-deny-reason"
          value={reason}
          maxLength={4000}
          onChange={(e) => setReason(e.target.value)}
          placeholder="Why not (optional): the agent reads this, e.g. “use make test instead”"
          aria-label="Reason for denying"
        />
        <button type="submit" className="small danger" disabled={busy} data-testid="inbox-deny-confirm">
          <kbd>Enter</kbd> Deny
        </button>
        <button type="button" className="small" onClick={onClose} disabled={busy}>
          <kbd>Esc</kbd> cancel
        </button>
      </form>
    </div>
  )
}

export function SnoozePanel({ item, onClose }: PanelProps) {
  const { ref, onEscape } = usePanel(onClose)
  const [now] = useState(() => new Date())
  const choices = snoozeChoices(now)
  const [custom, setCustom] = useState(() => toLocalInputValue(choices[1].until))
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  async function until(d: Date) {
    if (busy) return
    setBusy(true)
    const ok = await snooze(item, d)
    setBusy(false)
    if (ok) onClose()
  }
  const onKey = (e: KeyboardEvent) => {
    onEscape(e)
    if (e.ctrlKey || e.metaKey || e.altKey || (e.target as HTMLElement).closest('input')) return
    const c = choices.find((x) => x.key === e.key)
    if (c) {
      e.preventDefault()
      void until(c.until)
    }
  }
  return (
    <div className="action-panel" ref={ref} tabIndex={-1} onKeyDown={onKey} data-testid="inbox-snooze-panel">
      <div className="panel-title">Snooze until:</div>
      <div className="panel-row">
        {choices.map((c, i) => (
          <button key={c.key} data-autofocus={i === 0 ? true : undefined} className="small" disabled={busy} data-testid={`inbox-snooze-${c.key}`} onClick={() => void until(c.until)} title={c.until.toLocaleString()}>
            <kbd>{c.key}</kbd> {c.label}
          </button>
        ))}
      </div>
      <form
        className="panel-row"
        onSubmit={(e) => {
          e.preventDefault()
          const d = parseSnoozeTime(custom, new Date())
          if (typeof d === 'string') setError(d)
          else void until(d)
        }}
      >
        <input
          type="datetime-local"
          data-testid="inbox-snooze-time"
          value={custom}
          onChange={(e) => {
            setCustom(e.target.value)
            setError(null)
          }}
          aria-label="Snooze until this time"
          aria-invalid={error ? true : undefined}
        />
        <button type="submit" className="small" disabled={busy} data-testid="inbox-snooze-custom">
          Snooze until then
        </button>
        <span className="spacer" />
        <button type="button" className="small" onClick={onClose} disabled={busy}>
          <kbd>Esc</kbd> cancel
        </button>
      </form>
      {error ? <div className="inline-error">{error}</div> : null}
    </div>
  )
}

export function ReplyPanel({ item, onClose }: PanelProps) {
  const { ref, onEscape } = usePanel(onClose)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  async function submit() {
    if (busy || !text.trim()) return
    setBusy(true)
    const ok = await reply(item, text)
    setBusy(false)
    if (ok) onClose()
  }
  return (
    <div className="action-panel" ref={ref} onKeyDown={onEscape} data-testid="inbox-reply-panel">
      <div className="panel-title">
        Reply to <span className="mono">{item.polecatId}</span> — mailed, and given to the agent when it is at its prompt (never typed into a half-written line):
      </div>
      <textarea
        data-autofocus
        data-testid="inbox-reply-text"
        rows={3}
        value={text}
        maxLength={20000}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault()
            void submit()
          }
        }}
        placeholder="Your answer"
        aria-label="Reply"
      />
      <div className="panel-row">
        <span className="hint small">Shift+Enter: new line</span>
        <span className="spacer" />
        <button className="small primary" disabled={busy || !text.trim()} data-testid="inbox-reply-send" onClick={() => void submit()}>
          <kbd>Enter</kbd> Send
        </button>
        <button className="small" onClick={onClose} disabled={busy}>
          <kbd>Esc</kbd> cancel
        </button>
      </div>
    </div>
  )
}
