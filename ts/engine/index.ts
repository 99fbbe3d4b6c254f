// The storage engine from TypeScript: open a Db, read, write in transactions, scan.
export { Db, Txn, Iter, keySizeMax, valueSizeMax } from "./db.ts";
export type { DbOptions, TxnOptions, ScanOptions, KeyRange, Isolation, EngineStats } from "./db.ts";
export * from "./errors.ts";
