// Appends each jest run's totals to $JEST_TOTALS_FILE as one JSON line, so .ci/run can print one
// `N passed, N failed` line over every project (unit, integration, ...). A suite that could not
// run at all counts as a failure. The Node version lets .ci/run say what the tests ran on.
const fs = require('node:fs');
const path = require('node:path');

class TotalsReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.JEST_TOTALS_FILE;
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const totals = { passed: results.numPassedTests, failed, skipped: results.numPendingTests + results.numTodoTests, node: process.version };
    fs.appendFileSync(file, `${JSON.stringify(totals)}\n`);
  }
}

module.exports = TotalsReporter;
