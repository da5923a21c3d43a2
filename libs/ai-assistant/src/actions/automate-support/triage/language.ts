import { detectAll } from 'tinyld';
import { round } from '../../analyze-usage/statistics';

export interface LanguageFigures {
  /** ISO 639-1 code, or `und` (undetermined) when tinyld finds no language. */
  language: string;
  /** tinyld's accuracy for it, 0–1. */
  confidence: number;
  /** The next candidates, with theirs. */
  alternatives: Array<{ language: string; confidence: number }>;
}

/** The ticket's language by tinyld (character n-grams of about 60 languages). */
export function ticketLanguage(text: string): LanguageFigures {
  const [best, ...rest] = detectAll(text);
  if (!best) return { language: 'und', confidence: 0, alternatives: [] };
  return {
    language: best.lang,
    confidence: round(best.accuracy, 3),
    alternatives: rest.slice(0, 2).map((candidate) => ({ language: candidate.lang, confidence: round(candidate.accuracy, 3) })),
  };
}
