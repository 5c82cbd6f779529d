/**
 * The SQLSTATE classes (the first two characters of a code) a SpendSense tool can meet, named as
 * PostgreSQL's documentation names them (Appendix A, "PostgreSQL Error Codes").
 */
const CLASSES: Readonly<Record<string, string>> = {
  '08': 'connection exception',
  '0A': 'feature not supported',
  '0L': 'invalid grantor',
  '0P': 'invalid role specification',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '25': 'invalid transaction state',
  '28': 'invalid authorization specification',
  '2B': 'dependent privilege descriptors still exist',
  '3D': 'invalid catalog name',
  '3F': 'invalid schema name',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention',
  '58': 'system error',
  XX: 'internal error',
};

/** `SQLSTATE 42501, class 42: syntax error or access rule violation`. */
export function describeSqlState(code: string): string {
  const sqlClass = code.slice(0, 2);
  const name = Object.hasOwn(CLASSES, sqlClass) ? CLASSES[sqlClass] : 'unlisted class';
  return `SQLSTATE ${code}, class ${sqlClass}: ${name}`;
}
