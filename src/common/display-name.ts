import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, ValidateBy } from 'class-validator';

/**
 * Characters that reorder the text around them (embeddings, overrides, isolates) or steer its
 * direction invisibly (LRM, RLM, ALM): in a name they make one string display as another
 * ("Trojan Source"), and a name nobody can retype cannot be confirmed either (account termination
 * asks for the organization's name).
 */
export const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/;
// C0 and C1 controls (line breaks, escapes): a name is one line of plain text.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// What String.prototype.trim leaves but no reader sees: format characters (zero-width space,
// joiners, BOM) and the filler letters that render as blanks.
const INVISIBLE = /[\s\p{Cf}\u115f\u1160\u3164\uffa0\u2800]/gu;

export const isBlankName = (s: string) => s.replace(INVISIBLE, '') === '';

/**
 * A name people read (an organization's, a channel's, a visitor's): trimmed, then refused with
 * 400 VALIDATION_FAILED naming the field when it is blank, holds control characters or holds
 * bidirectional controls, or is longer than `maxLength`.
 */
export function DisplayName(maxLength: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? value.trim() : value)),
    IsString(),
    ValidateBy({
      name: 'isNotBlankName',
      validator: { validate: (v) => typeof v !== 'string' || !isBlankName(v), defaultMessage: () => '$property must not be blank' },
    }),
    ValidateBy({
      name: 'hasNoControlCharacters',
      validator: {
        validate: (v) => typeof v !== 'string' || !CONTROL_CHARACTERS.test(v),
        defaultMessage: () => '$property must not contain control characters',
      },
    }),
    ValidateBy({
      name: 'hasNoBidiControls',
      validator: {
        validate: (v) => typeof v !== 'string' || !BIDI_CONTROLS.test(v),
        defaultMessage: () => '$property must not contain bidirectional control characters (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C)',
      },
    }),
    MaxLength(maxLength),
  );
}
