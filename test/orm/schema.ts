// The schema of the ORM test app: a small blog (users, posts, comments) covering what a
// Drizzle app typically declares — serial, bigserial and identity keys; varchar, text,
// boolean, integer, timestamp (with and without time zone) and jsonb columns; defaults; a
// unique index and secondary indexes. The authorId/postId columns are plain integers: no
// foreign keys, because pgz does not enforce them yet.
//
// migrations/ is generated from this file by drizzle-kit (see README.md); regenerate it
// after any change here.

import { bigserial, boolean, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex, varchar } from "drizzle-orm/pg-core";

export interface Profile {
  readonly bio?: string;
  readonly links?: readonly string[];
  readonly settings?: { readonly theme: "light" | "dark" };
}

export const users = pgTable(
  "users",
  {
    id: serial("id").primaryKey(),
    email: varchar("email", { length: 255 }).notNull(),
    name: text("name").notNull(),
    active: boolean("active").notNull().default(true),
    profile: jsonb("profile").$type<Profile>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_idx").on(t.email)],
);

export const posts = pgTable(
  "posts",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    authorId: integer("author_id").notNull(),
    title: varchar("title", { length: 200 }).notNull(),
    body: text("body").notNull(),
    published: boolean("published").notNull().default(false),
    tags: jsonb("tags").$type<string[]>().notNull().default([]),
    views: integer("views").notNull().default(0),
    createdAt: timestamp("created_at").notNull().defaultNow(),
    updatedAt: timestamp("updated_at"),
  },
  (t) => [index("posts_author_id_idx").on(t.authorId), index("posts_published_created_idx").on(t.published, t.createdAt)],
);

export const comments = pgTable(
  "comments",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    postId: integer("post_id").notNull(),
    authorId: integer("author_id").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("comments_post_id_idx").on(t.postId)],
);
