// First and last name for accreditors' files, from the one full name a profile holds. Taking the last word as the
// last name is wrong for many names ("Juan Carlos de la Cruz", "María García López", "Ludwig van Beethoven",
// "Mary Ann Smith", "John Smith Jr."), and a board matches on it, so only names that split one way are split (see
// NAME_RULE); anything else is listed as not reportable with the reason, so that the learner is asked, never guessed.
// "Jane Doe, MD" is not "Last, First": a part after the comma that reads as credentials or a suffix (capitals,
// PharmD, PhD, Jr., III) is refused too, rather than making "MD" a first name.
import { withoutInvisibleFormat } from '../http/input';

export const NAME_RULE =
  'Two words are first and last name ("Dana Learner"; a hyphenated word is one word). "Last, First" with one ' +
  'comma is split at the comma ("de la Cruz, Juan Carlos"). Any other name (one word, three or more words, ' +
  'credentials after a comma) is not split: the record is listed as not reportable until the learner changes it.';

export type SplitName = { first: string; last: string } | { problem: string };

const CREDENTIAL_OR_SUFFIX = /^(?:[A-Z]{2,6}(?:-C)?|PharmD|PhD|DrPH|Jr|Sr|[IV]{2,3})\.?$/;
const readsAsCredentials = (part: string) =>
  part.split(/[\s,]+/).every((word) => CREDENTIAL_OR_SUFFIX.test(word));

export function splitName(fullName: string): SplitName {
  const name = withoutInvisibleFormat(fullName).replace(/\s+/g, ' ').trim();
  const parts = name.split(',').map((part) => part.trim());
  if (parts.length > 2) return { problem: `"${name}" has more than one comma` };
  if (parts.length === 2) {
    const [last, first] = parts as [string, string];
    if (!last || !first) return { problem: `"${name}" has nothing on one side of its comma` };
    if (readsAsCredentials(first))
      return { problem: `"${name}" has credentials or a suffix after its comma, not a first name` };
    return { first, last };
  }
  const words = name.split(' ').filter(Boolean);
  if (words.length === 2) return { first: words[0]!, last: words[1]! };
  if (words.length < 2) return { problem: `"${name}" is a single word` };
  return { problem: `"${name}" has ${words.length} words: which of them are the last name is not known` };
}
