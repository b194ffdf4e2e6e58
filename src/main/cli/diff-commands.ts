// gt diff and gt review: the diff of a polecat's branch or a merge request, and comments on its lines.
// File names and patches are written by agents: everything printed goes through safe-text.
import type { BranchDiff, DiffFileEntry, DiffSection, FilePatch, ReviewComment } from '../../shared/domain'
import { safeJson, safeLine, safeText } from '../../shared/safe-text'

/** What these commands need from gt.ts: the call to the control room, argument parsing, usage errors. */
export interface CliKit {
  call<T>(method: string, params: unknown): Promise<T>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- option values are checked by the core's schemas
  parse(args: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>): { values: Record<string, any>; positionals: string[] }
  usage(message: string): Error
}

export const DIFF_HELP = `  gt diff RIG/NAME|MR-ID [--stat]             a polecat's branch (and its uncommitted changes) or a merge
                                              request against where it left the rig's branch: files, +/−, patches
  gt review comment RIG/NAME|MR-ID FILE:LINE TEXT [--old] [--uncommitted]
                                              comment on a line (new side unless --old); the polecat gets it as
                                              mail (REVIEW) and a merge request waits for a new gt done
  gt review list RIG/NAME|MR-ID               the comments on that branch`

const write = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n')
const out = (s: string): void => write(safeText(s))
const json = (v: unknown): void => write(safeJson(v, 2))
const L = safeLine

/** RIG/NAME is a polecat; anything else is taken for a merge-request bead id (the core checks which it is). */
export function diffTarget(arg: string | undefined, kit: CliKit): { polecat: string } | { mergeRequest: string } {
  if (!arg) throw kit.usage('missing RIG/NAME (a polecat) or MR-ID (a merge request)')
  return arg.includes('/') ? { polecat: arg } : { mergeRequest: arg }
}

const LETTER: Record<DiffFileEntry['status'], string> = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', binary: 'B' }

function fileRows(s: DiffSection): string {
  const names = s.files.map((f) => (f.oldPath ? `${L(f.oldPath)} → ${L(f.path)}` : L(f.path)))
  const width = Math.min(80, Math.max(0, ...names.map((n) => n.length)))
  const rows = s.files.map((f, i) => {
    const counts = f.binary ? 'binary' : [f.additions || f.status !== 'deleted' ? `+${f.additions}` : '', f.deletions || f.status === 'deleted' ? `−${f.deletions}` : ''].filter(Boolean).join(' ')
    return ` ${LETTER[f.status]}  ${names[i].padEnd(width)}  ${counts}`
  })
  const t = s.totals
  rows.push(`${t.files} file${t.files === 1 ? '' : 's'} changed, +${t.additions} −${t.deletions}${s.truncated ? ' (the list is cut short: more files changed)' : ''}`)
  return rows.join('\n')
}

function header(d: BranchDiff): string {
  const what = d.target.kind === 'polecat' ? `polecat ${L(d.target.id)}` : `merge request ${L(d.target.id)}${d.target.polecatId ? ` (polecat ${L(d.target.polecatId)})` : ''}`
  return `${what} · branch ${L(d.target.branch)}\nbase ${L(d.base.ref)} at ${d.base.sha.slice(0, 12)} (where the branch left it) → head ${L(d.head.ref)} at ${d.head.sha.slice(0, 12)}`
}

async function patches(d: BranchDiff, kit: CliKit, target: object): Promise<FilePatch[]> {
  const list: FilePatch[] = []
  const sections: [DiffSection | null, 'committed' | 'uncommitted'][] = [[d, 'committed'], [d.uncommitted, 'uncommitted']]
  for (const [s, section] of sections) for (const f of s?.files ?? []) list.push(await kit.call<FilePatch>('diff.file', { ...target, path: f.path, section }))
  return list
}

export async function runDiff(args: string[], kit: CliKit): Promise<void> {
  const a = kit.parse(args, { stat: { type: 'boolean' } })
  const target = diffTarget(a.positionals[0], kit)
  const d = await kit.call<BranchDiff>('diff.get', target)
  const all = a.values.stat ? null : await patches(d, kit, target)
  if (a.values.json) return json(all ? { ...d, patches: all } : d)
  out(header(d))
  out(d.files.length ? fileRows(d) : '(no commits on the branch change any file yet)')
  if (d.uncommitted?.files.length) out(`\nUncommitted in the worktree (not on the branch yet):\n${fileRows(d.uncommitted)}`)
  for (const p of all ?? []) {
    out(`\n${p.section === 'uncommitted' ? '(uncommitted) ' : ''}${p.patch || (p.truncated ? `${L(p.path)}: too large to show` : `${L(p.path)}: no textual change`)}`)
    if (p.truncated && p.patch) out(`… (${L(p.path)}: the patch is cut short here)`)
  }
}

function commentLine(c: ReviewComment): string {
  const mail = !c.mailId ? 'no polecat to mail' : c.mailDeliveredAt ? `mail delivered ${c.mailDeliveredAt}` : 'mail waiting for the agent'
  return `${L(c.id)}  ${L(c.path)}:${c.line} (${c.side}${c.section === 'uncommitted' ? ', uncommitted' : ''}) at ${c.headSha.slice(0, 12)} · ${c.createdAt} · ${mail}\n${c.body
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n')}`
}

export async function runReview(sub: string | undefined, args: string[], kit: CliKit): Promise<void> {
  if (sub === 'comment') {
    const a = kit.parse(args, { old: { type: 'boolean' }, uncommitted: { type: 'boolean' } })
    const [targetArg, where, ...words] = a.positionals
    const target = diffTarget(targetArg, kit)
    const m = /^([\s\S]+):(\d+)$/.exec(where ?? '')
    if (!m) throw kit.usage(`give the line as FILE:LINE (e.g. src/app.ts:42), not ${JSON.stringify(where ?? '')}`)
    const body = words.join(' ')
    if (!body.trim()) throw kit.usage('missing TEXT: what should change on that line')
    const c = await kit.call<ReviewComment>('review.comment', {
      ...target,
      path: m[1],
      line: Number(m[2]),
      side: a.values.old ? 'old' : 'new',
      section: a.values.uncommitted ? 'uncommitted' : 'committed',
      body
    })
    if (a.values.json) return json(c)
    return out(
      `Commented on ${L(c.path)}:${c.line} (${c.id}). ` +
        (c.polecatId ? `${L(c.polecatId)} gets it as mail (REVIEW) at its prompt.` : 'No polecat works on that branch: nobody was mailed.') +
        (c.target.kind === 'merge-request' ? ` Merge request ${L(c.target.id)} waits for a new gt done.` : '')
    )
  }
  if (sub === 'list') {
    const a = kit.parse(args, {})
    const list = await kit.call<ReviewComment[]>('review.list', diffTarget(a.positionals[0], kit))
    if (a.values.json) return json(list)
    return out(list.length ? list.map(commentLine).join('\n\n') : '(no review comments on that branch)')
  }
  throw kit.usage('gt review comment|list')
}
