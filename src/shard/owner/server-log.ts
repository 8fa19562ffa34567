import { writeSync } from 'node:fs';

/**
 * One line to the server log (stderr) from an owner thread, written at once: a worker's
 * process.stderr is asynchronous, and the line must come before the reply it explains. When
 * stderr is a pipe nobody drains fast enough (EAGAIN) the line is dropped: a log line must never
 * fail the owner's work.
 */
export function serverLog(line: string): void {
  try {
    writeSync(2, line + '\n');
  } catch {
    // dropped
  }
}
