// The item bank: drafts, edits as new versions, review and publication, retirement (helper H1 fills this).
import type { CapabilityDeps } from '../compose';

export function createItemService(deps: CapabilityDeps) {
  void deps;
  return {};
}
