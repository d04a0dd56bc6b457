// The lint step that `npm test` runs (tsc's noUnusedLocals/noUnusedParameters run in every build,
// tsconfig.json): in worker/, supervisor/ and sys/, no explicit `any` outside the files that wrap
// an untyped native API (koffi, uWebSockets.js) and the published app contract's type parameter
// defaults, and no exported value that no other file imports (tests and bench count as
// importers). Read with the TypeScript parser, so comments and strings do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/process.js';
import { sources } from '../helpers/source-files.js';

/** Where `any` is the honest type: koffi's untyped module, uWS's loosely typed callbacks. */
const ANY_BOUNDARY = new Set(['sys/libc.ts', 'worker/uws/native.ts']);
/** The published app contract: a type parameter may default to `any`, as Bun's types do, so apps' unannotated handlers type-check. */
const APP_CONTRACT = 'worker/contract.ts';

const isTypeParameterDefault = (n: ts.Node) => ts.isTypeParameterDeclaration(n.parent) && n.parent.default === n;
const CHECKED = ['worker', 'supervisor', 'sys'];
const IMPORTERS = [...CHECKED, 'test', 'bench'];

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

function walk(node: ts.Node, visit: (n: ts.Node) => void): void {
  visit(node);
  ts.forEachChild(node, (child) => walk(child, visit));
}

const line = (sf: ts.SourceFile, n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;

/** The repository path a relative specifier names, or undefined for a package or non-TypeScript file. */
function target(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.') || !spec.endsWith('.js')) return undefined;
  return path.posix.join(path.posix.dirname(from), spec.slice(0, -3) + '.ts');
}

/**
 * Values a file exports (functions, classes, constants, enums; not types, which cost nothing at
 * run time and often name a signature's parts; not `default` or `export *`), with their lines.
 */
function exportsOf(sf: ts.SourceFile): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sf.statements) {
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) {
      if (!s.isTypeOnly) for (const e of s.exportClause.elements) if (!e.isTypeOnly) out.set(e.name.text, line(sf, e));
      continue;
    }
    const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported || ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword)) continue;
    if (ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) out.set(d.name.text, line(sf, d));
    if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) out.set(s.name.text, line(sf, s));
  }
  return out;
}

/** What `import(...)` takes: `(await import(x)).name`, `const { a, b } = await import(x)`, else everything ('*'). */
function dynamicNames(call: ts.CallExpression): string[] {
  let n: ts.Node = call.parent;
  while (ts.isAwaitExpression(n) || ts.isParenthesizedExpression(n)) n = n.parent;
  if (ts.isPropertyAccessExpression(n)) return [n.name.text];
  if (ts.isVariableDeclaration(n) && ts.isObjectBindingPattern(n.name)) {
    return n.name.elements.map((e) => (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : ts.isIdentifier(e.name) ? e.name.text : '*'));
  }
  return ['*'];
}

/** "file#name" for each name other files import or re-export, "file#*" for whole-module uses. */
function usesOf(sf: ts.SourceFile, file: string, used: Set<string>): void {
  walk(sf, (n) => {
    const from = (spec: ts.Node | undefined) => (spec && ts.isStringLiteral(spec) ? target(file, spec.text) : undefined);
    if (ts.isImportDeclaration(n)) {
      const t = from(n.moduleSpecifier);
      const b = n.importClause?.namedBindings;
      if (!t || !b) return;
      if (ts.isNamespaceImport(b)) used.add(`${t}#*`);
      else for (const e of b.elements) used.add(`${t}#${(e.propertyName ?? e.name).text}`);
    } else if (ts.isExportDeclaration(n)) {
      const t = from(n.moduleSpecifier);
      if (!t) return;
      if (!n.exportClause || !ts.isNamedExports(n.exportClause)) used.add(`${t}#*`);
      else for (const e of n.exportClause.elements) used.add(`${t}#${(e.propertyName ?? e.name).text}`);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const t = from(n.arguments[0]);
      if (t) for (const name of dynamicNames(n)) used.add(`${t}#${name}`);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument)) {
      const t = from(n.argument.literal);
      if (t) used.add(n.qualifier && ts.isIdentifier(n.qualifier) ? `${t}#${n.qualifier.text}` : `${t}#*`);
    }
  });
}

test('no explicit any in worker/, supervisor/ or sys/ outside the koffi and uWS boundary files and the app contract\'s type parameter defaults', () => {
  const found: string[] = [];
  for (const file of CHECKED.flatMap(sources)) {
    if (ANY_BOUNDARY.has(file)) continue;
    const sf = parse(file);
    walk(sf, (n) => {
      if (n.kind === ts.SyntaxKind.AnyKeyword && !(file === APP_CONTRACT && isTypeParameterDefault(n))) found.push(`${file}:${line(sf, n)}`);
    });
  }
  assert.deepEqual(found, []);
});

test('every exported value in worker/, supervisor/ and sys/ is imported by another file', () => {
  const used = new Set<string>();
  for (const file of IMPORTERS.flatMap(sources)) usesOf(parse(file), file, used);
  const unused: string[] = [];
  for (const file of CHECKED.flatMap(sources)) {
    if (used.has(`${file}#*`)) continue;
    for (const [name, at] of exportsOf(parse(file))) if (!used.has(`${file}#${name}`)) unused.push(`${file}:${at} ${name}`);
  }
  assert.deepEqual(unused, []);
  assert.ok(used.has('supervisor/run/process.ts#Proc'), 'the import scan finds imports');
});
