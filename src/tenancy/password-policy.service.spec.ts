import { DomainError } from '../../libs/domain/src';
import { PasswordPolicy } from './password-policy.service';

describe('PasswordPolicy', () => {
  const policy = new PasswordPolicy();
  const refusal = (password: string, context: { email?: string; organizationName?: string } = {}) => {
    try {
      policy.check(password, context);
      return null;
    } catch (err) {
      return err as DomainError;
    }
  };

  it.each(['aaaaaaaaaa', '1234567890', 'password12', 'qwertyuiop', 'passwordpassword', 'a'.repeat(200)])('refuses %j with a reason', (password) => {
    const err = refusal(password);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ kind: 'invalid', code: 'PASSWORD_TOO_WEAK' });
    expect(err!.message.length).toBeGreaterThan('This password is too easy to guess.'.length);
    expect(err!.message).not.toContain(password);
  });

  it('counts the e-mail address and the organization name as known to a guesser', () => {
    expect(refusal('Acme Bakery 1234')).toBeNull();
    expect(refusal('Acme Bakery 1234', { organizationName: 'Acme Bakery' })).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
    expect(refusal('jane.doe@acme.test!', { email: 'jane.doe@acme.test' })).toMatchObject({ code: 'PASSWORD_TOO_WEAK' });
  });

  it.each(['a long enough password', 'another long password', 'at least ten characters', 'correct horse battery staple'])('accepts %j', (password) => {
    expect(refusal(password, { email: 'owner@example.test', organizationName: 'Test Org' })).toBeNull();
  });
});
