// Ways into the Merge queue view from elsewhere (an inbox item of a gated batch): the rig it shows and the
// request selected. The rig chosen last is kept here while the page lives, since the view unmounts when
// another shows.
import { useUi } from '../../stores/ui'

let chosenRig: string | null = null

export const lastChosenRig = (): string | null => chosenRig

export function chooseRig(rig: string): void {
  chosenRig = rig
}

/** Shows the Merge queue view on `rig`, with `requestId` selected. */
export function openMergeQueue(rig: string, requestId?: string): void {
  chosenRig = rig
  const ui = useUi.getState()
  if (requestId) ui.select('refinery', requestId)
  ui.setView('refinery')
}
