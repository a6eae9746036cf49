/** Statistics: the BG/NBD, MBG/CNBD-k and Gamma-Gamma models and the optimiser they are fitted with. Maths only, no clinic words. */
export {
  expectedVisits,
  fitBgNbd,
  fitBgNbdWeighted,
  pAlive,
  ModelNotIdentifiableError,
  type BgNbdFit,
  type BgNbdParameters,
  type Frequency,
  type WeightedFrequencies,
} from './bg-nbd.ts';
export {
  fitMbgCnbd,
  mbgAgeAtPAlive,
  mbgExpectedVisits,
  mbgExpectedVisitsIfAlive,
  mbgPAlive,
  type MbgCnbdFit,
  type MbgCnbdParameters,
  type RegularFrequency,
} from './mbg-cnbd.ts';
export {
  expectedSpendPerVisit,
  fitGammaGamma,
  fitGammaGammaWeighted,
  type GammaGammaFit,
  type GammaGammaParameters,
  type Spending,
  type WeightedSpending,
} from './gamma-gamma.ts';
export { RowTally } from './row-tally.ts';
export { minimize, type Minimum } from './optimize.ts';
