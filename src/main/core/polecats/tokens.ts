// Agent tokens are kept only as their sha256: the database never holds a credential an agent could replay.
import { createHash } from 'node:crypto'

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex')
