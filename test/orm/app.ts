// The ORM test app: a small blog service written the way a Drizzle user writes one, against
// any Drizzle PostgreSQL database (postgres.js or Bun.sql driver) or transaction. Each
// function is one thing an app does; drizzle.test.ts calls them and checks the results.

import { and, asc, count, desc, eq, gt, ilike, inArray, like, max, or, sql, sum, TransactionRollbackError } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { comments, posts, users, type Profile } from "./schema.ts";

export const schema = { users, posts, comments };
export type AppDb = PgDatabase<PgQueryResultHKT, typeof schema>;

export type User = typeof users.$inferSelect;
export type Post = typeof posts.$inferSelect;
export type Comment = typeof comments.$inferSelect;

// ---------------------------------------------------------------- inserts

export async function createUser(db: AppDb, input: { email: string; name: string; profile?: Profile }): Promise<User> {
  const [user] = await db.insert(users).values(input).returning();
  if (user === undefined) throw new Error("insert returned no row");
  return user;
}

/** One multi-row INSERT ... RETURNING of just the keys. */
export async function createUsers(db: AppDb, inputs: readonly { email: string; name: string }[]): Promise<{ id: number; email: string }[]> {
  return db.insert(users).values([...inputs]).returning({ id: users.id, email: users.email });
}

export async function createPost(
  db: AppDb,
  input: { authorId: number; title: string; body: string; tags?: string[]; published?: boolean; createdAt?: Date },
): Promise<Post> {
  const [post] = await db.insert(posts).values(input).returning();
  if (post === undefined) throw new Error("insert returned no row");
  return post;
}

export async function addComments(db: AppDb, postId: number, entries: readonly { authorId: number; body: string }[]): Promise<number[]> {
  const rows = await db
    .insert(comments)
    .values(entries.map((entry) => ({ ...entry, postId })))
    .returning({ id: comments.id });
  return rows.map((row) => row.id);
}

/** Insert or update by the unique email: ON CONFLICT (email) DO UPDATE. */
export async function upsertUser(db: AppDb, input: { email: string; name: string }): Promise<User> {
  const [user] = await db
    .insert(users)
    .values(input)
    .onConflictDoUpdate({ target: users.email, set: { name: input.name, active: true } })
    .returning();
  if (user === undefined) throw new Error("upsert returned no row");
  return user;
}

/** ON CONFLICT DO NOTHING: how many of the emails were new. */
export async function inviteUsers(db: AppDb, emails: readonly string[]): Promise<number> {
  const rows = await db
    .insert(users)
    .values(emails.map((email) => ({ email, name: email.split("@")[0] ?? email })))
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  return rows.length;
}

// ---------------------------------------------------------------- selects

export async function findUserByEmail(db: AppDb, email: string): Promise<User | undefined> {
  const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return user;
}

/** Published posts by active authors whose title matches, newest first: join, and(), like, order, limit. */
export async function publishedFeed(db: AppDb, options: { titleLike: string; limit: number }) {
  return db
    .select({ postId: posts.id, title: posts.title, author: users.name, tags: posts.tags, createdAt: posts.createdAt })
    .from(posts)
    .innerJoin(users, eq(posts.authorId, users.id))
    .where(and(eq(posts.published, true), eq(users.active, true), like(posts.title, options.titleLike)))
    .orderBy(desc(posts.createdAt), asc(posts.id))
    .limit(options.limit);
}

/** Posts of some authors: inArray. */
export async function postsByAuthors(db: AppDb, authorIds: readonly number[]) {
  return db
    .select({ id: posts.id, authorId: posts.authorId, title: posts.title })
    .from(posts)
    .where(inArray(posts.authorId, [...authorIds]))
    .orderBy(posts.id);
}

/** Users whose name or email matches: or(), ilike, eq. */
export async function searchUsers(db: AppDb, term: string) {
  return db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(or(ilike(users.name, `%${term}%`), eq(users.email, term)))
    .orderBy(users.id);
}

/** Comments per post, zero included: left join, count, group by. */
export async function commentCounts(db: AppDb) {
  return db
    .select({ postId: posts.id, title: posts.title, comments: count(comments.id) })
    .from(posts)
    .leftJoin(comments, eq(comments.postId, posts.id))
    .groupBy(posts.id, posts.title)
    .orderBy(desc(count(comments.id)), asc(posts.id));
}

/** Per author: posts, total views, latest post; only authors with more than minPosts posts. */
export async function authorStats(db: AppDb, minPosts: number) {
  return db
    .select({
      authorId: users.id,
      name: users.name,
      posts: count(posts.id),
      views: sum(posts.views).mapWith(Number),
      latest: max(posts.createdAt),
    })
    .from(users)
    .innerJoin(posts, eq(posts.authorId, users.id))
    .groupBy(users.id, users.name)
    .having(({ posts: postCount }) => gt(postCount, minPosts))
    .orderBy(users.id);
}

/** A hand-written expression inside a builder query: sql`` with parameters and column references. */
export async function usersWithDomain(db: AppDb, domain: string) {
  return db
    .select({
      id: users.id,
      domain: sql<string>`split_part(${users.email}, '@', 2)`,
      theme: sql<string | null>`${users.profile} -> 'settings' ->> 'theme'`,
    })
    .from(users)
    .where(sql`${users.email} LIKE ${`%@${domain}`}`)
    .orderBy(users.id);
}

/** A whole query as an sql`` template (db.execute), rows as the driver returns them. */
export async function postCountRaw(db: AppDb, authorId: number): Promise<number> {
  const result = await db.execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM ${posts} WHERE ${posts.authorId} = ${authorId}`);
  // postgres.js and Bun.sql both hand back an array of rows.
  const rows = result as unknown as readonly { n: number | string }[];
  return Number(rows[0]?.n);
}

// ---------------------------------------------------------------- updates and deletes

export async function publishPost(db: AppDb, postId: number, at: Date): Promise<Post | undefined> {
  const [post] = await db.update(posts).set({ published: true, updatedAt: at }).where(eq(posts.id, postId)).returning();
  return post;
}

/** views = views + n, with a SET expression. */
export async function addViews(db: AppDb, postId: number, n: number): Promise<number | undefined> {
  const [row] = await db
    .update(posts)
    .set({ views: sql`${posts.views} + ${n}` })
    .where(eq(posts.id, postId))
    .returning({ views: posts.views });
  return row?.views;
}

export async function deactivateUsers(db: AppDb, ids: readonly number[]): Promise<number> {
  const rows = await db.update(users).set({ active: false }).where(inArray(users.id, [...ids])).returning({ id: users.id });
  return rows.length;
}

export async function updateProfile(db: AppDb, userId: number, profile: Profile): Promise<void> {
  await db.update(users).set({ profile }).where(eq(users.id, userId));
}

export async function deleteCommentsOf(db: AppDb, postId: number): Promise<number[]> {
  const rows = await db.delete(comments).where(eq(comments.postId, postId)).returning({ id: comments.id });
  return rows.map((row) => row.id);
}

// ---------------------------------------------------------------- transactions

/** A new author and their first post, both or neither. */
export async function signUpWithFirstPost(db: AppDb, input: { email: string; name: string; title: string; body: string }) {
  return db.transaction(async (tx) => {
    const user = await createUser(tx, { email: input.email, name: input.name });
    const post = await createPost(tx, { authorId: user.id, title: input.title, body: input.body, published: true });
    return { user, post };
  });
}

export class InsufficientPostsError extends Error {
  override readonly name = "InsufficientPostsError";
}

/**
 * Moves every post of one author to another and deactivates the first — unless fewer than
 * minPosts moved, in which case it throws and the transaction rolls back.
 */
export async function handOverPosts(db: AppDb, fromId: number, toId: number, minPosts: number): Promise<number> {
  return db.transaction(async (tx) => {
    const moved = await tx.update(posts).set({ authorId: toId }).where(eq(posts.authorId, fromId)).returning({ id: posts.id });
    await tx.update(users).set({ active: false }).where(eq(users.id, fromId));
    if (moved.length < minPosts) throw new InsufficientPostsError(`only ${moved.length} posts to hand over`);
    return moved.length;
  });
}

/** A nested transaction (a savepoint) that rolls back while the outer one commits. */
export async function commentWithOptionalPost(db: AppDb, authorId: number, postId: number, body: string, badTitle: string) {
  return db.transaction(async (tx) => {
    const [comment] = await tx.insert(comments).values({ postId, authorId, body }).returning({ id: comments.id });
    const nested = await tx
      .transaction(async (inner) => {
        await createPost(inner, { authorId, title: badTitle, body: "never kept" });
        inner.rollback();
      })
      .then(
        () => "committed" as const,
        (error: unknown) => {
          if (error instanceof TransactionRollbackError) return "rolled back" as const;
          throw error;
        },
      );
    return { commentId: comment?.id, nested };
  });
}
