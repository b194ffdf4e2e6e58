// What a user does in the control room, one step each, through the page's own controls (test ids).
import assert from 'node:assert/strict'
import type { Page } from 'playwright-core'
import { expectAttr, expectText, recordAppearances, until } from './browser'

export const tid = (page: Page, id: string) => page.getByTestId(id)

export async function expectConnected(page: Page, timeoutMs = 15_000): Promise<void> {
  await expectText(tid(page, 'connection-status'), /^connected$/, 'the connection status', timeoutMs)
}

/** Fails if an error toast is on screen (an action the user just took was refused). */
export async function expectNoErrorToast(page: Page, when: string): Promise<void> {
  const toasts = await tid(page, 'error-toast').allTextContents()
  assert.deepEqual(toasts, [], `an error toast showed ${when}`)
}

export async function goTo(page: Page, view: 'rigs' | 'work' | 'polecats' | 'inbox' | 'history' | 'refinery'): Promise<void> {
  await tid(page, `nav-${view}`).click()
  await expectAttr(tid(page, `nav-${view}`), 'aria-current', 'page', `the ${view} nav item to be current`)
}

/** Fills the Add rig form and submits; returns the test ids that appeared meanwhile and the progress texts. */
export async function submitRig(page: Page, name: string, source: string): Promise<{ seen: string[]; texts: string[] }> {
  await goTo(page, 'rigs')
  // Name first: leaving the source field fills an empty name from the source's folder name.
  await tid(page, 'rig-add-name').fill(name)
  await tid(page, 'rig-add-source').fill(source)
  assert.equal(await tid(page, 'rig-add-name').inputValue(), name)
  const stopRecording = await recordAppearances(page, ['rig-add-progress', 'rig-add-error'])
  await tid(page, 'rig-add-submit').click()
  // The form is busy while the core clones; it is done when the submit button says "Add rig" again.
  await expectText(tid(page, 'rig-add-submit'), 'Add rig', 'the rig form to finish')
  return stopRecording()
}

/** Creates a bead through the form; returns its id (from the new row's test id). */
export async function createBead(page: Page, b: { title: string; description?: string; priority?: number; rig?: string }): Promise<string> {
  await goTo(page, 'work')
  await tid(page, 'bead-create-title').fill(b.title)
  if (b.description) await tid(page, 'bead-create-description').fill(b.description)
  if (b.priority !== undefined) await tid(page, 'bead-create-priority').selectOption(String(b.priority))
  if (b.rig) await tid(page, 'bead-create-rig').selectOption(b.rig)
  await tid(page, 'bead-create-submit').click()
  const row = page.locator('[data-testid^="bead-row-"]', { hasText: b.title })
  await until(async () => (await row.count()) === 1, `one bead row titled ${JSON.stringify(b.title)}`)
  const testId = (await row.getAttribute('data-testid'))!
  await expectNoErrorToast(page, 'after creating a bead')
  return testId.slice('bead-row-'.length)
}

/** Opens the bead and slings it from its detail pane with a custom agent command. */
export async function slingBead(page: Page, beadId: string, rig: string, agentCmd: string): Promise<void> {
  await goTo(page, 'work')
  await tid(page, `bead-row-${beadId}`).click()
  const detail = tid(page, 'bead-detail')
  await expectText(detail, beadId, 'the bead detail')
  await detail.getByTestId('sling-rig').selectOption(rig)
  await detail.getByTestId('sling-runtime').selectOption('custom')
  await detail.getByTestId('sling-agent-cmd').fill(agentCmd)
  await detail.getByTestId('sling-submit').click()
  await expectAttr(tid(page, `bead-row-${beadId}`), 'data-status', 'hooked', `bead ${beadId} after slinging`)
  await expectNoErrorToast(page, 'after slinging')
}

/** The polecat working on `beadId` in `rig`, read from the Polecats list: its id (RIG/NAME). */
export async function polecatOf(page: Page, rig: string, beadId: string): Promise<string> {
  await goTo(page, 'polecats')
  const row = page.locator(`[data-testid^="polecat-row-${rig}-"]`, { hasText: beadId })
  await until(async () => (await row.count()) === 1, `a polecat row in rig ${rig} for ${beadId}`)
  const id = ((await row.locator('td').first().textContent()) ?? '').trim()
  assert.match(id, new RegExp(`^${rig}/[a-z0-9][a-z0-9_-]*$`), 'the polecat row starts with its RIG/NAME id')
  return id
}

export const key = (polecatId: string) => polecatId.replace(/\//g, '-')

/** Clicks the polecat's row (which opens its terminal pane) and waits for the pane to attach. */
export async function openTerminal(page: Page, polecatId: string): Promise<void> {
  await goTo(page, 'polecats')
  await tid(page, `polecat-row-${key(polecatId)}`).click()
  await expectAttr(tid(page, `terminal-${key(polecatId)}`), 'data-phase', 'live', `the terminal of ${polecatId} to attach`)
}
