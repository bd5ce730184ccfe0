import fc from 'fast-check';
import { parseIsoDay } from '../dates.js';
import { EngineInputError } from '../errors.js';
import type { CohortInput, CohortResult } from '../cohorts/index.js';
import { cohortInputArb, conventionalCohortInputArb, singleFlowCohortInputArb } from './generators.js';
import { BOTH, V11, asEngineProperty, ensure, isSameJson, permute } from './types.js';
import type { PropertyDef } from './types.js';

const sumOf = (xs: ReadonlyArray<{ amount: number }> | undefined): number =>
  (xs ?? []).reduce((s, f) => s + f.amount, 0);

/**
 * NPV of a cohort's flows at `rate` relative to Σ|discounted flows| (computed
 * here, independently of the engine). Relative to the discounted magnitudes
 * because near r = −1 the discount factors reach 1e15 and absolute NPV is noise.
 */
function relativeNpv(input: CohortInput, companyIds: Set<string>, nav: number, rate: number): number {
  const flows: Array<[number, number]> = [];
  for (const c of input.companies.filter((x) => companyIds.has(x.id))) {
    c.investments.forEach((f) => flows.push([parseIsoDay(f.date, 'd'), -f.amount]));
    (c.distributions ?? []).forEach((f) => flows.push([parseIsoDay(f.date, 'd'), f.amount]));
  }
  if (nav > 0) flows.push([parseIsoDay(input.valuationDate, 'd'), nav]);
  const d0 = Math.min(...flows.map(([d]) => d));
  const terms = flows.map(([d, a]) => a * (1 + rate) ** (-(d - d0) / 365));
  return terms.reduce((s, v) => s + v, 0) / terms.reduce((s, v) => s + Math.abs(v), 0);
}

const multiplesTolerance = (r: CohortResult): number => (r.model === 'v1.0' ? 0.015 : 1e-12);

export const COHORT_PROPERTIES: PropertyDef[] = [
  {
    id: 'cohorts.irr-within-bounds',
    engine: 'cohorts',
    models: BOTH,
    title: 'cohort IRR lies in (−1, 10) whenever it is defined',
    precondition:
      'conventional cohorts: every investment ≥ 365 days before every inflow and proceeds < 11× paid-in, which bounds IRR below 11^(365/365) − 1 = 10. Outside it IRR > 1000 % is real (2× in 91 days is 1512 %) and the bound is not claimed',
    build: (e, m) =>
      asEngineProperty(
        fc.property(conventionalCohortInputArb, (input) => {
          for (const c of e.cohorts[m](input).cohorts) {
            const irr = c.metrics.irr;
            if (irr.defined)
              ensure(
                irr.value > -1 && irr.value < 10 && Number.isFinite(irr.value),
                () => `cohort ${c.key}: irr ${irr.value} outside (−1, 10)`,
              );
          }
        }),
      ),
  },
  {
    id: 'cohorts.irr-is-a-root',
    engine: 'cohorts',
    models: V11,
    title: 'a defined IRR zeroes the NPV of the dated flows (NAV as a terminal inflow)',
    precondition:
      'any valid input; |NPV| ≤ (1e-9 + years × 4.5e-16 / (1 + irr)) × Σ|discounted flows|, the second term being the precision of 1 + irr in a double',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          for (const c of e.cohorts[m](input).cohorts) {
            const irr = c.metrics.irr;
            if (!irr.defined) continue;
            const rel = relativeNpv(input, new Set(c.companies.map((x) => x.id)), c.nav, irr.value);
            // A double near r = −1 carries 1 + r only to ~1e-16 / (1 + r) relative precision; allow for it.
            const years =
              (parseIsoDay(input.valuationDate, 'd') -
                Math.min(...c.companies.map((x) => parseIsoDay(x.firstInvestmentDate, 'd')))) /
              365;
            const tolerance = 1e-9 + (years * 4.5e-16) / (1 + irr.value);
            ensure(
              Math.abs(rel) <= tolerance,
              () => `cohort ${c.key}: NPV at irr ${irr.value} is ${rel} of Σ|discounted flows|`,
            );
          }
        }),
      ),
  },
  {
    id: 'cohorts.companies-non-empty',
    engine: 'cohorts',
    models: BOTH,
    title: 'every cohort has at least one company and every company is in exactly one cohort',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          const r = e.cohorts[m](input);
          ensure(
            r.cohorts.every((c) => c.companies.length > 0),
            'a cohort has no companies',
          );
          const ids = r.cohorts.flatMap((c) => c.companies.map((x) => x.id)).sort();
          ensure(
            isSameJson(ids, input.companies.map((c) => c.id).sort()),
            'companies missing or duplicated across cohorts',
          );
        }),
      ),
  },
  {
    id: 'cohorts.investment-within-capital',
    engine: 'cohorts',
    models: BOTH,
    title: 'total investment ≤ available capital',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          const r = e.cohorts[m](input);
          const total = r.cohorts.flatMap((c) => c.companies).reduce((s, c) => s + c.investment, 0);
          ensure(
            total <= input.availableCapital,
            () => `total investment ${total} > available ${input.availableCapital}`,
          );
          ensure(total === r.totalInvestment, 'Σ company investment ≠ totalInvestment');
        }),
      ),
  },
  {
    id: 'cohorts.over-investment-rejected',
    engine: 'cohorts',
    models: BOTH,
    title: 'investing more than the available capital raises EngineInputError on availableCapital',
    build: (e, m) =>
      asEngineProperty(
        fc.property(
          cohortInputArb.filter((i) => i.companies.length > 0),
          (input) => {
            const invested = input.companies.reduce((s, c) => s + sumOf(c.investments), 0);
            let caught: unknown;
            try {
              e.cohorts[m]({ ...input, availableCapital: invested - 1 });
            } catch (error) {
              caught = error;
            }
            ensure(
              caught instanceof EngineInputError && caught.field === 'availableCapital',
              () => `expected EngineInputError on availableCapital, got ${String(caught ?? 'no error')}`,
            );
          },
        ),
      ),
  },
  {
    id: 'cohorts.conservation',
    engine: 'cohorts',
    models: BOTH,
    title: 'cohort paid-in, distributions and NAV add up to the portfolio totals',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          const r = e.cohorts[m](input);
          const total = (pick: (c: CohortResult['cohorts'][number]) => number): number =>
            r.cohorts.reduce((s, c) => s + pick(c), 0);
          ensure(
            total((c) => c.paidIn) === input.companies.reduce((s, c) => s + sumOf(c.investments), 0),
            'paid-in not conserved',
          );
          ensure(
            total((c) => c.distributions) === input.companies.reduce((s, c) => s + sumOf(c.distributions), 0),
            'distributions not conserved',
          );
          ensure(total((c) => c.nav) === input.companies.reduce((s, c) => s + (c.nav ?? 0), 0), 'NAV not conserved');
        }),
      ),
  },
  {
    id: 'cohorts.multiples-consistent',
    engine: 'cohorts',
    models: BOTH,
    title: 'TVPI = DPI + RVPI and all multiples are ≥ 0',
    precondition: 'v1.0 rounds each multiple to 2 decimals, so it is checked within 0.015',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          const r = e.cohorts[m](input);
          for (const { key, metrics: x } of r.cohorts) {
            ensure(x.dpi >= 0 && x.rvpi >= 0 && x.tvpi >= 0, () => `cohort ${key}: negative multiple`);
            ensure(
              Math.abs(x.tvpi - (x.dpi + x.rvpi)) <= multiplesTolerance(r) * Math.max(1, x.tvpi),
              () => `cohort ${key}: tvpi ${x.tvpi} ≠ dpi ${x.dpi} + rvpi ${x.rvpi}`,
            );
          }
        }),
      ),
  },
  {
    id: 'cohorts.young-cohort-not-annualized',
    engine: 'cohorts',
    models: BOTH,
    title: 'a cohort younger than 365 days at the valuation date reports no IRR (GIPS)',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          const valuation = parseIsoDay(input.valuationDate, 'valuationDate');
          for (const c of e.cohorts[m](input).cohorts) {
            const first = Math.min(...c.companies.map((x) => parseIsoDay(x.firstInvestmentDate, 'd')));
            if (valuation - first < 365)
              ensure(
                !c.metrics.irr.defined && c.metrics.irr.reason === 'young-cohort',
                () => `cohort ${c.key} is ${valuation - first} days old but has irr ${JSON.stringify(c.metrics.irr)}`,
              );
          }
        }),
      ),
  },
  {
    id: 'cohorts.deterministic',
    engine: 'cohorts',
    models: BOTH,
    title: 'the same input always gives the same output',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, (input) => {
          ensure(isSameJson(e.cohorts[m](input), e.cohorts[m](structuredClone(input))), 'two runs differ');
        }),
      ),
  },
  {
    id: 'cohorts.order-independent',
    engine: 'cohorts',
    models: BOTH,
    title: 'listing companies in another order gives the same cohorts',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, fc.nat(), (input, seed) => {
          ensure(
            isSameJson(e.cohorts[m](input), e.cohorts[m]({ ...input, companies: permute(input.companies, seed) })),
            'reordering companies changed the result',
          );
        }),
      ),
  },
  {
    id: 'cohorts.scale-invariant',
    engine: 'cohorts',
    models: V11,
    title: 'multiplying every amount by k leaves multiples and IRR unchanged',
    precondition: 'k ∈ [2, 50]; multiples compared within 1e-12 and IRR within 1e-9 (relative)',
    build: (e, m) =>
      asEngineProperty(
        fc.property(cohortInputArb, fc.integer({ min: 2, max: 50 }), (input, k) => {
          const scale = (xs: CohortInput['companies'][number]['investments'] | undefined) =>
            (xs ?? []).map((f) => ({ ...f, amount: f.amount * k }));
          const scaled: CohortInput = {
            ...input,
            availableCapital: input.availableCapital * k,
            companies: input.companies.map((c) => ({
              ...c,
              investments: scale(c.investments),
              distributions: scale(c.distributions),
              nav: (c.nav ?? 0) * k,
            })),
          };
          const [a, b] = [e.cohorts[m](input).cohorts, e.cohorts[m](scaled).cohorts];
          a.forEach((c, i) => {
            const d = b[i];
            ensure(
              d !== undefined && Math.abs(c.metrics.tvpi - d.metrics.tvpi) <= 1e-12 * Math.max(1, c.metrics.tvpi),
              () => `cohort ${c.key}: tvpi changed under scaling`,
            );
            const [x, y] = [c.metrics.irr, d.metrics.irr];
            ensure(
              x.defined === y.defined,
              () => `cohort ${c.key}: irr defined ${x.defined} vs ${y.defined} after ×${k}`,
            );
            if (x.defined && y.defined)
              ensure(
                Math.abs(x.value - y.value) <= 1e-9 * Math.max(1, Math.abs(x.value)),
                () => `cohort ${c.key}: irr ${x.value} vs ${y.value} after ×${k}`,
              );
          });
        }),
      ),
  },
  {
    id: 'cohorts.agrees-with-v1.0',
    engine: 'cohorts',
    models: V11,
    title: 'one investment and a terminal NAV per cohort: XIRR equals v1.0’s TVPI^(365/days) − 1',
    precondition: 'each cohort holds one company with a single investment and only a NAV at the valuation date',
    build: (e, m) =>
      asEngineProperty(
        fc.property(singleFlowCohortInputArb, (input) => {
          const [a, b] = [e.cohorts['v1.0'](input).cohorts, e.cohorts[m](input).cohorts];
          ensure(
            isSameJson(
              a.map((c) => c.key),
              b.map((c) => c.key),
            ),
            'cohort keys differ',
          );
          a.forEach((c, i) => {
            const [x, y] = [c.metrics.irr, b[i]?.metrics.irr];
            ensure(y !== undefined && x.defined === y.defined, () => `cohort ${c.key}: defined differs`);
            if (x.defined && y.defined)
              ensure(
                Math.abs(x.value - y.value) <= 1e-9 * Math.max(1, Math.abs(x.value)),
                () => `cohort ${c.key}: v1.0 ${x.value} vs v1.1 ${y.value}`,
              );
          });
        }),
      ),
  },
  {
    id: 'cohorts.rejects-bad-input',
    engine: 'cohorts',
    models: BOTH,
    title:
      'flows after the valuation date, impossible dates or negative amounts raise EngineInputError naming the field',
    build: (e, m) =>
      asEngineProperty(
        fc.property(
          cohortInputArb,
          fc.constantFrom(
            ['companies[0].investments[0].date', '2999-01-01'],
            ['companies[0].investments[0].date', '2021-02-30'],
            ['companies[0].investments[0].amount', -5],
            ['companies[0].nav', Number.NaN],
            ['valuationDate', '31/12/2024'],
          ),
          (input, [field, bad]) => {
            const base: CohortInput = {
              ...input,
              availableCapital: input.availableCapital + 1000,
              companies: [
                { id: 'bad', investments: [{ date: '2000-06-30', amount: 1000 }] },
                ...input.companies.map((c) => ({ ...c, id: `o-${c.id}` })),
              ],
            };
            const first = base.companies[0] as CohortInput['companies'][number];
            const corrupted: CohortInput =
              field === 'valuationDate'
                ? { ...base, valuationDate: bad }
                : field === 'companies[0].nav'
                  ? { ...base, companies: [{ ...first, nav: bad }, ...base.companies.slice(1)] }
                  : {
                      ...base,
                      companies: [
                        {
                          ...first,
                          investments: [
                            {
                              date: field.endsWith('date') ? (bad as string) : '2000-06-30',
                              amount: field.endsWith('amount') ? (bad as number) : 1000,
                            },
                          ],
                        },
                        ...base.companies.slice(1),
                      ],
                    };
            let caught: unknown;
            try {
              e.cohorts[m](corrupted);
            } catch (error) {
              caught = error;
            }
            ensure(
              caught instanceof EngineInputError && caught.field === field,
              () =>
                `expected EngineInputError on ${field}, got ${caught instanceof EngineInputError ? `field ${caught.field}` : String(caught ?? 'no error')}`,
            );
          },
        ),
      ),
  },
];
