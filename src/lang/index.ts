/**
 * The PageLab command language (shared/spec/commands.md): lexer, parser, printer (print(parse(x))
 * round-trips), the Session that runs lines against a Machine and judges `expect`, and the share
 * link codec. Depends on the engine only.
 */
export { parseLine, COMMAND_WORDS } from './parser';
export { print } from './printer';
export { lex, commentStart } from './lexer';
export { HELP, helpText, helpRequest, type HelpEntry } from './help';
export { SyntaxError_, type Stmt, type Expect } from './ast';
export { Session, formatResult, CATALOGUE_IDS, type LineResult, type SessionMark } from './session';
export {
  encodeFragment,
  decodeFragment,
  scriptLines,
  parseStep,
  MAX_LINK_CHARS,
  MAX_SCRIPT_BYTES,
  MAX_SCRIPT_LINES,
  type SharedScenario,
} from './link';
export {
  makeExercise,
  checkAnswer,
  normaliseAnswer,
  EXERCISE_KINDS,
  type Exercise,
  type ExerciseKind,
} from './exercises';
