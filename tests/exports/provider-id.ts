// provider.yaml's ACCME provider ID for tests. createTestApp reads provider.yaml once, from the real content/ (it has
// no content folder option), so a test file that needs the ID mocks the loader with this module's factory:
//
//   jest.mock('../../server/content/load', () =>
//     jest.requireActual<typeof import('./provider-id')>('./provider-id').loaderWithProviderId());
//
// `setProviderId` then changes it as a new provider.yaml and a restart would. This module imports nothing that
// imports the loader, so that the mock's factory can load it first.
import type * as Load from '../../server/content/load';
import type { Provider } from '../../server/content/schema';
import type { TestApp } from '../support/app';

export const ACCME_PROVIDER_ID = '0012345';

// Kept on globalThis: the mock's factory and the test file may see two instances of this module.
// Every provider loaded is changed: the app's, and those of content copies synced since (the app keeps its own).
const state = globalThis as { exportsTestProviders?: Provider[]; exportsTestProviderId?: string | undefined };

/** A jest.mock factory for server/content/load: the real loader, with provider.yaml's accmeProviderId set. */
export function loaderWithProviderId(): typeof Load {
  const actual = jest.requireActual<typeof Load>('../../server/content/load');
  state.exportsTestProviderId = ACCME_PROVIDER_ID;
  return {
    ...actual,
    loadContent(dir: string) {
      const content = actual.loadContent(dir);
      content.provider.accmeProviderId = state.exportsTestProviderId;
      (state.exportsTestProviders ??= []).push(content.provider);
      return content;
    },
  };
}

/** As if provider.yaml now said `accmeProviderId: <id>` (or nothing) and the app had reloaded it. */
export function setProviderId(t: TestApp, id: string | undefined): void {
  const providers = state.exportsTestProviders;
  if (!providers) throw new Error('mock server/content/load with loaderWithProviderId() first');
  state.exportsTestProviderId = id;
  for (const provider of providers) provider.accmeProviderId = id;
  t.catalogue.invalidate();
}
