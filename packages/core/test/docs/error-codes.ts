/**
 * Finds the error codes the sources raise and the ones the docs name, for the check that
 * the two lists agree. A code is an UPPER_SNAKE string literal (at least one underscore) in
 * one of the places codes go: an argument of `new …Error(…)` / `new …Exception(…)`, the
 * first argument of the analyzer's `refuse(code, message)`, or the value of a `code`
 * property. The TypeScript parser finds them, so formatting and line breaks do not matter.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

export interface Place {
  readonly file: string
  readonly line: number
}

const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/

function files(dir: string, suffix: string, skip: (name: string) => boolean = () => false): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skip(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...files(path, suffix, skip))
    else if (entry.name.endsWith(suffix)) out.push(path)
  }
  return out
}

/** Every package's sources, the private benchmarks included. */
export function allSourceFiles(root: string): string[] {
  return readdirSync(join(root, 'packages')).flatMap((p) => files(join(root, 'packages', p, 'src'), '.ts'))
}

/** The packages users install: every workspace package that is not private. */
export function publishedSourceFiles(root: string): string[] {
  return readdirSync(join(root, 'packages'))
    .filter((p) => !JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')).private)
    .flatMap((p) => files(join(root, 'packages', p, 'src'), '.ts'))
}

/** Peels the wrappers a code may sit in: `cond ? 'A' : 'B'`, `('A')`, `'A' as const`. */
function codeSite(node: ts.Node): ts.Node {
  let p = node.parent
  while (ts.isConditionalExpression(p) || ts.isParenthesizedExpression(p) || ts.isAsExpression(p))
    p = p.parent
  return p
}

function isCodePosition(literal: ts.Node): boolean {
  const p = codeSite(literal)
  if (ts.isNewExpression(p)) return /(Error|Exception)$/.test(p.expression.getText())
  if (ts.isCallExpression(p)) return p.expression.getText() === 'refuse' && p.arguments[0] === literal
  if (ts.isPropertyAssignment(p)) return p.name.getText() === 'code'
  if (ts.isBinaryExpression(p))
    return p.operatorToken.kind === ts.SyntaxKind.EqualsToken && /\.code$/.test(p.left.getText())
  return false
}

/**
 * Every error code raised in `sourceFiles`, with its first place; and every other
 * UPPER_SNAKE name the sources use (constants, protocol names, other libraries' codes),
 * which the docs may mention without it being a Tributary code.
 */
export function sourceNames(
  root: string,
  sourceFiles: string[],
): { codes: Map<string, Place>; others: Set<string> } {
  const codes = new Map<string, Place>()
  const others = new Set<string>()
  for (const file of sourceFiles) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
    const visit = (node: ts.Node): void => {
      if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && CODE.test(node.text)) {
        if (isCodePosition(node)) {
          if (!codes.has(node.text))
            codes.set(node.text, {
              file: relative(root, file),
              line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1,
            })
        } else others.add(node.text)
      } else if (ts.isIdentifier(node) && CODE.test(node.text)) others.add(node.text)
      ts.forEachChild(node, visit)
    }
    visit(sf)
  }
  return { codes, others }
}

/** Every `UPPER_SNAKE` name in backticks in the docs (README and docs/, not the generated API pages). */
export function docNames(root: string): Map<string, Place> {
  const pages = [join(root, 'README.md'), ...files(join(root, 'docs'), '.md', (n) => n === 'api')]
  const names = new Map<string, Place>()
  for (const page of pages) {
    readFileSync(page, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const m of text.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)) {
          if (!names.has(m[1])) names.set(m[1], { file: relative(root, page), line: i + 1 })
        }
      })
  }
  return names
}
