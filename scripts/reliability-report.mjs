// Turns the trials recorded by a run of the adversarial suites (RELIABILITY_RESULTS, one JSON line
// per trial) into docs/RELIABILITY.md. Run through `npm run reliability`, which runs them first.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const [resultsFile, outputFile = 'docs/RELIABILITY.md'] = process.argv.slice(2);
if (!resultsFile) {
  console.error('usage: node scripts/reliability-report.mjs <results.jsonl> [output.md]');
  process.exit(1);
}
const trials = readFileSync(resultsFile, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
const areas = ['Hostile images', 'Memory', 'Auth', 'Presign abuse', 'Queue semantics', 'Faults', 'Load'];
const escape = (text) => String(text).replace(/\|/g, '\\|');
const runAt = trials.map((trial) => trial.at).sort()[0];

const sections = areas.map((area) => {
  const rows = trials.filter((trial) => trial.area === area);
  if (rows.length === 0) return `## ${area}\n\nNot run in this report.\n`;
  return [
    `## ${area}`,
    '',
    '| what was tried | runs | outcome |',
    '|---|---|---|',
    ...rows.map((row) => `| ${escape(row.trial)} | ${row.runs} | ${escape(row.outcome)} |`),
    '',
  ].join('\n');
});

writeFileSync(
  outputFile,
  [
    '# Reliability',
    '',
    'What the adversarial, fault and load suites under `integration/` tried against the real local stack',
    '(LocalStack 4.14.0 with S3 signature validation on, DynamoDB Local, cognito-local, the function images',
    'under their Runtime Interface Emulator), how many times, and what came out. Every row is an assertion',
    'that passed in the run that wrote this file; a failing trial fails the run and writes nothing.',
    '',
    `Regenerate with \`npm run reliability\` (about 10 minutes). Run: ${runAt} on ${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB.`,
    '',
    ...sections,
  ].join('\n'),
);
console.log(`wrote ${outputFile} from ${trials.length} trials`);
