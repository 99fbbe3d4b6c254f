// The psql commands psql.test.ts checks, each run as `psql -X -c <command>` after
// psql-setup.sql, and the file its expected output is recorded in (expected/<name>.out).

export interface PsqlCase {
  readonly name: string;
  readonly command: string;
}

export const psqlCases: readonly PsqlCase[] = [
  { name: "l", command: "\\l" },
  { name: "dn", command: "\\dn" },
  { name: "dt", command: "\\dt" },
  { name: "dt-app", command: "\\dt app.*" },
  { name: "d", command: "\\d" },
  { name: "d-users", command: "\\d users" },
  { name: "d-posts", command: "\\d posts" },
  { name: "d-app-settings", command: "\\d app.settings" },
  { name: "di", command: "\\di" },
  { name: "d-users-pkey", command: "\\d users_pkey" },
  { name: "d-missing", command: "\\d no_such_table" },
];
