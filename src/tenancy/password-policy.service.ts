import { Injectable } from '@nestjs/common';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { invalid } from '../../libs/domain/src';

/**
 * zxcvbn's score 3: about 10^8 guesses or more. Slow hashing (argon2id) and the login limits
 * take online guessing off the table, so this is about offline guessing after a leak and the
 * passwords every list tries first.
 */
export const MIN_PASSWORD_SCORE = 3;

/**
 * The estimator's cost grows fast with length (a 200-character password took seconds): it looks
 * at the first 64 characters only, with few l33t substitutions tried. A password whose first 64
 * characters are weak is weak.
 */
let estimator: ZxcvbnFactory | undefined;
// Built at the first check, not at start: unpacking and ranking the dictionaries takes about a
// second of CPU, which every start (and every test file's app) paid before any password came.
const estimatorOf = () =>
  (estimator ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
    maxLength: 64,
    l33tMaxSubstitutions: 10,
  }));

/**
 * What the organization and person are known by: a password made of it is easy to guess for
 * anyone who knows them. The estimator ranks earlier words as likelier, so the names come first.
 */
function personalWords(context: { email?: string; organizationName?: string }): string[] {
  const words = new Set<string>();
  const add = (s: string | undefined) => {
    const v = (s ?? '').trim().toLowerCase();
    if (v.length >= 3) words.add(v);
  };
  add(context.organizationName);
  for (const part of (context.organizationName ?? '').split(/\s+/)) add(part);
  if (context.email) {
    const [local, domain = ''] = context.email.split('@');
    add(local);
    for (const part of local.split(/[._+-]+/)) add(part);
    for (const label of domain.split('.').slice(0, -1)) add(label);
    add(context.email);
  }
  return [...words];
}

/** Refuses passwords a guesser would try early, with the estimator's reason and advice. */
@Injectable()
export class PasswordPolicy {
  check(password: string, context: { email?: string; organizationName?: string }): void {
    const result = estimatorOf().check(password, personalWords(context));
    if (result.score >= MIN_PASSWORD_SCORE) return;
    const advice = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
    throw invalid('PASSWORD_TOO_WEAK', `This password is too easy to guess. ${advice || 'Use a longer password of several uncommon words.'}`.trim());
  }
}
