import type { ModelVersion } from '../types.js';
import type { IrrResult } from './xirr.js';

/** A dated amount in cents (always positive; the field it sits in gives the direction). */
export interface DatedAmount {
  /** `YYYY-MM-DD` */
  date: string;
  amount: number;
}

export interface CohortCompany {
  id: string;
  /** Cash paid into the company (initial check and follow-ons); at least one. */
  investments: DatedAmount[];
  /** Realized proceeds. */
  distributions?: DatedAmount[];
  /** Fair value at the valuation date, cents. */
  nav?: number;
}

export interface CohortInput {
  /** `YYYY-MM-DD`; no flow may come after it. NAV counts as an inflow on this day. */
  valuationDate: string;
  /** Capital the fund can invest, cents; Σ investments must not exceed it. */
  availableCapital: number;
  companies: CohortCompany[];
  /** v1.1: cohort key by `year` (default) or `quarter` of the first investment. v1.0 always uses `year`. */
  grouping?: 'year' | 'quarter';
}

export interface CohortCompanyRow {
  id: string;
  /** Σ investments, cents. */
  investment: number;
  distributions: number;
  nav: number;
  firstInvestmentDate: string;
}

export interface CohortMetrics {
  /** distributions / paidIn */
  dpi: number;
  /** nav / paidIn */
  rvpi: number;
  /** (distributions + nav) / paidIn */
  tvpi: number;
  /** Annualized IRR, or why there is none. */
  irr: IrrResult;
}

export interface Cohort {
  /** Vintage of first investment: `2021` or `2021-Q3`. */
  key: string;
  /** Never empty. */
  companies: CohortCompanyRow[];
  paidIn: number;
  distributions: number;
  nav: number;
  metrics: CohortMetrics;
}

export interface CohortResult {
  model: ModelVersion;
  valuationDate: string;
  grouping: 'year' | 'quarter';
  /** Sorted by key; only non-empty cohorts. */
  cohorts: Cohort[];
  /** Σ investments over all companies, cents (≤ availableCapital). */
  totalInvestment: number;
  availableCapital: number;
}

export type CohortEngine = (input: CohortInput) => CohortResult;
