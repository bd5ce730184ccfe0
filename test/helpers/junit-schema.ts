import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The JUnit schema Jenkins' xUnit plugin validates reports with (see test/fixtures/junit/README.md). */
export const JUNIT_XSD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/junit/junit-10.xsd');

/**
 * Validates a JUnit document against junit-10.xsd with xmllint (Debian's libxml2-utils, installed by
 * scripts/test.sh). Returns xmllint's complaints, empty when the document is valid.
 */
export function junitSchemaErrors(xml: string): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollout-junit-'));
  try {
    const file = path.join(dir, 'report.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
    if (r.error) throw new Error(`xmllint cannot run (${r.error.message}): install libxml2-utils`);
    if (r.status === 0) return [];
    return r.stderr.split('\n').filter((l) => l.trim() && !/fails to validate$/.test(l));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
