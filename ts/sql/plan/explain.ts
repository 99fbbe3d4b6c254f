// EXPLAIN: plans printed in PostgreSQL's text shape (as with COSTS OFF): node names such as
// "Seq Scan on t", "Index Scan using t_pkey on t", "Hash Join", with Index Cond, Filter,
// Hash Cond, Sort Key and Group Key lines.

import { formatType, type SqlValue } from "../types/index.ts";
import type { Expr } from "../analyze/expr.ts";
import { childrenOf, type AccessPath, type PlanNode } from "./nodes.ts";
import type { DmlPlan } from "./dml.ts";

type Names = Map<number, { alias: string; columns: (string | undefined)[] }>;

function collectNames(node: PlanNode, names: Names): void {
  if (node.kind === "scan") {
    names.set(node.rel, { alias: node.alias, columns: node.table.columns.map((c) => c.name) });
  }
  for (const child of childrenOf(node)) collectNames(child, names);
}

function literal(value: SqlValue, expr: Expr): string {
  if (value === null) return "NULL";
  const text = expr.type.format(value as never, { timeZone: "UTC" });
  if (expr.type.category === "N" && !/^-/.test(text)) return text;
  if (expr.type.category === "B") return text === "t" ? "true" : "false";
  return `'${text.replace(/'/g, "''")}'::${formatType(expr.type, expr.typmod)}`;
}

export function deparse(expr: Expr, names: Names, qualify: boolean, top = true): string {
  const wrap = (text: string): string => (top ? `(${text})` : `(${text})`);
  switch (expr.kind) {
    case "const":
      return literal(expr.value, expr);
    case "param":
      return `$${expr.index}`;
    case "var": {
      const entry = names.get(expr.rel);
      const column = entry?.columns[expr.col] ?? expr.name;
      return qualify && entry ? `${entry.alias}.${column}` : (column ?? "?");
    }
    case "call":
      if (expr.display === "operator" && expr.args.length === 2) {
        return wrap(`${deparse(expr.args[0]!, names, qualify, false)} ${expr.name} ${deparse(expr.args[1]!, names, qualify, false)}`);
      }
      if (expr.display === "operator" && expr.args.length === 1) return wrap(`${expr.name} ${deparse(expr.args[0]!, names, qualify, false)}`);
      return `${expr.name}(${expr.args.map((a) => deparse(a, names, qualify, false)).join(", ")})`;
    case "cast":
      return `(${deparse(expr.arg, names, qualify, false)})::${formatType(expr.type, expr.typmod)}`;
    case "and":
    case "or":
      return `(${expr.args.map((a) => deparse(a, names, qualify, false)).join(expr.kind === "and" ? " AND " : " OR ")})`;
    case "not":
      return `(NOT ${deparse(expr.arg, names, qualify, false)})`;
    case "nulltest":
      return `(${deparse(expr.arg, names, qualify, false)} IS ${expr.negated ? "NOT " : ""}NULL)`;
    case "booltest":
      return `(${deparse(expr.arg, names, qualify, false)} IS ${expr.negated ? "NOT " : ""}${expr.test.toUpperCase()})`;
    case "inlist":
      return `(${deparse(expr.arg, names, qualify, false)} ${expr.negated ? "<> ALL" : "= ANY"} ('{${expr.list.map((e) => deparse(e, names, qualify, false).replace(/^'|'::.*$/g, "")).join(",")}}'))`;
    case "arraycmp":
      return `(${deparse(expr.arg, names, qualify, false)} ${expr.operator} ${expr.any ? "ANY" : "ALL"} (${deparse(expr.array, names, qualify, false)}))`;
    case "coalesce":
      return `COALESCE(${expr.args.map((a) => deparse(a, names, qualify, false)).join(", ")})`;
    case "minmax":
      return `${expr.op.toUpperCase()}(${expr.args.map((a) => deparse(a, names, qualify, false)).join(", ")})`;
    case "case":
      return `CASE ${expr.whens.map((w) => `WHEN ${deparse(w.cond, names, qualify, false)} THEN ${deparse(w.result, names, qualify, false)}`).join(" ")} ELSE ${deparse(expr.otherwise, names, qualify, false)} END`;
    case "sublink":
      return expr.link === "exists" ? "(SubPlan)" : "(SubPlan)";
    case "agg":
      return `${expr.display}(...)`;
    case "array":
      return `ARRAY[${expr.elements.map((e) => deparse(e, names, qualify, false)).join(", ")}]`;
    case "row":
      return `ROW(${expr.args.map((a) => deparse(a, names, qualify, false)).join(", ")})`;
    case "rowcmp":
      return `(ROW(${expr.left.map((e) => deparse(e, names, qualify, false)).join(", ")}) ${expr.operator} ROW(${expr.right.map((e) => deparse(e, names, qualify, false)).join(", ")}))`;
  }
}

function indexCondition(access: AccessPath, names: Names, qualify: boolean): string | null {
  if (access.kind === "seq" || access.cond.length === 0) return null;
  if (access.cond.length === 1) return deparse(access.cond[0]!, names, qualify);
  return `(${access.cond.map((c) => deparse(c, names, qualify)).join(" AND ")})`;
}

function joinName(type: string): string {
  return type === "inner" ? "" : type === "left" ? " Left" : type === "right" ? " Right" : type === "full" ? " Full" : type === "semi" ? " Semi" : " Anti";
}

export function explainPlan(root: PlanNode, dml: DmlPlan | null = null): string[] {
  const names: Names = new Map();
  collectNames(root, names);
  const qualify = names.size > 1;
  const lines: string[] = [];
  const emit = (depth: number, text: string, details: string[]): void => {
    const indent = depth === 0 ? "" : " ".repeat(depth * 6 - 4) + "->  ";
    lines.push(indent + text);
    const detailIndent = depth === 0 ? "  " : " ".repeat(depth * 6 + 2);
    for (const detail of details) lines.push(detailIndent + detail);
  };
  const walk = (node: PlanNode, depth: number): void => {
    switch (node.kind) {
      case "project":
        // Projections are folded into the node below, as in PostgreSQL.
        if (node.input.kind === "result") emit(depth, "Result", []);
        else walk(node.input, depth);
        return;
      case "result":
        emit(depth, "Result", []);
        return;
      case "values":
        emit(depth, `Values Scan on "${node.alias}"`, []);
        return;
      case "scan": {
        const details: string[] = [];
        const access = node.access;
        const condition = indexCondition(access, names, qualify);
        if (condition) details.push(`Index Cond: ${condition}`);
        const used = access.kind === "seq" ? [] : access.cond;
        const rest = node.filter ? conjunctsOf(node.filter).filter((c) => !used.includes(c)) : [];
        if (rest.length > 0) details.push(`Filter: ${rest.length === 1 ? deparse(rest[0]!, names, qualify) : `(${rest.map((c) => deparse(c, names, qualify)).join(" AND ")})`}`);
        const alias = node.alias !== node.table.def.name ? ` ${node.alias}` : "";
        if (access.kind === "seq") emit(depth, `Seq Scan on ${node.table.def.name}${alias}`, details);
        else {
          const backward = access.kind === "range" && access.reverse ? " Backward" : "";
          const indexName = access.index.def.name;
          emit(depth, `Index Scan${backward} using ${indexName} on ${node.table.def.name}${alias}`, details);
        }
        return;
      }
      case "function":
        emit(depth, `Function Scan on ${node.name}${node.alias !== node.name ? ` ${node.alias}` : ""}`, []);
        return;
      case "virtual":
        emit(depth, `Seq Scan on ${node.name}${node.alias !== node.name ? ` ${node.alias}` : ""}`, []);
        return;
      case "subquery":
        emit(depth, `Subquery Scan on ${node.alias}`, []);
        walk(node.input, depth + 1);
        return;
      case "cte":
        emit(depth, `CTE Scan on ${node.name}${node.alias !== node.name ? ` ${node.alias}` : ""}`, []);
        return;
      case "filter": {
        if (node.input.kind === "scan" || node.input.kind === "function" || node.input.kind === "virtual" || node.input.kind === "subquery" || node.input.kind === "cte" || node.input.kind === "values") {
          const inner: string[] = [];
          const start = lines.length;
          walk(node.input, depth);
          void inner;
          const detailIndent = depth === 0 ? "  " : " ".repeat(depth * 6 + 2);
          lines.splice(start + 1, 0, `${detailIndent}Filter: ${deparse(node.predicate, names, qualify)}`);
          return;
        }
        emit(depth, "Result", [`Filter: ${deparse(node.predicate, names, qualify)}`]);
        walk(node.input, depth + 1);
        return;
      }
      case "project-set":
        emit(depth, "ProjectSet", []);
        walk(node.input, depth + 1);
        return;
      case "nested-loop":
        emit(depth, `Nested Loop${joinName(node.joinType)} Join`.replace("Nested Loop Join", "Nested Loop"), node.predicate ? [`Join Filter: ${deparse(node.predicate, names, qualify)}`] : []);
        walk(node.left, depth + 1);
        walk(node.right, depth + 1);
        return;
      case "hash-join": {
        const cond = node.leftKeys.map((k, i) => `(${deparse(k, names, qualify, false)} = ${deparse(node.rightKeys[i]!, names, qualify, false)})`);
        const details = [`Hash Cond: ${cond.length === 1 ? cond[0] : `(${cond.join(" AND ")})`}`];
        if (node.predicate) details.push(`Join Filter: ${deparse(node.predicate, names, qualify)}`);
        emit(depth, `Hash${joinName(node.joinType)} Join`, details);
        walk(node.left, depth + 1);
        emit(depth + 1, "Hash", []);
        walk(node.right, depth + 2);
        return;
      }
      case "aggregate": {
        const hashed = node.groupKeys.length > 0;
        emit(depth, hashed ? "HashAggregate" : "Aggregate", hashed ? [`Group Key: ${node.groupKeys.map((k) => deparse(k, names, qualify, false)).join(", ")}`] : []);
        walk(node.input, depth + 1);
        return;
      }
      case "sort":
        emit(depth, "Sort", [`Sort Key: ${node.keys.map((k) => sortKeyText(k.expr, names, qualify, k.descending, k.nullsFirst, node)).join(", ")}`]);
        walk(node.input, depth + 1);
        return;
      case "limit":
        emit(depth, "Limit", []);
        walk(node.input, depth + 1);
        return;
      case "distinct":
        emit(depth, node.on ? "Unique" : "HashAggregate", []);
        walk(node.input, depth + 1);
        return;
      case "setop":
        if (node.op === "union") {
          emit(depth, node.all ? "Append" : "HashAggregate", []);
          if (!node.all) {
            emit(depth + 1, "Append", []);
            walk(node.left, depth + 2);
            walk(node.right, depth + 2);
          } else {
            walk(node.left, depth + 1);
            walk(node.right, depth + 1);
          }
          return;
        }
        emit(depth, `HashSetOp ${node.op === "intersect" ? "Intersect" : "Except"}${node.all ? " All" : ""}`, []);
        walk(node.left, depth + 1);
        walk(node.right, depth + 1);
        return;
      case "lock-rows":
        emit(depth, "LockRows", []);
        walk(node.input, depth + 1);
        return;
    }
  };
  if (dml) {
    const verb = dml.kind === "insert" ? "Insert" : dml.kind === "update" ? "Update" : "Delete";
    emit(0, `${verb} on ${dml.table.def.name}`, []);
    walk(dml.source, 1);
  } else walk(root, 0);
  return lines;
}

function sortKeyText(expr: Expr, names: Names, qualify: boolean, descending: boolean, nullsFirst: boolean, node: PlanNode): string {
  let shown = expr;
  // Sort keys refer to the projection below: show the projected expression.
  if (expr.kind === "var" && node.kind === "sort" && node.input.kind === "project") {
    const projected = node.input.exprs[expr.col];
    if (projected) shown = projected;
  }
  let text = deparse(shown, names, qualify, false);
  if (descending) text += " DESC";
  if (descending && !nullsFirst) text += " NULLS LAST";
  if (!descending && nullsFirst) text += " NULLS FIRST";
  return text;
}

function conjunctsOf(expr: Expr): Expr[] {
  return expr.kind === "and" ? expr.args.flatMap(conjunctsOf) : [expr];
}
