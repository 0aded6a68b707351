// Per-activity reports (helper H6).
import type { CapabilityDeps } from '../compose';

export function createReportService(deps: CapabilityDeps) {
  void deps;
  return {};
}
