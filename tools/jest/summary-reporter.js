// Jest's own summary, then one plain closing line that any CI log reader understands:
//   jest: <passed> passed, <failed> failed, <skipped> skipped
// Suites that failed to run at all (syntax error, failing beforeAll) count as failures.
// It extends Jest's SummaryReporter (instead of being listed after 'default') because Jest always
// appends its built-in summary after every custom reporter: this way our line really is the last one.
const { SummaryReporter } = require('@jest/reporters');

class ClosingLineReporter extends SummaryReporter {
  onRunComplete(testContexts, results) {
    super.onRunComplete(testContexts, results);
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stderr.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}

module.exports = ClosingLineReporter;
