// PostgreSQL's FigureColname: the name of a select-list column written without an alias.

import type { Ast, Node } from "../ast.ts";
import { asNode, bodyOf, namesOf, stringOf, tagOf } from "../ast.ts";

const valueFunctionNames: Record<string, string> = {
  SVFOP_CURRENT_DATE: "current_date",
  SVFOP_CURRENT_TIME: "current_time",
  SVFOP_CURRENT_TIME_N: "current_time",
  SVFOP_CURRENT_TIMESTAMP: "current_timestamp",
  SVFOP_CURRENT_TIMESTAMP_N: "current_timestamp",
  SVFOP_LOCALTIME: "localtime",
  SVFOP_LOCALTIME_N: "localtime",
  SVFOP_LOCALTIMESTAMP: "localtimestamp",
  SVFOP_LOCALTIMESTAMP_N: "localtimestamp",
  SVFOP_CURRENT_ROLE: "current_role",
  SVFOP_CURRENT_USER: "current_user",
  SVFOP_USER: "user",
  SVFOP_SESSION_USER: "session_user",
  SVFOP_CURRENT_CATALOG: "current_catalog",
  SVFOP_CURRENT_SCHEMA: "current_schema",
};

/** The name, or null when PostgreSQL would fall back to "?column?". */
interface Figured {
  readonly name: string;
  readonly strength: 1 | 2;
}

const strong = (name: string | null): Figured | null => (name === null ? null : { name, strength: 2 });

/**
 * FigureColnameInternal: the name, and how sure it is — 2 for a column, function or keyword
 * name, 1 for a fallback (a cast's type name, "case") that an outer cast may replace.
 */
function figure(node: Node): Figured | null {
  switch (tagOf(node)) {
    case "ColumnRef": {
      const fields = bodyOf<Ast.ColumnRef>(node).fields ?? [];
      const last = fields[fields.length - 1];
      if (!last || asNode(last, "A_Star")) return null;
      return strong(stringOf(last));
    }
    case "A_Indirection": {
      const body = bodyOf<Ast.A_Indirection>(node);
      const steps = body.indirection ?? [];
      const last = steps[steps.length - 1];
      if (last && asNode(last, "String")) return strong(stringOf(last));
      return figure(body.arg!);
    }
    case "FuncCall":
      return strong(namesOf(bodyOf<Ast.FuncCall>(node).funcname).pop() ?? null);
    case "A_Expr": {
      const body = bodyOf<Ast.A_Expr>(node);
      return body.kind === "AEXPR_NULLIF" ? strong("nullif") : null;
    }
    case "TypeCast": {
      const body = bodyOf<Ast.TypeCast>(node);
      const inner = figure(body.arg!);
      if (inner !== null && inner.strength > 1) return inner;
      const names = namesOf(body.typeName?.names);
      const typeName = names[names.length - 1];
      return typeName === undefined ? inner : { name: typeName, strength: 1 };
    }
    case "CollateClause":
      return figure(bodyOf<Ast.CollateClause>(node).arg!);
    case "CaseExpr": {
      const body = bodyOf<Ast.CaseExpr>(node);
      const fromDefault = body.defresult ? figure(body.defresult) : null;
      return fromDefault !== null && fromDefault.strength > 1 ? fromDefault : { name: "case", strength: 1 };
    }
    case "CoalesceExpr":
      return strong("coalesce");
    case "MinMaxExpr":
      return strong(bodyOf<Ast.MinMaxExpr>(node).op === "IS_GREATEST" ? "greatest" : "least");
    case "SQLValueFunction":
      return strong(valueFunctionNames[bodyOf<Ast.SQLValueFunction>(node).op ?? ""] ?? null);
    case "A_ArrayExpr":
      return strong("array");
    case "RowExpr":
      return strong("row");
    case "GroupingFunc":
      return strong("grouping");
    case "SubLink": {
      const body = bodyOf<Ast.SubLink>(node);
      switch (body.subLinkType) {
        case "EXISTS_SUBLINK":
          return strong("exists");
        case "ARRAY_SUBLINK":
          return strong("array");
        case "EXPR_SUBLINK": {
          const select = asNode<Ast.SelectStmt>(body.subselect, "SelectStmt");
          const first = select?.targetList?.[0];
          const target = first ? asNode<Ast.ResTarget>(first, "ResTarget") : undefined;
          if (!target) return null;
          return target.name !== undefined ? strong(target.name) : target.val ? figure(target.val) : null;
        }
        default:
          return null;
      }
    }
    default:
      return null;
  }
}

export function columnName(node: Node): string {
  return figure(node)?.name ?? "?column?";
}
