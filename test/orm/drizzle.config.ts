// drizzle-kit's configuration for the ORM test app: `drizzle-kit generate` writes the SQL
// migrations checked in under migrations/; the test applies them with migrate() at run time.
// DATABASE_URL is only needed by the commands that talk to a server (push, pull), which the
// catalog-query capture (test/tools/capture-client-queries.ts) runs against PostgreSQL.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./test/orm/schema.ts",
  out: "./test/orm/migrations",
  dbCredentials: { url: process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres" },
});
