// Per-rig permission rules (always allow / ask / deny a tool or a Bash command prefix). The core pushes no
// event for them, so they are re-read on connect, when the Rigs view shows them, and after each change made here.
import type { PermissionRule } from '../../../shared/domain'
import { getClient } from '../transport'
import { createListStore } from './list'

export const usePermissionRules = createListStore<PermissionRule>(() => getClient().call('permissions.list', {}), (r) => r.id)
