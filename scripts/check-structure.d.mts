// Types for check-structure.mjs, for TypeScript callers (the unit test).
export interface StructureOptions {
  /** src-relative path → why the file may be over maxLines; defaults to LONG_FILES. */
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
