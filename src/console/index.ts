/**
 * The command language shared by the app's console and a terminal: parse a
 * line, run it against a ConsoleBackend (the node's API) and a ConsoleHost
 * (the surroundings), and get structured output back.
 */
export { Console, describeError, type ConsoleInit } from './console.ts'
export { COMMANDS } from './commands/index.ts'
export { applyCompletion, complete, type Completion } from './complete.ts'
export * from './errors.ts'
export { showCommand, showOverview } from './help.ts'
export { History, HISTORY_LIMIT } from './history.ts'
export { Output, type Block, type Sink, type Tone } from './output.ts'
export { createRegistry, parseLine, usageLine, type ParsedLine } from './parse.ts'
export { renderAll, renderText } from './render-text.ts'
export { damerauLevenshtein, suggest } from './suggest.ts'
export type * from './types.ts'
export { GROUPS } from './types.ts'
export { parseDate, parseSize, SIZE_HELP, DATE_HELP, type DateBound } from './units.ts'
export { joinWords, quote, splitWords, tokenize, type Word } from './words.ts'
