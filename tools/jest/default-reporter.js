// Jest's default progress reporter, listed by path so that Jest does not add its built-in summary
// reporter too (summary-reporter.js prints that summary, followed by the closing line).
module.exports = require('@jest/reporters').DefaultReporter;
