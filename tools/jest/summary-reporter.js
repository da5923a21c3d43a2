// Prints one plain closing line that any CI log reader understands:
//   jest: <passed> passed, <failed> failed, <skipped> skipped
// Suites that failed to run at all (syntax error, failing beforeAll) count as failures.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
