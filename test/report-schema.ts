/**
 * Every `--json` document the tests read goes through parseJsonReport(), which validates it
 * against the schema the package ships (schema/report.schema.json); SARIF documents go through
 * parseSarif(), which validates them against test/sarif-subset.schema.json (the part of SARIF
 * 2.1.0 the tool writes, see its description).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import AjvModule from 'ajv';
import type { FileReport, Summary } from '../src/report/report.js';

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
const ROOT = path.resolve(import.meta.dirname, '..');

export const REPORT_SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', 'report.schema.json'), 'utf8')) as object;
export const SARIF_SUBSET = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, 'sarif-subset.schema.json'), 'utf8'),
) as object;

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
// The formats the schemas use, checked the way RFC 3986 reads them (ajv ships no formats itself).
ajv.addFormat('uri', /^[a-z][a-z0-9+.-]*:[^\s]*$/i);
ajv.addFormat('uri-reference', /^[^\s\\]*$/);
const validateReport = ajv.compile(REPORT_SCHEMA);
const validateSarif = ajv.compile(SARIF_SUBSET);

/** A file's entry in the --json document: the command's own report of it. */
export type JsonFileReport = FileReport;

export interface JsonReport {
  schemaVersion: 1;
  version: string;
  mode: 'dry-run' | 'check' | 'write';
  files: JsonFileReport[];
  summary: Summary;
}

/** A `--json` document, parsed and checked against schema/report.schema.json (throws with the errors). */
export function parseJsonReport(text: string): JsonReport {
  const doc = JSON.parse(text) as unknown;
  if (!validateReport(doc))
    throw new Error(`the --json document does not match schema/report.schema.json: ${ajv.errorsText(validateReport.errors)}`);
  return doc as JsonReport;
}

/** Whether a value matches the report schema, and why not (for tests of the schema itself). */
export function reportSchemaErrors(doc: unknown): string | null {
  return validateReport(doc) ? null : ajv.errorsText(validateReport.errors);
}

// The SARIF objects the tests look into.
export interface SarifRegion {
  startLine: number;
  startColumn?: number;
  endLine?: number;
  endColumn?: number;
}
export interface SarifLocation {
  physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: SarifRegion };
}
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: 'note' | 'warning';
  message: { text: string };
  locations: SarifLocation[];
  fixes?: {
    description: { text: string };
    artifactChanges: {
      artifactLocation: { uri: string; uriBaseId: string };
      replacements: { deletedRegion: Required<SarifRegion>; insertedContent: { text: string } }[];
    }[];
  }[];
}
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        rules: {
          id: string;
          shortDescription: { text: string };
          fullDescription: { text: string };
          help: { text: string; markdown?: string };
          defaultConfiguration: { level: string };
          properties?: { tags: string[] };
        }[];
      };
    };
    originalUriBaseIds: Record<string, { uri: string }>;
    invocations: {
      executionSuccessful: boolean;
      toolExecutionNotifications?: {
        level: string;
        message: { text: string };
        descriptor: { id: string };
        locations: SarifLocation[];
      }[];
    }[];
    results: SarifResult[];
  }[];
}

/** A SARIF document, parsed and checked against the subset schema (throws with the errors). */
export function parseSarif(text: string): SarifLog {
  const doc = JSON.parse(text) as unknown;
  if (!validateSarif(doc))
    throw new Error(`the SARIF document does not match the SARIF 2.1.0 subset: ${ajv.errorsText(validateSarif.errors)}`);
  return doc as SarifLog;
}
