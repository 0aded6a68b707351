// Streaming exports: CSV, PARS, CPE Monitor (helper H5).
import type { CapabilityDeps } from '../compose';

export function createExportService(deps: CapabilityDeps) {
  void deps;
  return {};
}
