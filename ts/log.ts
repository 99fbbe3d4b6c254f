// The server's logger: pino, human-readable on a terminal and JSON lines otherwise. Every
// part of pgz that logs takes this Logger (pgwire's Logger interface is a subset of it).

import { isatty } from "node:tty";
import pino, { type DestinationStream, type Logger } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof logLevels)[number];

/** "auto" is pretty when the destination is a terminal, JSON otherwise. */
export const logFormats = ["auto", "pretty", "json"] as const;
export type LogFormat = (typeof logFormats)[number];

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** File descriptor written to; standard output by default. */
  readonly fd?: number;
  /** Write JSON lines here instead of a file descriptor (tests). */
  readonly stream?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const settings: pino.LoggerOptions = {
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    // The host name is the same on every line and rarely helps on a single-node database.
    base: { pid: process.pid },
  };
  if (options.stream !== undefined) return pino(settings, options.stream);
  const fd = options.fd ?? 1;
  const format = options.format ?? "auto";
  const human = format === "pretty" || (format === "auto" && isatty(fd));
  // Synchronous writes: log volume is modest (no line per statement) and lines written just
  // before exit — the shutdown summary, a fatal start-up error — must not be lost.
  if (human) {
    return pino(
      settings,
      pretty({ destination: fd, sync: true, colorize: isatty(fd), translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" }),
    );
  }
  return pino(settings, pino.destination({ dest: fd, sync: true }));
}

/** A logger that drops everything (library use without logs). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
