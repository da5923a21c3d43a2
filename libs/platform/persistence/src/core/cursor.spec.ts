import { ValidationFailedError } from '@tenantry/contracts';
import { decodeCursor, encodeCursor } from './cursor';

describe('list cursors', () => {
  it('when a position is encoded, then it decodes to the same position', () => {
    const position = { createdAt: new Date('2026-03-04T05:06:07.089Z'), id: 'wgt_abc' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each(['', 'garbage!', Buffer.from('{"v":2,"t":1,"i":"x"}').toString('base64url'), Buffer.from('[1]').toString('base64url')])(
    'when the cursor %p was not made here, then it is a validation failure',
    (cursor) => {
      expect(() => decodeCursor(cursor)).toThrow(ValidationFailedError);
    },
  );
});
