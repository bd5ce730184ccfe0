import fc from 'fast-check';
import { EngineInputError } from '../errors.js';
import type { ReserveInput, ReserveResult } from '../reserves/index.js';
import { reserveInputArb, ratioArb } from './generators.js';
import { BOTH, V11, asEngineProperty, ensure, isSameJson, permute } from './types.js';
import type { PropertyDef } from './types.js';

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
const amounts = (r: ReserveResult): number[] => r.allocations.map((a) => a.amount);

/** Invalid values paired with the field the error must name. */
const BAD_RESERVE_INPUTS: Array<[string, (i: ReserveInput) => ReserveInput]> = [
  ['fundSize', (i) => ({ ...i, fundSize: -100 })],
  ['fundSize', (i) => ({ ...i, fundSize: Number.NaN })],
  ['fundSize', (i) => ({ ...i, fundSize: 10.5 })],
  ['reserveRatio', (i) => ({ ...i, reserveRatio: 1.0001 })],
  ['reserveRatio', (i) => ({ ...i, reserveRatio: Number.NaN })],
  ['reserveRatio', (i) => ({ ...i, reserveRatio: -0.1 })],
  ['companies[0].invested', (i) => ({ ...i, companies: [{ id: 'x', stage: 'seed', invested: -1, ownership: 0.1 }] })],
  ['companies[0].ownership', (i) => ({ ...i, companies: [{ id: 'x', stage: 'seed', invested: 1, ownership: 1.5 }] })],
  [
    'companies[0].stage',
    (i) => ({ ...i, companies: [{ id: 'x', stage: 'series-z' as 'seed', invested: 1, ownership: 0.1 }] }),
  ],
  [
    'companies[1].id',
    (i) => ({
      ...i,
      companies: [
        { id: 'x', stage: 'seed', invested: 1, ownership: 0.1 },
        { id: 'x', stage: 'seed', invested: 2, ownership: 0.1 },
      ],
    }),
  ],
  ['expenses', (i) => ({ ...i, expenses: -5 })],
];

export const RESERVE_PROPERTIES: PropertyDef[] = [
  {
    id: 'reserves.total-within-cap',
    engine: 'reserves',
    models: BOTH,
    title: 'total reserves never exceed fundSize × reserveRatio',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (input) => {
          const r = e.reserves[m](input);
          ensure(
            r.total <= input.fundSize * input.reserveRatio,
            () => `total ${r.total} > fundSize × ratio ${input.fundSize * input.reserveRatio}`,
          );
          ensure(r.total <= r.cap, () => `total ${r.total} > cap ${r.cap}`);
        }),
      ),
  },
  {
    id: 'reserves.allocations-sum-to-total',
    engine: 'reserves',
    models: BOTH,
    title: 'allocations sum exactly to the total',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (input) => {
          const r = e.reserves[m](input);
          ensure(sum(amounts(r)) === r.total, () => `Σ allocations ${sum(amounts(r))} ≠ total ${r.total}`);
        }),
      ),
  },
  {
    id: 'reserves.amounts-non-negative',
    engine: 'reserves',
    models: BOTH,
    title: 'every amount is a non-negative integer number of cents',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (input) => {
          const r = e.reserves[m](input);
          for (const [name, v] of [
            ['total', r.total],
            ['cap', r.cap],
            ['unallocated', r.unallocated],
            ...r.allocations.map((a) => [a.id, a.amount] as const),
          ] as const) {
            ensure(Number.isSafeInteger(v) && v >= 0, () => `${name} = ${v} is not a non-negative integer`);
          }
        }),
      ),
  },
  {
    id: 'reserves.conservation',
    engine: 'reserves',
    models: BOTH,
    title: 'cap = total + unallocated; investable = fundSize − fees − expenses; one allocation per company',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (input) => {
          const r = e.reserves[m](input);
          ensure(
            r.cap === r.total + r.unallocated,
            () => `cap ${r.cap} ≠ total ${r.total} + unallocated ${r.unallocated}`,
          );
          ensure(
            r.investableCapital === input.fundSize - r.fees - (input.expenses ?? 0),
            'investable ≠ fundSize − fees − expenses',
          );
          ensure(
            isSameJson(
              r.allocations.map((a) => a.id),
              input.companies.map((c) => c.id),
            ),
            'allocations do not match companies one to one',
          );
        }),
      ),
  },
  {
    id: 'reserves.monotone-in-ratio',
    engine: 'reserves',
    models: BOTH,
    title: 'a larger reserve ratio never gives smaller total reserves',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, ratioArb, (input, other) => {
          const [lo, hi] = input.reserveRatio <= other ? [input.reserveRatio, other] : [other, input.reserveRatio];
          const a = e.reserves[m]({ ...input, reserveRatio: lo });
          const b = e.reserves[m]({ ...input, reserveRatio: hi });
          ensure(a.total <= b.total, () => `ratio ${lo} → ${a.total} but ratio ${hi} → ${b.total}`);
        }),
      ),
  },
  {
    id: 'reserves.deterministic',
    engine: 'reserves',
    models: BOTH,
    title: 'the same input always gives the same output',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (input) => {
          ensure(isSameJson(e.reserves[m](input), e.reserves[m](structuredClone(input))), 'two runs differ');
        }),
      ),
  },
  {
    id: 'reserves.order-independent',
    engine: 'reserves',
    models: BOTH,
    title: "a company's reserve does not depend on the order companies are listed in",
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, fc.nat(), (input, seed) => {
          const shuffled = permute(input.companies, seed);
          const byId = (r: ReserveResult): string =>
            JSON.stringify(
              Object.fromEntries(
                [...r.allocations].sort((a, b) => (a.id < b.id ? -1 : 1)).map((a) => [a.id, a.amount]),
              ),
            );
          ensure(
            byId(e.reserves[m](input)) === byId(e.reserves[m]({ ...input, companies: shuffled })),
            'reordering companies changed allocations',
          );
        }),
      ),
  },
  {
    id: 'reserves.scale-invariant-weights',
    engine: 'reserves',
    models: BOTH,
    title: 'scaling every check by k leaves pro-rata allocations unchanged',
    precondition:
      'v1.1 is run with method pro-rata-initial (graduation needs are rounded to cents, so they scale only approximately)',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, fc.integer({ min: 2, max: 1000 }), (raw, k) => {
          const input: ReserveInput = { ...raw, method: 'pro-rata-initial' };
          const scaled = { ...input, companies: input.companies.map((c) => ({ ...c, invested: c.invested * k })) };
          ensure(
            isSameJson(amounts(e.reserves[m](input)), amounts(e.reserves[m](scaled))),
            () => `scaling checks by ${k} changed allocations`,
          );
        }),
      ),
  },
  {
    id: 'reserves.inactive-get-nothing',
    engine: 'reserves',
    models: BOTH,
    title: 'exited and written-off companies receive no reserves',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (input) => {
          const r = e.reserves[m](input);
          input.companies.forEach((c, i) => {
            if ((c.status ?? 'active') !== 'active')
              ensure(r.allocations[i]?.amount === 0, () => `${c.id} (${c.status}) got ${r.allocations[i]?.amount}`);
          });
        }),
      ),
  },
  {
    id: 'reserves.need-met-under-cap',
    engine: 'reserves',
    models: V11,
    title: 'total = min(cap, demand), and when demand fits under the cap each company gets exactly its need',
    precondition: 'method graduation (the default)',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (raw) => {
          const r = e.reserves[m]({ ...raw, method: 'graduation' });
          ensure(
            r.total === Math.min(r.cap, r.demand),
            () => `total ${r.total} ≠ min(cap ${r.cap}, demand ${r.demand})`,
          );
          if (r.demand <= r.cap)
            r.allocations.forEach((a) =>
              ensure(a.amount === a.need, () => `${a.id}: amount ${a.amount} ≠ need ${a.need}`),
            );
        }),
      ),
  },
  {
    id: 'reserves.agrees-with-v1.0',
    engine: 'reserves',
    models: V11,
    title: 'with base fundSize and pro-rata-initial, v1.1 equals v1.0 exactly',
    precondition: "input.base = 'fundSize' and input.method = 'pro-rata-initial' (where the models coincide)",
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, (raw) => {
          const input: ReserveInput = { ...raw, base: 'fundSize', method: 'pro-rata-initial' };
          const a = e.reserves['v1.0'](input);
          const b = e.reserves[m](input);
          ensure(
            a.total === b.total && isSameJson(a.allocations, b.allocations),
            () => `v1.0 total ${a.total} vs v1.1 total ${b.total}`,
          );
        }),
      ),
  },
  {
    id: 'reserves.rejects-bad-input',
    engine: 'reserves',
    models: BOTH,
    title: 'negative, NaN, fractional-cent or out-of-range input raises EngineInputError naming the field',
    build: (e, m) =>
      asEngineProperty(
        fc.property(reserveInputArb, fc.constantFrom(...BAD_RESERVE_INPUTS), (input, [field, corrupt]) => {
          let caught: unknown;
          try {
            e.reserves[m](corrupt(input));
          } catch (error) {
            caught = error;
          }
          ensure(
            caught instanceof EngineInputError && caught.field === field,
            () =>
              `expected EngineInputError on ${field}, got ${caught instanceof EngineInputError ? `field ${caught.field}` : String(caught ?? 'no error')}`,
          );
        }),
      ),
  },
];
