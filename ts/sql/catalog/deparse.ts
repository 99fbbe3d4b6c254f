// Analyzed expressions back to SQL text, as PostgreSQL's ruleutils.c prints stored expressions
// (pg_get_expr, CHECK constraints, index keys and predicates): implicit casts hidden at the top
// and shown inside operators and function arguments (`score >= 0::numeric`), constants
// labelled with their type unless the parser would read them back as that type, and — in the
// pretty form — parentheses only where precedence needs them.

import { notSupported } from "../errors.ts";
import type { Expr } from "../analyze/expr.ts";
import { quoteIdent } from "../functions/string-ops.ts";
import { formatType, Oid, type SqlType, type SqlValue, type TypeContext } from "../types/index.ts";
import { PseudoOid } from "../analyze/pseudo-types.ts";
import { formatStyled } from "../output-style.ts";

export interface DeparseOptions {
  /** pg_get_expr(..., true): parentheses only where needed. */
  readonly pretty: boolean;
}

/** `types` prints constants: the session's settings, and names for regclass and friends. */
export function deparseExpr(expr: Expr, types: TypeContext, options: DeparseOptions): string {
  return new Deparser(types, options.pretty).expr(expr, false);
}

/** How ruleutils.c classifies a node when deciding on parentheses. */
type NodeClass = "simple" | "cast" | "operator" | "test" | "bool" | "delimited";

function castOf(expr: Expr): { arg: Expr; type: SqlType; typmod: number; explicit: boolean } | null {
  if (expr.kind === "cast") return { arg: expr.arg, type: expr.type, typmod: expr.typmod, explicit: expr.display === "explicit" };
  if (expr.kind === "const" && expr.folded) return { arg: expr.folded.from, type: expr.type, typmod: expr.typmod, explicit: expr.folded.explicit };
  return null;
}

function classOf(expr: Expr): NodeClass {
  if (castOf(expr)) return "cast";
  switch (expr.kind) {
    case "const":
    case "var":
    case "param":
      return "simple";
    case "call":
      return expr.display === "operator" ? "operator" : "delimited";
    case "nulltest":
    case "booltest":
    case "inlist":
    case "arraycmp":
    case "rowcmp":
    case "sublink":
      return "test";
    case "and":
    case "or":
    case "not":
      return "bool";
    default:
      return "delimited";
  }
}

/** A string literal as ruleutils writes it (standard_conforming_strings on: only quotes double). */
function simpleQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

const lowPriority = (op: string): boolean => op === "+" || op === "-";
const highPriority = (op: string): boolean => op === "*" || op === "/" || op === "%";

class Deparser {
  constructor(
    private readonly types: TypeContext,
    private readonly pretty: boolean,
  ) {}

  /** ruleutils' isSimpleNode: whether `node` under `parent` prints without parentheses. */
  private simple(node: Expr, parent: Expr): boolean {
    const nodeClass = classOf(node);
    const parentClass = classOf(parent);
    switch (nodeClass) {
      case "simple":
      case "cast":
      case "delimited":
        return true;
      case "operator":
        if (parentClass === "operator" && node.kind === "call" && parent.kind === "call") {
          if (node.args.length !== 2 || parent.args.length !== 2) return false;
          const op = node.name;
          const parentOp = parent.name;
          if (!(lowPriority(op) || highPriority(op)) || !(lowPriority(parentOp) || highPriority(parentOp))) return false;
          if (highPriority(op) && lowPriority(parentOp)) return true;
          if (lowPriority(op) && highPriority(parentOp)) return false;
          // Same priority: (a - b) - c needs none, a - (b - c) does.
          return parent.args[0] === node;
        }
        return parentClass === "bool" || parentClass === "delimited";
      case "test":
        return parentClass === "bool" || parentClass === "delimited";
      case "bool":
        if (parentClass === "bool") {
          if (node.kind === "or") return parent.kind === "or";
          return parent.kind === "and" || parent.kind === "or";
        }
        return parentClass === "delimited";
    }
  }

  private child(node: Expr, parent: Expr, showImplicit: boolean): string {
    const text = this.expr(node, showImplicit);
    return this.pretty && !this.simple(node, parent) ? `(${text})` : text;
  }

  /** Parentheses of the node itself in the non-pretty form. */
  private own(text: string): string {
    return this.pretty ? text : `(${text})`;
  }

  expr(expr: Expr, showImplicit: boolean): string {
    const cast = castOf(expr);
    if (cast) {
      if (!cast.explicit && !showImplicit) return this.child(cast.arg, expr, false);
      return this.coercion(cast.arg, cast.type, cast.typmod, expr);
    }
    switch (expr.kind) {
      case "const":
        return this.constant(expr.value, expr.type, expr.typmod, false);
      case "cast":
        return this.coercion(expr.arg, expr.type, expr.typmod, expr);
      case "var":
        return quoteIdent(expr.name);
      case "call":
        return this.call(expr);
      case "and":
      case "or":
        return this.own(expr.args.map((arg) => this.child(arg, expr, false)).join(expr.kind === "and" ? " AND " : " OR "));
      case "not":
        return this.own(`NOT ${this.child(expr.arg, expr, false)}`);
      case "nulltest":
        return this.own(`${this.child(expr.arg, expr, true)} IS ${expr.negated ? "NOT " : ""}NULL`);
      case "booltest":
        return this.own(`${this.child(expr.arg, expr, true)} IS ${expr.negated ? "NOT " : ""}${expr.test.toUpperCase()}`);
      case "case": {
        const whens = expr.whens.map((w) => ` WHEN ${this.expr(w.cond, false)} THEN ${this.expr(w.result, true)}`).join("");
        return `CASE${whens} ELSE ${this.expr(expr.otherwise, true)} END`;
      }
      case "coalesce":
        return `COALESCE(${expr.args.map((arg) => this.expr(arg, true)).join(", ")})`;
      case "minmax":
        return `${expr.op.toUpperCase()}(${expr.args.map((arg) => this.expr(arg, true)).join(", ")})`;
      case "array":
        return `ARRAY[${expr.elements.map((e) => this.expr(e, true)).join(", ")}]`;
      case "row":
        return `ROW(${expr.args.map((arg) => this.expr(arg, true)).join(", ")})`;
      case "inlist": {
        const elements = expr.list.map((e) => this.expr(e, true)).join(", ");
        return this.own(`${this.child(expr.arg, expr, true)} ${expr.negated ? "<> ALL" : "= ANY"} (ARRAY[${elements}])`);
      }
      case "arraycmp":
        return this.own(`${this.child(expr.arg, expr, true)} ${expr.operator} ${expr.any ? "ANY" : "ALL"} (${this.child(expr.array, expr, true)})`);
      case "rowcmp":
        return this.own(`ROW(${expr.left.map((e) => this.expr(e, true)).join(", ")}) ${expr.operator} ROW(${expr.right.map((e) => this.expr(e, true)).join(", ")})`);
      case "param":
        return `$${expr.index}`;
      case "sublink":
      case "agg":
        throw notSupported(`printing a stored expression with a ${expr.kind === "agg" ? "aggregate" : "subquery"}`);
    }
  }

  private call(expr: Extract<Expr, { kind: "call" }>): string {
    if (expr.display === "operator") {
      const op = expr.name === "is distinct from" || expr.name === "is not distinct from" ? expr.name.toUpperCase() : expr.name;
      if (expr.args.length === 1) return this.own(`${op} ${this.child(expr.args[0]!, expr, true)}`);
      return this.own(`${this.child(expr.args[0]!, expr, true)} ${op} ${this.child(expr.args[1]!, expr, true)}`);
    }
    // SQL value functions (CURRENT_TIMESTAMP, ...) are keywords without an argument list.
    if (expr.args.length === 0 && expr.name === expr.name.toUpperCase() && /^[A-Z_]+$/.test(expr.name)) return expr.name;
    const name = expr.name === "nullif" ? "NULLIF" : quoteIdent(expr.name);
    return `${name}(${expr.args.map((arg) => this.expr(arg, true)).join(", ")})`;
  }

  /** ruleutils' get_coercion_expr: `arg::type`. */
  private coercion(arg: Expr, type: SqlType, typmod: number, parent: Expr): string {
    let text: string;
    if (arg.kind === "const" && !arg.folded && arg.type.oid === type.oid && arg.typmod < 0) {
      text = this.constant(arg.value, arg.type, arg.typmod, true);
    } else {
      const inner = this.child(arg, parent, false);
      text = this.pretty ? inner : `(${inner})`;
    }
    return `${text}::${formatType(type, typmod)}`;
  }

  /** ruleutils' get_const_expr with showtype 0 (label unless the parser reads it back as this type) or -1 (no label). */
  private constant(value: SqlValue, type: SqlType, typmod: number, bare: boolean): string {
    const label = `::${formatType(type, typmod)}`;
    if (value === null) return bare ? "NULL" : `NULL${label}`;
    const text = this.valueText(value, type);
    let out: string;
    let needLabel: boolean;
    switch (type.oid) {
      case Oid.int4:
        needLabel = text.startsWith("-");
        out = needLabel ? `'${text}'` : text;
        break;
      case Oid.numeric: {
        const looksFloat = /^[0-9]/.test(text) && /[eE.]/.test(text);
        out = looksFloat ? text : `'${text}'`;
        needLabel = !looksFloat || typmod >= 0;
        break;
      }
      case Oid.bool:
        out = value ? "true" : "false";
        needLabel = false;
        break;
      case PseudoOid.unknown:
        out = simpleQuote(text);
        needLabel = false;
        break;
      default:
        out = simpleQuote(text);
        needLabel = true;
    }
    return needLabel && !bare ? out + label : out;
  }

  private valueText(value: SqlValue, type: SqlType): string {
    return formatStyled(type, value, this.types);
  }
}
