// Check run results described in a line, for the classification tests (the runner's own results are tested
// against real processes in check-runner.test.ts).
import { CHECK_NAMES, type CheckName, type CheckRunResult, type CommandResult, type CommandStatus } from '../../src/main/core/witness/check-result'
import { readCoverage } from '../../src/main/core/witness/coverage'

export interface RunSpec {
  build?: CommandStatus
  test?: CommandStatus
  coverage?: CommandStatus
  /** What the coverage command printed. */
  coverageOutput?: string
  warnings?: Partial<Record<CheckName, number>>
  exitCode?: number
}

export function runOf(spec: RunSpec): CheckRunResult {
  const checks: CommandResult[] = CHECK_NAMES.map((check) => {
    const status = spec[check] ?? 'ok'
    return {
      check,
      command: `run-${check}`,
      status,
      exitCode: status === 'ok' ? 0 : status === 'failed' ? (spec.exitCode ?? 1) : null,
      signal: status === 'timed-out' ? 'SIGTERM' : null,
      durationMs: 10,
      timeoutMs: 600_000,
      outputHead: check === 'coverage' ? (spec.coverageOutput ?? '') : '',
      outputTail: '',
      outputBytes: 0,
      outputTruncated: false,
      warnings: spec.warnings?.[check] ?? 0,
      note: status === 'error' ? 'could not start: spawn sh ENOENT' : null
    }
  })
  const coverageRan = spec.coverageOutput !== undefined && (spec.coverage ?? 'ok') !== 'skipped'
  return {
    worktree: '/town/rigs/web/polecats/nux',
    head: 'a'.repeat(40),
    dirty: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    overall: checks.some((c) => c.status === 'cancelled') ? 'cancelled' : checks.some((c) => ['failed', 'timed-out', 'error'].includes(c.status)) ? 'failed' : 'ok',
    checks,
    coverage: coverageRan ? readCoverage(spec.coverageOutput!) : null,
    warnings: checks.reduce((n, c) => n + c.warnings, 0)
  }
}
