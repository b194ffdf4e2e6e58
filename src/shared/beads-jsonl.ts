// What `beads.import` and `beads.export` answer (the contract's results), shared by the core, gt and the
// renderer; the work itself is in src/main/core/ledger-sync/.

export type BeadsRecordKind = 'issue' | 'dependency' | 'label' | 'comment' | 'event'

/** A label or dependency of a bead that is neither in the files nor in the ledger: nothing to attach it to. */
export interface ImportOrphan {
  file: string
  line: number
  kind: 'label' | 'dependency'
  issueId: string
}

export interface ImportConflict {
  id: string
  file: string
  line: number
  why: string
}

export interface ImportReport {
  dryRun: boolean
  files: { file: string; kinds: Partial<Record<BeadsRecordKind, number>> }[]
  /** Files read and left alone (Beads' config.jsonl), and why. */
  ignored: { file: string; why: string }[]
  beads: { created: number; updated: number; unchanged: number; conflicts: ImportConflict[] }
  labels: { added: number }
  dependencies: { added: number; external: number }
  events: { added: number; duplicates: number }
  /** Labels and dependencies of beads that are neither in the files nor in the ledger: nothing to attach them to. */
  skipped: ImportOrphan[]
}

/** One Beads file as exported: its Beads name (issues.jsonl, events.jsonl, …) and its JSONL. */
export interface ExportedFile {
  name: string
  text: string
}
