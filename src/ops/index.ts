/**
 * The ops stage's public surface: the model, both front ends, the build used by the engine, the
 * offline-SQL merge used by the runtime, and helpers for operation rules.
 */
export * from './model.js';
export { buildOperations, fileOperations, targetOf, SQL_FRONT_END_MODULES, type BuildInput, type SqlCache } from './build.js';
export { contextualize, phaseOf, tableKey, tableOf, type ContextMeta } from './context.js';
export { operationsFromCall, columnFromPython, executeSql, nameValue, KNOWN_OPERATIONS, type OpDraft, type PythonFrontEndHooks } from './from-python.js';
export { loadSqlParser, sqlParserReady, operationsFromSql, splitOfflineSql, neutralizeBindParams, type OfflineSection, type SqlFrontEndOptions } from './from-sql.js';
export { operationsFromOfflineSql, mergeFrontEnds, operationSignature } from './offline.js';
export { typeFromPython, defaultFromPython, typeChangeRewrites, typeLabel, sqlExpressionVolatility } from './types.js';
