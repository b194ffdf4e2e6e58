// Polecats keep a persistent identity: a name from this pool, reused when that polecat is idle.
export const NAME_POOL = [
  'nux', 'slit', 'toast', 'ace', 'dag', 'capable', 'cheedo', 'keeper', 'rictus', 'morsov',
  'furiosa', 'max', 'glory', 'valkyrie', 'corpus', 'coma', 'bullet', 'jessie', 'scabrous', 'praetor',
  'giddy', 'organic', 'scrotus', 'dementus', 'jack', 'vuvalini', 'angharad', 'splendid', 'doof', 'warboy'
]

/** The first pool name not in use; past the pool, name-2, name-3 … */
export function nextName(taken: Set<string>): string {
  for (const n of NAME_POOL) if (!taken.has(n)) return n
  for (let i = 2; ; i++) for (const n of NAME_POOL) if (!taken.has(`${n}-${i}`)) return `${n}-${i}`
}
