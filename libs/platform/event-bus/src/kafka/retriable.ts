/**
 * Runs `work` again while it fails with an error kafkajs marks retriable, up to `attempts` times with a
 * short linear backoff. Right after topics are created (a fresh broker, a first start), metadata requests
 * can still answer UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this topic-partition") for a
 * moment, and kafkajs gives up on it instead of waiting in some calls (createTopics' wait for leaders,
 * consumer.subscribe). Anything else is thrown at once.
 */
export async function retryWhileRetriable<T>(
  work: () => Promise<T>,
  options: { attempts: number; onRetry?: (attempt: number, error: Error) => void },
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= options.attempts || !(error instanceof Error) || (error as { retriable?: boolean }).retriable !== true) throw error;
      options.onRetry?.(attempt, error);
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
