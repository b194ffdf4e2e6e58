import type { ConvoyStatus } from '../../../shared/domain'
import { getClient } from '../transport'
import { createListStore } from './list'

// Open and landed convoys, read on connect; each change comes as a `convoy` event carrying the convoy as it now is.
export const useConvoys = createListStore<ConvoyStatus>(() => getClient().call('convoys.list', { includeLanded: true }), (c) => c.id)
