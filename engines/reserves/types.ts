import type { ModelVersion } from '../types.js';

/** Stage a company is currently at; follow-ons are needed for the later stages. */
export type Stage = 'seed' | 'series-a' | 'series-b' | 'series-c';
export const STAGES: readonly Stage[] = ['seed', 'series-a', 'series-b', 'series-c'];

/** One graduation step into `stage`: probability of reaching it and the round raised there (cents). */
export interface GraduationStep {
  probability: number;
  roundSize: number;
}

/** A portfolio company as the reserve engine sees it. */
export interface ReserveCompany {
  /** Unique id; allocations are reported by id. */
  id: string;
  stage: Stage;
  /** Cents invested so far (initial check plus follow-ons). */
  invested: number;
  /** Fully-diluted ownership, 0..1; v1.1 uses it for pro-rata follow-on checks. */
  ownership: number;
  /** Exited and written-off companies get no reserves. Default `active`. */
  status?: 'active' | 'exited' | 'written-off';
}

/** Input shared by every reserve model (each model reads the fields it needs). */
export interface ReserveInput {
  /** Committed capital, cents. */
  fundSize: number;
  /** Share of the base held for follow-ons, 0..1. */
  reserveRatio: number;
  companies: ReserveCompany[];
  /** Management-fee rate per fund year on committed capital, e.g. ten times 0.02. */
  feeSchedule?: number[];
  /** Fund expenses (formation, audit...), cents. */
  expenses?: number;
  /** v1.1: what the ratio applies to. Default `investable`. v1.0 always uses `fundSize`. */
  base?: 'investable' | 'fundSize';
  /** v1.1: how each company's need is sized. Default `graduation`. v1.0 is always pro-rata to invested. */
  method?: 'graduation' | 'pro-rata-initial';
  /** v1.1: graduation table override, keyed by the stage graduated into. */
  graduation?: Partial<Record<Exclude<Stage, 'seed'>, GraduationStep>>;
  /** v1.1: share of graduations the fund follows, 0..1. Default 1. */
  participation?: number;
}

export interface ReserveAllocation {
  id: string;
  /** Reserved cents. */
  amount: number;
  /** Modelled follow-on need, cents (the weight used for the split). */
  need: number;
}

export interface ReserveResult {
  model: ModelVersion;
  fundSize: number;
  /** fundSize − fees − expenses. */
  investableCapital: number;
  fees: number;
  base: 'investable' | 'fundSize';
  /** floor(base amount × reserveRatio): never exceeded. */
  cap: number;
  /** Σ need (cents). */
  demand: number;
  /** Reserved cents; equals Σ allocations. */
  total: number;
  /** cap − total. */
  unallocated: number;
  allocations: ReserveAllocation[];
  warnings: string[];
}

export type ReserveEngine = (input: ReserveInput) => ReserveResult;
