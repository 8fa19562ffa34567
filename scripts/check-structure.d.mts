// Types for check-structure.mjs, for TypeScript callers (the unit test).
export interface StructureOptions {
  /** src-relative path → why the file may be over maxLines; LONG_FILES for this repository's src/, none otherwise. */
  longFiles?: Record<string, string>;
  /** Defaults to MAX_LINES (400). */
  maxLines?: number;
}
export interface StructureReport {
  /** How many .ts files were read. */
  files: number;
  /** How many relative imports they make. */
  imports: number;
  violations: string[];
}
export const SERVICES: string[];
export const LONG_FILES: Record<string, string>;
export const MAX_LINES: number;
export function checkStructure(srcDir: string, options?: StructureOptions): StructureReport;

/** Imports of dist/ paths in the repository's test/ and bench/ folders (they use 'riffle' or 'riffle/internal'). */
export function checkDistImports(repoRoot: string, dirs?: string[]): string[];
