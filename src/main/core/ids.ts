// Ids for rows the core creates (mail, escalations): a prefix, the time in base 36 (so they sort by
// creation), and a little randomness so two in the same millisecond differ.
import { randomBytes } from 'node:crypto'

export const newId = (prefix: string): string => `${prefix}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`
