/**
 * The one place that loads tree-sitter and its Python grammar. Loaded on first use (they are
 * CommonJS native modules, so a synchronous require works), never at import time: a warm run that
 * finds every file in the parse cache does not load the native binding at all.
 */
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';

export type { default as Parser } from 'tree-sitter';

const require = createRequire(import.meta.url);
let parser: Parser | undefined;

/** A parser for Python source, shared by every caller in this thread. */
export function pythonParser(): Parser {
  if (parser === undefined) {
    const ParserClass = require('tree-sitter') as typeof Parser;
    parser = new ParserClass();
    parser.setLanguage(require('tree-sitter-python') as Parser.Language);
  }
  return parser;
}
