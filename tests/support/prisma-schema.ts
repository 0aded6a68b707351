// The tables and columns prisma/schema.prisma maps its models to, and the names a hand-written statement uses, for
// tests that pin hand-written SQL to the schema.
// Read from the file itself: the prisma-client generator exports no DMMF (Prisma.dmmf is only in the older
// prisma-client-js), and tests/db/migrations.test.ts checks the migrations against that file.
import fs from 'node:fs';
import path from 'node:path';

export interface SchemaModel {
  table: string;
  /** Scalar and enum fields (not relations) → their column. */
  columns: Map<string, string>;
}

/** Each model's table and columns, from @@map and @map (the names Prisma uses when there is none). */
export function schemaModels(schema: string): Map<string, SchemaModel> {
  const blocks = [...schema.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)];
  const modelNames = new Set(blocks.map(([, name]) => name!));
  const models = new Map<string, SchemaModel>();
  for (const [, name, body] of blocks) {
    const model: SchemaModel = { table: name!, columns: new Map() };
    for (const raw of body!.split('\n')) {
      const line = raw.replace(/^\s*\/\/.*$/, '').trim();
      const table = /^@@map\("([^"]+)"\)/.exec(line);
      if (table) model.table = table[1]!;
      const field = /^(\w+)\s+(\w+)(?:\[\]|\?)?(?:\s+(.*))?$/.exec(line);
      if (!field || modelNames.has(field[2]!)) continue;
      const column = /@map\("([^"]+)"\)/.exec(field[3] ?? '');
      model.columns.set(field[1]!, column ? column[1]! : field[1]!);
    }
    models.set(name!, model);
  }
  return models;
}

/** The models of the project's prisma/schema.prisma. */
export function projectSchemaModels(): Map<string, SchemaModel> {
  const file = path.resolve(__dirname, '..', '..', 'prisma', 'schema.prisma');
  return schemaModels(fs.readFileSync(file, 'utf8'));
}

// The SQL words the statements use. A statement using another one fails the audit naming it: add it here.
const KEYWORDS = new Set(
  `select from where and or not is null distinct order by as join left on with update set returning exists
   filter for true false case when then end int text
   limit offset asc desc ilike interval union all in cross lateral else
   at time zone`.split(/\s+/),
);

/**
 * The tables a statement reads or writes, and the names in it that are neither SQL keywords, functions, nor names
 * the statement defines itself (common table expressions, aliases, output names): those must be columns.
 */
export function namesIn(sql: string): { tables: string[]; others: string[] } {
  const text = sql
    .replace(/'(?:[^']|'')*'/g, ' ')
    .replace(/::\s*\w+(?:\[\])?/g, ' ')
    .replace(/"(\w+)"/g, '$1');
  const defined = new Set<string>();
  for (const [, name] of text.matchAll(/\b(\w+)\s+AS\s*\(/gi)) defined.add(name!);
  for (const [, name] of text.matchAll(/\bAS\s+(\w+)/gi)) defined.add(name!);
  const tables = new Set<string>();
  const references = /\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)\b(?!\s*\()(?:[ \t]+(\w+))?/gi;
  for (const [, table, alias] of text.matchAll(references)) {
    if (!defined.has(table!)) tables.add(table!);
    if (alias && !KEYWORDS.has(alias.toLowerCase())) defined.add(alias);
  }
  const others = [...text.matchAll(/\b([A-Za-z_]\w*)\b(?!\s*\()/g)]
    .map(([, name]) => name!)
    .filter((name) => !KEYWORDS.has(name.toLowerCase()) && !defined.has(name) && !tables.has(name));
  return { tables: [...tables].sort(), others: [...new Set(others)] };
}
