/** One environment variable that is missing or malformed, and why (never its value if it is a secret). */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/**
 * The environment cannot run the service. The message names every bad variable at once, so an operator
 * fixes them in one go instead of one restart per mistake.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues));
    this.name = 'ConfigError';
    this.issues = issues;
  }

  /** Names of the variables at fault, in the order they were found. */
  get variables(): string[] {
    return [...new Set(this.issues.map((issue) => issue.variable))];
  }
}

function formatIssues(issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.message}`);
  return [`Invalid configuration (${count}):`, ...lines].join('\n');
}

/**
 * Gathers the ConfigErrors of several configuration steps into one, so a service that checks its
 * environment in several steps still reports every bad variable together. Other errors propagate.
 */
export class ConfigIssueCollector {
  private readonly issues: ConfigIssue[] = [];

  /** The step's result, or undefined when it threw a ConfigError (kept for `throwIfAny`). */
  attempt<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.issues.push(...error.issues);
      return undefined;
    }
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new ConfigError(this.issues);
  }
}
