import naiveBayesTextClassifier from 'wink-naive-bayes-text-classifier';
import { round } from '../../analyze-usage/statistics';
import { TRAINING_TICKETS, type LabelledTicket, type TicketCategory } from './labelled-tickets';

/** Tokens are cut to this many characters: a crude stem that works the same in every language (refund/refunded, Rechnung/Rechnungen). */
const STEM_LENGTH = 5;
/** Below this margin of log₂ odds between the first and second category, the answer says it is a close call. */
export const CLOSE_CALL_MARGIN = 2;

/** Lower-cased words and numbers (e.g. `429`, `500`) without accents; one-letter tokens dropped. */
export function ticketWords(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 1);
}

/** The classifier's tokens: the ticket's words, each cut to STEM_LENGTH characters. */
export function ticketTokens(text: string): string[] {
  return ticketWords(text).map((word) => word.slice(0, STEM_LENGTH));
}

export interface CategoryScores {
  category: TicketCategory;
  /** Every category's log₂ odds (its likelihood against all other categories together), highest first. */
  scores: Array<{ category: TicketCategory; log2_odds: number }>;
  /** log₂ odds of the first minus the second: how clear the call was. */
  margin: number;
  /** The ticket's tokens the model had seen in training (the others carry no weight). */
  known_tokens: number;
  tokens: number;
}

/** A multinomial naive-Bayes classifier (winkjs, add-one smoothing) trained on `examples`. */
export function trainCategoryClassifier(examples: readonly LabelledTicket[]) {
  const model = naiveBayesTextClassifier();
  model.defineConfig({ considerOnlyPresence: false, smoothingFactor: 1 });
  model.definePrepTasks([ticketTokens]);
  for (const example of examples) model.learn(`${example.subject}\n${example.text}`, example.category);
  model.consolidate();
  const vocabulary = new Set(examples.flatMap((example) => ticketTokens(`${example.subject}\n${example.text}`)));

  return {
    examples: examples.length,
    vocabulary: vocabulary.size,
    classify(text: string): CategoryScores {
      const tokens = ticketTokens(text);
      const known = tokens.filter((token) => vocabulary.has(token)).length;
      const odds = model.computeOdds(text);
      // No known token: the model has nothing to go on, so the ticket is `other` with every score 0.
      const scores =
        odds[0]?.[0] === 'unknown'
          ? []
          : odds.map(([category, value]) => ({ category: category as TicketCategory, log2_odds: round(value, 3) }));
      const [first, second] = scores;
      return {
        category: first?.category ?? 'other',
        scores,
        margin: first && second ? round(first.log2_odds - second.log2_odds, 3) : 0,
        known_tokens: known,
        tokens: tokens.length,
      };
    },
  };
}

export type CategoryClassifier = ReturnType<typeof trainCategoryClassifier>;

let trained: CategoryClassifier | undefined;

/** The classifier trained on the training part of the labelled tickets (trained once per process, on first use). */
export function categoryClassifier(): CategoryClassifier {
  trained ??= trainCategoryClassifier(TRAINING_TICKETS);
  return trained;
}
