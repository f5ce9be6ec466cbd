import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One row of docs/RELIABILITY.md: what was tried, how many times, and what came out. Written only
 * when RELIABILITY_RESULTS names a file (npm run reliability); the tests assert either way.
 */
export interface Trial {
  readonly area: 'Hostile images' | 'Memory' | 'Auth' | 'Presign abuse' | 'Queue semantics' | 'Faults' | 'Load';
  readonly trial: string;
  readonly runs: number;
  readonly outcome: string;
}

export function recordTrial(trial: Trial): void {
  const file = process.env.RELIABILITY_RESULTS;
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify({ ...trial, at: new Date().toISOString() })}\n`);
}
