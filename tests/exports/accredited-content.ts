// The content as an accredited provider has it once the accreditors have assigned their numbers: provider.yaml with
// ACCME's provider ID, the activity with its ACCME activity ID and its UANs. The activity's numbers are synced from a
// content copy by the real sync; provider.yaml is read once when createTestApp starts the app, so a test file that
// needs its ACCME ID mocks the loader (provider-id.ts).
import { activityFile, editYaml } from '../support/content';
import type { Factories } from '../support/factories';
import { firstActivity } from '../support/factories';

export { ACCME_PROVIDER_ID } from './provider-id';
export const ACCME_ACTIVITY_ID = '001234567';
export const PHARMACIST_UAN = 'JA0012345-0000-26-001-H01-P';
export const TECHNICIAN_UAN = 'JA0012345-0000-26-001-H01-T';

export interface ReportingSettings {
  accmeActivityId?: string;
  uan?: { pharmacist?: string; pharmacy_technician?: string };
}

/** Syncs the first activity with these identifiers in its activity.yaml (none: the `reporting` block is removed). */
export const setActivityReporting = (
  make: Factories,
  reporting: ReportingSettings | null,
  slug = firstActivity,
) =>
  make.syncContent((dir) =>
    editYaml(activityFile(dir, slug), (document) => {
      if (reporting) document.set('reporting', reporting);
      else document.delete('reporting');
    }),
  );

export const fullReporting: ReportingSettings = {
  accmeActivityId: ACCME_ACTIVITY_ID,
  uan: { pharmacist: PHARMACIST_UAN, pharmacy_technician: TECHNICIAN_UAN },
};
