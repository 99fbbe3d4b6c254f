// Drizzle ORM against a server: the blog app in app.ts, run once with the postgres.js driver
// and once with the Bun.sql driver, each in its own database. The schema comes from the
// drizzle-kit migrations checked in under migrations/, applied with migrate() (twice: the
// second run must find nothing to do). Then inserts (single, multi-row, RETURNING, ON
// CONFLICT), selects (joins, eq/and/or/like/ilike/inArray, ORDER BY, LIMIT, count/sum/max with
// GROUP BY and HAVING, sql`` expressions and whole sql`` queries), updates, deletes, a unique
// violation, and transactions that commit, roll back on a thrown error, and roll back a
// nested savepoint.
//
// The tests of one driver run in order and build on each other, as an app's requests would.
//
// Target: pgz by default; PGZ_ORM_TARGET=postgres runs the same against a throwaway
// PostgreSQL 15 (must pass).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { join } from "node:path";
import { drizzle as drizzleBunSql } from "drizzle-orm/bun-sql";
import { migrate as migrateBunSql } from "drizzle-orm/bun-sql/migrator";
import { drizzle as drizzlePostgresJs } from "drizzle-orm/postgres-js";
import { migrate as migratePostgresJs } from "drizzle-orm/postgres-js/migrator";
import { count, eq, sql } from "drizzle-orm";
import pg from "pg";
import postgres from "postgres";
import * as app from "./app.ts";
import { comments, posts, users } from "./schema.ts";
import { connectionUrl, type RunningServer } from "../tools/support/server-info.ts";
import { startTarget, targetFrom } from "../tools/support/target.ts";

const target = targetFrom("PGZ_ORM_TARGET");
const migrationsFolder = join(import.meta.dir, "migrations");
let server: RunningServer;

beforeAll(async () => {
  server = await startTarget(target);
  // One database per driver, so each starts from an empty schema.
  const admin = new pg.Client({ host: server.host, port: server.port, user: server.user, database: server.database });
  await admin.connect();
  try {
    for (const driver of drivers) await admin.query(`CREATE DATABASE ${driver.database}`);
  } finally {
    await admin.end();
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

interface Driver {
  readonly name: string;
  readonly database: string;
  /**
   * Drizzle 0.45's bun-sql driver sends jsonb values already JSON-encoded and Bun.sql encodes
   * them again, so the column holds a JSON string (drizzle-orm issue 4942, fixed in its v1
   * beta): reading the column back gives the object, but jsonb operators see a string.
   */
  readonly jsonbStoredAsString: boolean;
  /** Connects; returns the Drizzle database, how to apply the migrations, and how to close. */
  connect(url: string): { db: app.AppDb; migrate(): Promise<void>; close(): Promise<void> };
}

const drivers: readonly Driver[] = [
  {
    name: "postgres.js",
    database: "orm_postgresjs",
    jsonbStoredAsString: false,
    connect(url) {
      const client = postgres(url, { max: 4, onnotice: () => {} });
      const db = drizzlePostgresJs({ client, schema: app.schema });
      return { db, migrate: () => migratePostgresJs(db, { migrationsFolder }), close: () => client.end() };
    },
  },
  {
    name: "Bun.sql",
    database: "orm_bunsql",
    jsonbStoredAsString: true,
    connect(url) {
      const client = new SQL({ url, max: 4 });
      const db = drizzleBunSql({ client, schema: app.schema });
      return { db, migrate: () => migrateBunSql(db, { migrationsFolder }), close: () => client.close() };
    },
  },
];

const at = (iso: string) => new Date(iso);

/** The SQLSTATE of a failed query, through Drizzle's wrapper (DrizzleQueryError.cause). */
function sqlState(error: unknown): string | undefined {
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    const record = e as { code?: unknown; errno?: unknown };
    if (typeof record.code === "string" && /^[0-9A-Z]{5}$/.test(record.code)) return record.code;
    if (typeof record.errno === "string" && /^[0-9A-Z]{5}$/.test(record.errno)) return record.errno;
  }
  return undefined;
}

for (const driver of drivers) {
  describe(`Drizzle (${driver.name}) against ${target}`, () => {
    let conn: ReturnType<Driver["connect"]>;
    let db: app.AppDb;
    const ids = { alice: 0, bob: 0, carol: 0, dave: 0, posts: [] as number[] };

    beforeAll(() => {
      conn = driver.connect(connectionUrl({ ...server, database: driver.database }));
      db = conn.db;
    });

    afterAll(async () => {
      await conn?.close();
    });

    test("migrations apply, and a second run finds nothing to do", async () => {
      await conn.migrate();
      await conn.migrate();
      const applied = await db.execute(sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`);
      expect(Number((applied as unknown as { n: number }[])[0]?.n)).toBe(1);
      for (const table of [users, posts, comments]) {
        expect(await db.select({ n: count() }).from(table)).toEqual([{ n: 0 }]);
      }
    });

    test("insert one row with RETURNING: defaults, serial key, jsonb", async () => {
      const before = Date.now();
      const alice = await app.createUser(db, {
        email: "alice@example.com",
        name: "Alice",
        profile: { bio: "writes about databases", links: ["https://example.com/a"], settings: { theme: "dark" } },
      });
      ids.alice = alice.id;
      expect(alice).toMatchObject({ id: 1, email: "alice@example.com", name: "Alice", active: true });
      expect(alice.profile).toEqual({ bio: "writes about databases", links: ["https://example.com/a"], settings: { theme: "dark" } });
      expect(alice.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(alice.createdAt.getTime() - before)).toBeLessThan(60_000);
    });

    test("multi-row insert with RETURNING of chosen columns", async () => {
      const rows = await app.createUsers(db, [
        { email: "bob@example.com", name: "Bob" },
        { email: "carol@example.org", name: "Carol" },
        { email: "dave@example.com", name: "Dave" },
      ]);
      expect(rows).toEqual([
        { id: 2, email: "bob@example.com" },
        { id: 3, email: "carol@example.org" },
        { id: 4, email: "dave@example.com" },
      ]);
      [ids.bob, ids.carol, ids.dave] = rows.map((row) => row.id) as [number, number, number];
    });

    test("posts with an identity key, jsonb arrays and explicit timestamps; comments with bigserial keys", async () => {
      const specs = [
        { authorId: ids.alice, title: "Drizzle and pgz", body: "…", tags: ["orm", "bun"], published: true, createdAt: at("2024-03-01T10:00:00Z") },
        { authorId: ids.alice, title: "Drizzle migrations", body: "…", tags: ["orm"], published: true, createdAt: at("2024-03-02T10:00:00Z") },
        { authorId: ids.alice, title: "A draft about Drizzle", body: "…", tags: [], published: false, createdAt: at("2024-03-03T10:00:00Z") },
        { authorId: ids.bob, title: "Drizzle for beginners", body: "…", tags: ["orm", "intro"], published: true, createdAt: at("2024-03-04T10:00:00Z") },
        { authorId: ids.dave, title: "Storage engines", body: "…", published: true, createdAt: at("2024-03-05T10:00:00Z") },
      ];
      for (const spec of specs) ids.posts.push((await app.createPost(db, spec)).id);
      expect(ids.posts).toEqual([1, 2, 3, 4, 5]);
      const [first] = await db.select().from(posts).where(eq(posts.id, 5));
      expect(first).toMatchObject({ tags: [], views: 0, published: true, updatedAt: null });
      expect(first?.createdAt.toISOString()).toBe("2024-03-05T10:00:00.000Z");

      const commentIds = await app.addComments(db, ids.posts[0]!, [
        { authorId: ids.bob, body: "nice" },
        { authorId: ids.carol, body: "+1" },
        { authorId: ids.dave, body: "what about joins?" },
      ]);
      expect(commentIds).toEqual([1, 2, 3]);
      expect(await app.addComments(db, ids.posts[3]!, [{ authorId: ids.alice, body: "welcome" }])).toEqual([4]);
    });

    test("select by a unique column", async () => {
      expect(await app.findUserByEmail(db, "carol@example.org")).toMatchObject({ id: ids.carol, name: "Carol", profile: null });
      expect(await app.findUserByEmail(db, "nobody@example.org")).toBeUndefined();
    });

    test("join with and(), eq, like, ORDER BY and LIMIT", async () => {
      const feed = await app.publishedFeed(db, { titleLike: "%Drizzle%", limit: 2 });
      expect(feed.map(({ postId, title, author, tags }) => ({ postId, title, author, tags }))).toEqual([
        { postId: 4, title: "Drizzle for beginners", author: "Bob", tags: ["orm", "intro"] },
        { postId: 2, title: "Drizzle migrations", author: "Alice", tags: ["orm"] },
      ]);
      expect(feed[0]?.createdAt.toISOString()).toBe("2024-03-04T10:00:00.000Z");
    });

    test("inArray, or() and ilike", async () => {
      expect((await app.postsByAuthors(db, [ids.bob, ids.dave])).map((p) => p.id)).toEqual([4, 5]);
      expect(await app.postsByAuthors(db, [ids.carol])).toEqual([]);
      expect(await app.searchUsers(db, "AR")).toEqual([{ id: ids.carol, name: "Carol" }]);
      expect(await app.searchUsers(db, "dave@example.com")).toEqual([{ id: ids.dave, name: "Dave" }]);
    });

    test("left join with count and GROUP BY", async () => {
      expect(await app.commentCounts(db)).toEqual([
        { postId: 1, title: "Drizzle and pgz", comments: 3 },
        { postId: 4, title: "Drizzle for beginners", comments: 1 },
        { postId: 2, title: "Drizzle migrations", comments: 0 },
        { postId: 3, title: "A draft about Drizzle", comments: 0 },
        { postId: 5, title: "Storage engines", comments: 0 },
      ]);
    });

    test("sql`` expressions and whole sql`` queries", async () => {
      expect(await app.usersWithDomain(db, "example.com")).toEqual([
        { id: ids.alice, domain: "example.com", theme: driver.jsonbStoredAsString ? null : "dark" },
        { id: ids.bob, domain: "example.com", theme: null },
        { id: ids.dave, domain: "example.com", theme: null },
      ]);
      expect(await app.postCountRaw(db, ids.alice)).toBe(3);
      expect(await app.postCountRaw(db, ids.carol)).toBe(0);
    });

    test("updates: SET values, SET expressions, jsonb, RETURNING", async () => {
      const published = await app.publishPost(db, 3, at("2024-04-01T00:00:00Z"));
      expect(published).toMatchObject({ id: 3, published: true });
      expect(published?.updatedAt?.toISOString()).toBe("2024-04-01T00:00:00.000Z");
      expect(await app.publishPost(db, 999, new Date())).toBeUndefined();
      expect(await app.addViews(db, 1, 10)).toBe(10);
      expect(await app.addViews(db, 1, 5)).toBe(15);
      expect(await app.addViews(db, 2, 7)).toBe(7);
      expect(await app.addViews(db, 4, 1)).toBe(1);
      await app.updateProfile(db, ids.bob, { bio: "new here", settings: { theme: "light" } });
      expect((await app.findUserByEmail(db, "bob@example.com"))?.profile).toEqual({ bio: "new here", settings: { theme: "light" } });
    });

    test("aggregates: count, sum, max with GROUP BY and HAVING", async () => {
      const stats = await app.authorStats(db, 0);
      expect(stats.map(({ authorId, name, posts: n, views }) => ({ authorId, name, posts: n, views }))).toEqual([
        { authorId: ids.alice, name: "Alice", posts: 3, views: 22 },
        { authorId: ids.bob, name: "Bob", posts: 1, views: 1 },
        { authorId: ids.dave, name: "Dave", posts: 1, views: 0 },
      ]);
      expect(stats[0]?.latest?.toISOString()).toBe("2024-03-03T10:00:00.000Z");
      expect((await app.authorStats(db, 1)).map((s) => s.authorId)).toEqual([ids.alice]);
    });

    test("an update of several rows changes what joins see", async () => {
      expect(await app.deactivateUsers(db, [ids.bob, ids.carol])).toBe(2);
      const feed = await app.publishedFeed(db, { titleLike: "Drizzle%", limit: 10 });
      expect(feed.map((p) => p.postId)).toEqual([2, 1]);
    });

    test("ON CONFLICT DO UPDATE and DO NOTHING", async () => {
      const bob = await app.upsertUser(db, { email: "bob@example.com", name: "Robert" });
      expect(bob).toMatchObject({ id: ids.bob, name: "Robert", active: true });
      const erin = await app.upsertUser(db, { email: "erin@example.com", name: "Erin" });
      expect(erin.id).toBeGreaterThan(ids.dave);
      expect(await app.inviteUsers(db, ["alice@example.com", "frank@example.com", "erin@example.com"])).toBe(1);
    });

    test("a unique violation is reported with SQLSTATE 23505 and changes nothing", async () => {
      const before = await db.select({ n: count() }).from(users);
      const error = await app.createUser(db, { email: "alice@example.com", name: "Alice again" }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).not.toBeNull();
      expect(sqlState(error)).toBe("23505");
      expect(await db.select({ n: count() }).from(users)).toEqual(before);
    });

    test("delete with RETURNING", async () => {
      expect((await app.deleteCommentsOf(db, 1)).sort((a, b) => a - b)).toEqual([1, 2, 3]);
      expect(await app.deleteCommentsOf(db, 1)).toEqual([]);
      expect(await db.select({ id: comments.id }).from(comments)).toEqual([{ id: 4 }]);
    });

    test("a transaction that commits", async () => {
      const { user, post } = await app.signUpWithFirstPost(db, { email: "grace@example.com", name: "Grace", title: "Hello", body: "first" });
      expect(await app.findUserByEmail(db, "grace@example.com")).toMatchObject({ id: user.id, name: "Grace" });
      expect(await app.postsByAuthors(db, [user.id])).toEqual([{ id: post.id, authorId: user.id, title: "Hello" }]);
    });

    test("a transaction that fails part-way rolls back everything", async () => {
      const postsBefore = await db.select({ n: count() }).from(posts);
      const usersBefore = await db.select({ n: count() }).from(users);
      // The user insert succeeds inside the transaction; the unique violation of the second
      // attempt below is not reached — the first statement fails on the duplicate email.
      const duplicate = await app
        .signUpWithFirstPost(db, { email: "grace@example.com", name: "Grace 2", title: "Again", body: "x" })
        .then(() => null, (e: unknown) => e);
      expect(sqlState(duplicate)).toBe("23505");
      // Here the inserts and updates succeed and the app itself throws: all are undone.
      const thrown = await app.handOverPosts(db, ids.alice, ids.dave, 100).then(() => null, (e: unknown) => e);
      expect(thrown).toBeInstanceOf(app.InsufficientPostsError);
      expect(await db.select({ n: count() }).from(posts)).toEqual(postsBefore);
      expect(await db.select({ n: count() }).from(users)).toEqual(usersBefore);
      expect((await app.postsByAuthors(db, [ids.alice])).map((p) => p.id)).toEqual([1, 2, 3]);
      expect((await app.findUserByEmail(db, "alice@example.com"))?.active).toBe(true);
    });

    test("the same transaction commits when the app is satisfied", async () => {
      expect(await app.handOverPosts(db, ids.alice, ids.dave, 1)).toBe(3);
      expect((await app.postsByAuthors(db, [ids.dave])).map((p) => p.id)).toEqual([1, 2, 3, 5]);
      expect((await app.findUserByEmail(db, "alice@example.com"))?.active).toBe(false);
    });

    test("a nested transaction (savepoint) rolls back alone", async () => {
      const postsBefore = await db.select({ n: count() }).from(posts);
      const result = await app.commentWithOptionalPost(db, ids.dave, 5, "kept", "rolled back");
      expect(result.nested).toBe("rolled back");
      expect(typeof result.commentId).toBe("number");
      expect(await db.select({ body: comments.body }).from(comments).where(eq(comments.postId, 5))).toEqual([{ body: "kept" }]);
      expect(await db.select({ n: count() }).from(posts)).toEqual(postsBefore);
    });
  });
}
