// Item analysis in one SQL pass (helper H3).
import type { CapabilityDeps } from '../compose';

export function createItemAnalysis(deps: CapabilityDeps) {
  void deps;
  return {};
}
