import type { Polecat } from '../../../shared/domain'
import { getClient } from '../transport'
import { createListStore } from './list'

export const usePolecats = createListStore<Polecat>(() => getClient().call('polecats.list', {}), (p) => p.id)
