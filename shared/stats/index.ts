/** Statistics: the BG/NBD and Gamma-Gamma models and the optimiser they are fitted with. Maths only, no clinic words. */
export {
  expectedVisits,
  fitBgNbd,
  pAlive,
  ModelNotIdentifiableError,
  type BgNbdFit,
  type BgNbdParameters,
  type Frequency,
} from './bg-nbd.ts';
export { expectedSpendPerVisit, fitGammaGamma, type GammaGammaFit, type GammaGammaParameters, type Spending } from './gamma-gamma.ts';
export { minimize, type Minimum } from './optimize.ts';
