import type { Reporter } from './types.js';
import { textReporter } from './text.js';
import { jsonReporter } from './json.js';
import { githubReporter } from './github.js';
import { sarifReporter } from './sarif.js';
import { markdownReporter } from './markdown.js';
import { htmlReporter } from './html/index.js';

/** Reporters by --format name. */
export const reporters: Record<string, Reporter> = {
  text: textReporter,
  json: jsonReporter,
  github: githubReporter,
  sarif: sarifReporter,
  markdown: markdownReporter,
  html: htmlReporter,
};

export type { Report, ReportContext, Reporter, ReportRevision } from './types.js';
