// Free text as a browser sends it: a textarea's line breaks arrive as CRLF and count once, as the learner sees them.
import { freeText } from '../../server/http/input';

describe('free text', () => {
  it('when a comment has Windows line breaks, then each counts as one character and is stored as LF', () => {
    expect(freeText(5).parse('ab\r\ncd')).toBe('ab\ncd');
    expect(freeText(5).parse('ab\rcd')).toBe('ab\ncd');
  });

  it('when the text is longer than the limit once line breaks count once, then it is refused with the limit', () => {
    const result = freeText(4).safeParse('ab\r\ncd');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['Use at most 4 characters']);
  });
});
