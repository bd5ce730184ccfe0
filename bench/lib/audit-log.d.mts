export interface GeneratedFields {
  ts: string;
  actor: string;
  op: string;
  reason?: string;
  data?: unknown;
  stateSerial?: number;
}
export const AUDIT_GENESIS: string;
export function canonical(value: unknown): string;
export function chainEntry(seq: number, prev: string, fields: GeneratedFields): { entry: Record<string, unknown> & { hash: string; seq: number }; line: string };
export function typicalEntry(i: number, serial: number): GeneratedFields;
export function writeAuditLog(path: string, count: number, entryAt?: (i: number, serial: number) => GeneratedFields): { head: string | null; lastSerial: number };
export function chainLine(seq: number, prev: string, fields: GeneratedFields): { hash: string; line: string };
