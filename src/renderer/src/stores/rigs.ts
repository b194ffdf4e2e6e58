import type { Rig } from '../../../shared/domain'
import { getClient } from '../transport'
import { createListStore } from './list'

export const useRigs = createListStore<Rig>(() => getClient().call('rigs.list', {}), (r) => r.name)
