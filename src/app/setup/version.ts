/** This build's version (package.json's; the bundler keeps only this field). */
import { version } from '../../../package.json'

export const VERSION: string = version
