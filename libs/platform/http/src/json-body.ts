import { isUtf8 } from 'node:buffer';
import { type FieldIssue, ValidationFailedError } from '@tenantry/contracts';
import express, { type Request, type RequestHandler } from 'express';
import { HttpProblem } from './problem';
import { keepingContext } from './request-context';

/**
 * Keys refused anywhere in a JSON body: harmless to a parsed object, but the moment code spreads,
 * merges or deep-assigns the body (`Object.assign`, a mongoose update, a lodash merge) they reach the
 * prototype chain — and zod silently drops them, so the client would not learn its key was lost.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * C0 controls except TAB, LF and CR; DEL; C1 controls. JSON escapes let a client send them (`\u0000`),
 * and stored they break C-string consumers, logs and terminals; no field of the API needs them.
 */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** A UTF-16 surrogate without its pair (`\ud800`): not a character; stored, it becomes U+FFFD. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Issues reported at most; a body with more is refused on the first ones. */
const MAX_ISSUES = 20;

const undecodable = new WeakSet<Request>();

/**
 * The platform's JSON body parsing: express.json, plus what a JSON parser lets through and the API
 * never wants. A body that is not valid UTF-8 is a 400 (body-parser would decode it with replacement
 * characters); a key `__proto__`, `constructor` or `prototype`, a control character or a lone surrogate
 * in any key or string is a 400 validation problem naming where it is. Every service gets it through
 * `createHttpApp`.
 */
export function jsonBody(limit: string | number): RequestHandler[] {
  const parse = express.json({
    limit,
    type: ['application/json', 'application/*+json'],
    verify: (req, _res, buffer, encoding) => {
      if (/^utf-?8$/i.test(encoding) && !isUtf8(buffer)) undecodable.add(req as Request);
    },
  });
  const check: RequestHandler = (req, _res, next) => {
    if (undecodable.has(req)) throw new HttpProblem('invalid-encoding', 400, 'Invalid encoding', 'The request body is not valid UTF-8.');
    if (req.body !== undefined && typeof req.body === 'object' && req.body !== null) {
      const issues = unsafeJsonIssues(req.body);
      if (issues.length > 0)
        throw new ValidationFailedError(`Request validation failed for: ${issues.map((issue) => issue.field).join(', ')}.`, issues);
    }
    next();
  };
  return [keepingContext(parse), check];
}

interface Visit {
  value: unknown;
  path: string;
}

/** Every forbidden key and unsafe string in a parsed JSON value (iterative: nesting depth cannot overflow the stack). */
export function unsafeJsonIssues(root: unknown): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const stack: Visit[] = [{ value: root, path: '' }];
  const at = (path: string, key: string | number): string => (path === '' ? String(key) : `${path}.${key}`);
  while (stack.length > 0 && issues.length < MAX_ISSUES) {
    const { value, path } = stack.pop() as Visit;
    if (typeof value === 'string') {
      const problem = unsafeText(value);
      if (problem) issues.push({ field: path || '(body)', message: `contains ${problem}` });
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) stack.push({ value: value[index], path: at(path, index) });
    } else if (typeof value === 'object' && value !== null) {
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index -= 1) {
        const key = keys[index] as string;
        const field = at(path, key);
        if (FORBIDDEN_KEYS.has(key)) issues.push({ field, message: `the key "${key}" is not allowed` });
        else {
          const problem = unsafeText(key);
          if (problem) issues.push({ field: at(path, JSON.stringify(key)), message: `the key contains ${problem}` });
          else stack.push({ value: (value as Record<string, unknown>)[key], path: field });
        }
      }
    }
  }
  return issues.slice(0, MAX_ISSUES);
}

function unsafeText(text: string): string | undefined {
  const control = CONTROL_CHARACTER.exec(text);
  if (control) return `a control character (U+${(control[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')})`;
  if (LONE_SURROGATE.test(text)) return 'an unpaired UTF-16 surrogate';
  return undefined;
}
