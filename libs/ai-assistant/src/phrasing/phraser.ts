import type { Logger } from '@tenantry/telemetry';
import { chatCompletion, LlmUnavailableError, type ChatMessage, type LlmEndpoint } from './llm-client';
import { redactSecrets } from './redact-secrets';

/** Rewords an action's result texts, or leaves them: every figure of the result stays as computed. */
export interface Phraser {
  phrase(action: string, result: unknown, signal?: AbortSignal): Promise<unknown>;
}

/** No model configured: results keep the built-in wording, untouched. */
export const BUILT_IN_WORDING: Phraser = { phrase: async (_action, result) => result };

const SYSTEM_PROMPT =
  'You reword texts written by the support assistant of a SaaS platform so that they read naturally and warmly. ' +
  'Keep every number, amount, percentage, date, invoice number, route and identifier exactly as written. ' +
  'Add no fact, promise, number or link that is not in the text. Keep placeholders in square brackets as they are. ' +
  'Answer with the reworded text only.';

interface Job {
  apply(result: Record<string, unknown>, text: string): void;
  builtIn: string;
  messages: ChatMessage[];
}

/**
 * A model behind an OpenAI-compatible endpoint phrases the result's `summary` and, for automate_support,
 * the reply draft (`reply.body`, in the ticket's language). Everything sent is redacted first (API keys,
 * tokens, secrets, e-mail addresses). The model's text is used only when it carries exactly the numbers
 * of the built-in text; otherwise, or when the model fails or is slow, the built-in wording stays and the
 * result's `phrasing` says why.
 */
export function llmPhraser(endpoint: LlmEndpoint, options: { knownSecrets: readonly string[]; logger: Logger }): Phraser {
  const secrets = [...options.knownSecrets, ...(endpoint.apiKey ? [endpoint.apiKey] : [])];
  const redact = (text: string) => redactSecrets(text, secrets);
  return {
    async phrase(action, result, signal) {
      if (!isRecord(result)) return result;
      const jobs = jobsFor(action, result, redact);
      if (jobs.length === 0) return result;
      const phrased = structuredClone(result);
      try {
        const texts = await Promise.all(jobs.map((job) => chatCompletion(endpoint, job.messages, signal)));
        jobs.forEach((job, i) => {
          const problem = numbersProblem(redact(job.builtIn), texts[i] as string);
          if (problem) throw new LlmUnavailableError(problem);
        });
        jobs.forEach((job, i) => job.apply(phrased, texts[i] as string));
        phrased['phrasing'] = { by: 'llm', model: endpoint.model, fallback_reason: null };
        return phrased;
      } catch (error) {
        if (!(error instanceof LlmUnavailableError)) throw error;
        options.logger.warn({ action, reason: error.message }, 'LLM phrasing unavailable; the built-in wording is kept');
        return { ...result, phrasing: { by: 'built_in', model: endpoint.model, fallback_reason: error.message } };
      }
    },
  };
}

function jobsFor(action: string, result: Record<string, unknown>, redact: (text: string) => string): Job[] {
  const jobs: Job[] = [];
  const summary = result['summary'];
  if (typeof summary === 'string' && summary.trim() !== '')
    jobs.push({
      builtIn: summary,
      apply: (target, text) => void (target['summary'] = text),
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `Reword this summary of the ${action} analysis, in English:\n\n${redact(summary)}` },
      ],
    });
  const reply = result['reply'];
  if (isRecord(reply) && typeof reply['body'] === 'string') {
    const inputs = isRecord(result['inputs']) ? result['inputs'] : {};
    const language = typeof result['language'] === 'string' && result['language'] !== 'und' ? result['language'] : 'en';
    jobs.push({
      builtIn: reply['body'],
      apply: (target, text) => {
        const targetReply = target['reply'] as Record<string, unknown>;
        targetReply['body'] = text;
        targetReply['language'] = language;
      },
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        {
          role: 'user',
          content:
            `A customer wrote this support ticket (for its tone only):\nSubject: ${redact(String(inputs['subject'] ?? ''))}\n${redact(String(inputs['text'] ?? ''))}\n\n` +
            `Reword this reply to it in the language with ISO 639-1 code "${language}":\n\n${redact(reply['body'])}`,
        },
      ],
    });
  }
  return jobs;
}

/** Runs of digits, as a set: `199.00 EUR` and `199,00 EUR` agree, as do `2026-11-30` and `30.11.2026`. */
function numbersIn(text: string): Set<string> {
  return new Set(text.match(/\d+/g) ?? []);
}

/** Why the model's text cannot replace the built-in one: a number added or dropped. */
function numbersProblem(builtIn: string, phrased: string): string | null {
  const expected = numbersIn(builtIn);
  const got = numbersIn(phrased);
  const added = [...got].filter((n) => !expected.has(n));
  const dropped = [...expected].filter((n) => !got.has(n));
  if (added.length) return `the model's text has numbers the figures do not (${added.slice(0, 5).join(', ')})`;
  if (dropped.length) return `the model's text left out numbers of the figures (${dropped.slice(0, 5).join(', ')})`;
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
