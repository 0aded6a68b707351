// Completion records: list, detail, revoke, correct (helper H4).
import type { CapabilityDeps } from '../compose';

export function createRecordService(deps: CapabilityDeps) {
  void deps;
  return {};
}
