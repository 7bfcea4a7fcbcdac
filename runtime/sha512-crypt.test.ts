import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha512Crypt, sha512CryptMatches } from './sha512-crypt.ts';

describe('SHA-512-crypt', () => {
  // The test vectors of Drepper's specification ("Unix crypt using SHA-256 and SHA-512").
  const vectors: [setting: string, password: string, expected: string][] = [
    ['$6$saltstring', 'Hello world!', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
    ['$6$rounds=10000$saltstringsaltstring', 'Hello world!',
      '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
    ['$6$rounds=5000$toolongsaltstring', 'This is just a test',
      '$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0'],
    ['$6$rounds=1400$anotherlongsaltstring', 'a very much longer text to encrypt.  This one even stretches over morethan one line.',
      '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1'],
    ['$6$rounds=77777$short', 'we have a short salt string but not a short password',
      '$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0'],
    ['$6$rounds=123456$asaltof16chars..', 'a short string',
      '$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwcelCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1'],
    ['$6$rounds=10$roundstoolow', 'the minimum number is still observed',
      '$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX.'],
  ];
  for (const [setting, password, expected] of vectors) {
    it(`hashes "${password}" under ${setting} as the specification does`, () => {
      assert.equal(sha512Crypt(password, setting), expected);
      assert.ok(sha512CryptMatches(password, expected));
    });
  }

  it('makes a new salt each time, and matches only the password it was made from', () => {
    const [a, b] = [sha512Crypt('s3cret'), sha512Crypt('s3cret')];
    assert.notEqual(a, b);
    assert.match(a, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.ok(sha512CryptMatches('s3cret', a));
    assert.ok(!sha512CryptMatches('s3cret!', a));
    assert.ok(!sha512CryptMatches('s3cret', '$1$salt$notsha512'));
  });
});
