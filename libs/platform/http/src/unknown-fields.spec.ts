import { z } from 'zod';
import { fieldIssuesFromZod } from './problem';
import { knownFieldsAt, suggestField } from './unknown-fields';

const schema = z
  .strictObject({
    name: z.string(),
    subscription_tier: z.string().optional(),
    settings: z.strictObject({ billing_email: z.string().optional() }).optional(),
  })
  .refine(() => true);

function issuesFor(body: unknown) {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected a failure');
  return fieldIssuesFromZod(result.error.issues, '', schema);
}

describe('unknown fields', () => {
  it('when a client sends the camelCase of a field, then the problem names that field and suggests the snake_case one', () => {
    expect(issuesFor({ name: 'Acme', subscriptionTier: 'pro' })).toEqual([
      { field: 'subscriptionTier', message: 'Unknown field; did you mean "subscription_tier"?' },
    ]);
  });

  it('when a nested field is misspelt, then its full path is named with the suggestion', () => {
    expect(issuesFor({ name: 'Acme', settings: { billing_emial: 'a@b.c' } })).toEqual([
      { field: 'settings.billing_emial', message: 'Unknown field; did you mean "billing_email"?' },
    ]);
  });

  it('when an unknown field resembles nothing, then it is named without a suggestion', () => {
    expect(issuesFor({ name: 'Acme', colour: 'red' })).toEqual([{ field: 'colour', message: 'Unknown field.' }]);
  });

  it('when several unknown fields come at once, then each is named', () => {
    expect(issuesFor({ name: 'Acme', a1: 1, b2: 2 }).map((issue) => issue.field)).toEqual(['a1', 'b2']);
  });

  it('when the schema is wrapped (optional, default, refine), then its fields are still found', () => {
    expect(knownFieldsAt(schema.optional().default({ name: 'x' }), ['settings'])).toEqual(['billing_email']);
  });

  it('when names are far apart, then nothing is suggested', () => {
    expect(suggestField('id', ['name', 'status'])).toBeUndefined();
    expect(suggestField('planId', ['plan_id', 'interval'])).toBe('plan_id');
    expect(suggestField('subscripton_tier', ['subscription_tier'])).toBe('subscription_tier');
  });
});
