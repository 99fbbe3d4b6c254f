-- Parsing: syntax errors carry SQLSTATE 42601 and the 1-based character position of the
-- offending token; lexical details of the PostgreSQL grammar.

-- misspelled keyword
SELEC 1;
-- expression cut short: "at end of input", position just past the text
SELECT 1 +;
-- two expressions without a comma
SELECT 1 2;
-- FROM without a table
SELECT * FROM;
-- unbalanced parentheses
SELECT (1 + 2;
SELECT 1 + 2);
-- trailing comma in the select list
SELECT 1, FROM (VALUES (1)) AS v(x);
-- a reserved word as a table name
CREATE TABLE select (a int);
-- a missing comma between column definitions
CREATE TABLE t (a int b int);
-- INSERT without VALUES or SELECT
INSERT INTO t (a);
-- UPDATE without SET
UPDATE t a = 1;
-- WHERE twice
SELECT 1 WHERE true WHERE false;
-- error position in a multi-line statement counts characters across lines
SELECT 1,
  2 +
  FROM x;
-- the position counts characters, not bytes
SELECT 'héllo' héllo héllo;
-- zero-length quoted identifier
SELECT 1 AS "";
-- adjacent string literals on one line are an error
SELECT 'abc' 'def';
-- ...but a newline between them continues the literal
SELECT 'abc'
'def' AS joined;
-- a parameter in a simple query
SELECT $1;
-- an operator that does not exist is not a syntax error
SELECT 1 === 2;
-- comments inside a statement are ignored
SELECT /* block /* nested */ comment */ 1 AS one -- line comment
;
-- quoted reserved words work as names
CREATE TABLE "select" ("from" int, "Mixed Case" text);
INSERT INTO "select" VALUES (1, 'x');
SELECT "from", "Mixed Case" FROM "select";
DROP TABLE "select";
-- unquoted names fold to lower case
SELECT 1 AS Foo, 2 AS "Bar", 3 AS BAZ;
-- escape strings
SELECT E'tab\there' AS e, E'\x41\102\u00e9' AS codes, 'it''s' AS doubled;
-- dollar quoting
SELECT $$it's $ fine$$ AS plain, $tag$a $$ b$tag$ AS tagged;
-- Unicode escapes in string literals
SELECT U&'\0041\00e9' AS u;
-- keywords are case-insensitive
select 1 AS lower_case_keywords;
-- an empty select list is allowed and yields a row with no columns
SELECT;
-- a table with an unknown type
CREATE TABLE t (a nosuchtype);
-- keywords where an expression is expected
SELECT FROM WHERE;
-- a stray word after an alias
SELECT 1 AS a b;
