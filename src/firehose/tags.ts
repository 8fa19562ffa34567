import type { TagInput } from './shapes.js';

/** A Tags list as a map (a key given twice keeps its last value). */
export function tagMap(tags: readonly TagInput[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags) out[t.Key] = t.Value ?? '';
  return out;
}
