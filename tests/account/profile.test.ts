// The signed-in user's own profile: what the form shows, what it saves, and what it refuses.
import * as cheerio from 'cheerio';
import { createTestApp, relaxedThrottle, type TestApp } from '../support/app';
import { csrfTokenIn, postForm, signIn, signInStatus, type Agent } from '../support/client';
import { factories, strongPassword, type Factories } from '../support/factories';
import * as records from '../support/records';
import { fullProfile } from './full-profile';

let t: TestApp;
let make: Factories;
beforeAll(async () => {
  t = await createTestApp({
    throttle: relaxedThrottle,
  });
  make = factories(t);
});
afterAll(() => t.close());

const fullUser = () => make.user(fullProfile);
const userRow = (id: number) => records.userRow(t, id);

/** The fields a browser would submit for this form, as currently filled in. */
function formFields($: cheerio.CheerioAPI, formSelector: string): Record<string, string> {
  const fields: Record<string, string> = {};
  $(formSelector)
    .find('input[name], select[name]')
    .each((_, element) => {
      const field = $(element);
      const name = field.attr('name')!;
      if (name === '_csrf') return;
      if (element.tagName === 'select') {
        fields[name] = field.find('option[selected]').attr('value') ?? '';
      } else if (field.attr('type') === 'checkbox') {
        if (field.attr('checked') !== undefined) fields[name] = 'on';
      } else {
        fields[name] = field.attr('value') ?? '';
      }
    });
  return fields;
}

/** Opens the profile page and submits its form with some fields changed, as a browser would. */
async function editProfile(agent: Agent, changes: Record<string, string>) {
  const page = await agent.get('/account').expect(200);
  const fields = { ...formFields(cheerio.load(page.text), 'form[action="/account"]'), ...changes };
  return postForm(agent, '/account', fields, csrfTokenIn(page.text)!);
}

describe('profile', () => {
  it('when a user opens the profile page, then the form shows their current values', async () => {
    const user = await fullUser();
    const agent = await signIn(t.app, user.email);
    const $ = cheerio.load((await agent.get('/account').expect(200)).text);
    expect($('#fullName').attr('value')).toBe('Robin Prescott');
    expect($('#email').attr('value')).toBe(user.email);
    expect($('#profession option[selected]').attr('value')).toBe('pharmacist');
    expect($('#degree').attr('value')).toBe('PharmD');
    expect($('#nabpEProfileId').attr('value')).toBe('1234567');
    expect($('#birthMonth').attr('value')).toBe('2');
    expect($('#birthDay').attr('value')).toBe('29');
    expect($('#npi').attr('value')).toBe('1234567893');
    expect($('#licenseState option[selected]').attr('value')).toBe('CA');
    expect($('#licenseNumber').attr('value')).toBe('RPH 55123');
    expect($('#certifyingBoard').attr('value')).toBe('BPS');
    expect($('#boardId').attr('value')).toBe('B-9981');
    expect($('#consentToShare').attr('checked')).toBeDefined();
  });

  it('when the user changes the degree and adds a licence, then it is saved and the page shows it', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const res = await editProfile(agent, { degree: 'DO', licenseState: 'ny', licenseNumber: '0271234' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/account?saved=profile');

    const $ = cheerio.load((await agent.get('/account?saved=profile').expect(200)).text);
    expect($('[role=status]').text()).toBe('Your profile has been saved.');
    expect($('#degree').attr('value')).toBe('DO');
    expect($('#licenseState option[selected]').attr('value')).toBe('NY');
    expect($('#licenseNumber').attr('value')).toBe('0271234');
    expect(await userRow(user.id)).toMatchObject({
      degree: 'DO',
      licenseState: 'NY',
      licenseNumber: '0271234',
      email: user.email,
      fullName: user.fullName,
      role: 'learner',
    });
    expect(
      await t.db.prisma.auditEntry.count({ where: { action: 'user.profile_update', actorId: user.id } }),
    ).toBe(1);
  });

  it('when the edit is invalid (licence state without number, NPI with a wrong check digit), then 422 with the messages and nothing changes', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await editProfile(agent, {
      degree: 'DO',
      licenseState: 'TX',
      licenseNumber: '',
      npi: '1234567890',
    });
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('#licenseNumber-error').text()).toBe('Give both the licence state and number, or neither');
    expect($('#npi-error').text()).toBe('This is not a valid 10-digit NPI (check digit failed)');
    expect($('[role=alert] li')).toHaveLength(2);
    // The typed values come back so that the user can correct them.
    expect($('#degree').attr('value')).toBe('DO');
    expect($('#npi').attr('value')).toBe('1234567890');
    expect($('#licenseState option[selected]').attr('value')).toBe('TX');
    expect(await userRow(user.id)).toEqual(before);
  });

  it("when the user changes their email to another user's, then 422 with a message and nothing changes", async () => {
    const other = await make.user();
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const before = await userRow(user.id);
    const res = await editProfile(agent, {
      email: other.email.toUpperCase(),
      degree: 'DO',
      emailPassword: strongPassword,
    });
    expect(res.status).toBe(422);
    const $ = cheerio.load(res.text);
    expect($('#email-error').text()).toBe('Another account already uses this email address.');
    expect($('#email').attr('value')).toBe(other.email.toUpperCase());
    expect(await userRow(user.id)).toEqual(before);
    expect((await userRow(other.id)).email).toBe(other.email);
  });

  it('when the user changes their email to a free address with their password, then they sign in with the new one and old reset links are void', async () => {
    const user = await make.user();
    const agent = await signIn(t.app, user.email);
    const link = await make.passwordResetRequest(user);
    const email = `Renamed.${user.id}@Example.org`;
    expect((await editProfile(agent, { email, emailPassword: strongPassword })).status).toBe(302);
    expect((await userRow(user.id)).email).toBe(email.toLowerCase());
    expect(await signInStatus(t.app, email.toLowerCase(), strongPassword)).toBe(302);
    expect(await signInStatus(t.app, user.email, strongPassword)).toBe(401);
    expect(
      (await t.db.prisma.passwordResetToken.findUniqueOrThrow({ where: { id: link.id } })).usedAt,
    ).not.toBeNull();
    const audit = await t.db.prisma.auditEntry.findFirstOrThrow({
      where: { action: 'user.profile_update', actorId: user.id },
    });
    expect(audit.details).toEqual({ emailChanged: true });
  });

  it.each([
    ['without the password', '', 'Enter your password to change your email address.'],
    ['with a wrong password', 'not the password at all', 'Your password is not correct.'],
  ])(
    'when the user changes their email %s, then 422 with a message at the password and nothing changes',
    async (_, emailPassword, message) => {
      const user = await make.user();
      const agent = await signIn(t.app, user.email);
      const before = await userRow(user.id);
      const res = await editProfile(agent, {
        email: `taken.over.${user.id}@example.org`,
        degree: 'DO',
        emailPassword,
      });
      expect(res.status).toBe(422);
      const $ = cheerio.load(res.text);
      expect($('#emailPassword-error').text()).toBe(message);
      expect($('#emailPassword').attr('aria-invalid')).toBe('true');
      // What was typed comes back, except the password.
      expect($('#email').attr('value')).toBe(`taken.over.${user.id}@example.org`);
      expect($('#emailPassword').attr('value')).toBe('');
      expect(await userRow(user.id)).toEqual(before);
    },
  );
});
