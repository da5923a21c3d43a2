import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';

/**
 * Warnings kafkajs prints at start-up about choices made here on purpose: the Java-compatible default
 * partitioner (set explicitly), and bounded producer retries (so publish() fails while the broker is
 * down and the outbox relay backs off; the relay's retries keep delivery at-least-once).
 */
const DELIBERATE_CHOICES = [/switched default partitioner/, /Limiting retries for the idempotent producer/];

/**
 * Error answers kafkajs logs at ERROR although it retries the request itself: a broker that has just
 * started (coordinator loading, no leader yet). They say nothing an operator must act on.
 */
const RETRIED_BY_KAFKAJS = /coordinator is loading|not the correct coordinator|no leader for this topic-partition|leader not available/i;

/**
 * Routes kafkajs's own logs into pino. kafkajs INFO lines (joins, restarts) become debug; its WARN
 * and ERROR stay as they are (an ERROR during a broker outage is expected: the bus keeps retrying).
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const fields = { kafkajs: namespace, ...extra };
      if (DELIBERATE_CHOICES.some((pattern) => pattern.test(message))) logger.debug(fields, message);
      else if (namespace === 'Connection' && RETRIED_BY_KAFKAJS.test(String(extra['error'] ?? ''))) logger.debug(fields, message);
      else if (level === logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.debug(fields, message);
      else logger.trace(fields, message);
    };
}

export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  if (logger.isLevelEnabled('warn')) return logLevel.WARN;
  return logLevel.ERROR;
}
