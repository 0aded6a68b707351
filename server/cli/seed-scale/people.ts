// Synthetic learners: names, professions and the identifiers each profession reports with, in proportions like a
// provider's audience. Every learner is made from its own random stream (run seed, index), so any batch can be
// made alone and the same index is always the same person. Emails use the reserved .invalid domain.
import { isValidNpi, usStates } from '../../auth/identifiers';
import type { Profession } from '../../generated/prisma/enums';
import { rng } from './random';

export const SYNTHETIC_EMAIL_DOMAIN = 'synthetic.invalid';

const firstNames = `
  Aisha, Alejandro, Amara, Ana, Andrew, Anh, Beatriz, Ben, Carlos, Catherine, Chen, Chloé, Daniel,
  David, Deepa, Diego, Elena, Emily, Emre, Fatima, François, Grace, Hannah, Hiroshi, Ibrahim, Ingrid,
  Isabel, Jamal, James, Javier, Jennifer, Jessica, John, José, Julia, Kareem, Kateřina, Kenji, Kwame,
  Laura, Lena, Liam, Li, Lucía, Maria, Mark, Mei, Michael, Mohammed, Nadia, Naomi, Nikolai, Noah, Olga,
  Olivia, Omar, Priya, Rachel, Rahul, Rosa, Ryan, Sarah, Sean, Siobhán, Sofia, Stefan, Sunita, Thomas,
  Tomasz, Valentina, Wei, William, Yara, Yusuf, Zoë`
  .split(/,\s*/)
  .map((name) => name.trim());
const lastNames = `
  Abebe, Adeyemi, Ahmed, Alvarez, Andersen, Bauer, Becker, Brown, Carter, Castillo, Chen, Cohen, Costa,
  Dubois, Dvořák, Evans, Fernández, Fischer, García, Gonzalez, Gupta, Haddad, Hansen, Hernández,
  Ivanova, Jackson, Jansen, Johnson, Kaur, Khan, Kim, Kowalski, Kumar, Larsen, Lee, Lopez, MacDonald,
  Martin, Martínez, Mensah, Miller, Moreau, Müller, Murphy, Nakamura, Nguyen, Novak, O'Brien, Okafor,
  Olsen, Patel, Pereira, Petrov, Popescu, Quinn, Rahman, Reyes, Rossi, Sánchez, Santos, Schmidt, Singh,
  Smith, Sørensen, Suzuki, Tanaka, Taylor, Thompson, Tran, Van der Berg, Wang, Williams, Wilson,
  Yamamoto, Yilmaz, Zhang, Smith-Jones`
  .split(/,\s*/)
  .map((name) => name.trim());

const professionShare: [Profession, number][] = [
  ['physician', 38],
  ['nurse', 27],
  ['physician_assistant', 10],
  ['pharmacist', 9],
  ['pharmacy_technician', 4],
  ['other', 12],
];

const degrees: Record<Profession, [string, number][]> = {
  physician: [
    ['MD', 78],
    ['DO', 20],
    ['MBBS', 2],
  ],
  nurse: [
    ['RN', 40],
    ['BSN, RN', 30],
    ['MSN, RN', 12],
    ['NP', 12],
    ['DNP', 3],
    ['LPN', 3],
  ],
  physician_assistant: [['PA-C', 100]],
  pharmacist: [
    ['PharmD', 82],
    ['RPh', 18],
  ],
  pharmacy_technician: [['CPhT', 100]],
  other: [
    ['PhD', 20],
    ['MSW', 15],
    ['RD', 15],
    ['PT, DPT', 15],
    ['MPH', 15],
    ['RRT', 10],
    ['OT', 10],
  ],
};

const boards = ['ABIM', 'ABFM', 'ABP', 'ABS', 'ABR', 'ABU', 'ABPath', 'ABEM', 'ABA', 'ABPN'];

export interface SyntheticLearner {
  index: number;
  email: string;
  fullName: string;
  profession: Profession;
  degree: string;
  nabpEProfileId: string | null;
  birthMonth: number | null;
  birthDay: number | null;
  npi: string | null;
  licenseState: string | null;
  licenseNumber: string | null;
  certifyingBoard: string | null;
  boardId: string | null;
  /** Consent to share with boards when the learner claimed credit. */
  consentToShare: boolean;
  /** Withdrew that consent later (the account says no, the claims' snapshots say yes). */
  withdrawsConsent: boolean;
  /** Deleted the account later (anonymised as the account service does). */
  deletes: boolean;
  /** Deactivated by an admin. */
  deactivated: boolean;
  /** When the learner registered, in days before the seed's "now". */
  registeredDaysAgo: number;
}

/** Lower-case ASCII for the email's local part: "Zoë O'Brien" → "zoe.obrien". */
const asciiPart = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');

const digits = (random: ReturnType<typeof rng>, length: number) =>
  Array.from({ length }, () => random.int(10)).join('');

/** A valid NPI: 9 digits starting with 1 or 2, and the Luhn check digit (over the prefix 80840). */
function npi(random: ReturnType<typeof rng>): string {
  const body = `${random.between(1, 2)}${digits(random, 8)}`;
  for (let check = 0; check < 10; check++) if (isValidNpi(`${body}${check}`)) return `${body}${check}`;
  throw new Error(`no NPI check digit for ${body}`);
}

/** The learner with this index; `mayDelete` false keeps the account (a batch's first learner marks it written). */
export function syntheticLearner(seed: number, index: number, mayDelete: boolean): SyntheticLearner {
  const random = rng(seed, 1, index);
  const first = random.pick(firstNames);
  const last = random.pick(lastNames);
  const profession = random.weighted(professionShare);
  const pharmacy = profession === 'pharmacist' || profession === 'pharmacy_technician';
  const physician = profession === 'physician';
  // Birth month/day: required of pharmacy learners for CPE Monitor (a few never gave it), often given by physicians.
  const givesBirthday = pharmacy ? random.chance(0.96) : physician ? random.chance(0.6) : random.chance(0.1);
  const birthMonth = givesBirthday ? random.between(1, 12) : null;
  const birthDay = birthMonth
    ? random.between(1, new Date(Date.UTC(2000, birthMonth, 0)).getUTCDate())
    : null;
  const licensed = physician
    ? random.chance(0.7)
    : profession === 'nurse'
      ? random.chance(0.5)
      : random.chance(0.3);
  const boarded = physician && random.chance(0.55);
  const consentToShare = random.chance(0.7);
  return {
    index,
    email: `${asciiPart(first)}.${asciiPart(last)}.${index}@${SYNTHETIC_EMAIL_DOMAIN}`,
    fullName: `${first} ${last}`,
    profession,
    degree: random.weighted(degrees[profession]),
    nabpEProfileId: pharmacy && random.chance(0.95) ? digits(random, random.chance(0.8) ? 7 : 6) : null,
    birthMonth,
    birthDay,
    npi:
      (physician && random.chance(0.85)) || (profession === 'physician_assistant' && random.chance(0.7))
        ? npi(random)
        : null,
    licenseState: licensed ? random.pick(usStates) : null,
    licenseNumber: licensed ? `${String.fromCharCode(65 + random.int(26))}${digits(random, 6)}` : null,
    certifyingBoard: boarded ? random.pick(boards) : null,
    boardId: boarded ? digits(random, 6) : null,
    consentToShare,
    withdrawsConsent: consentToShare && random.chance(0.02),
    deletes: mayDelete && random.chance(0.003),
    deactivated: random.chance(0.002),
    registeredDaysAgo: random.next() * 730,
  };
}
