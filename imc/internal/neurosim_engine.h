// The DNN+NeuroSim-V1.4-style cost model (configuration B: conventional mapping, layer by layer).
#ifndef IMCNAS_IMC_INTERNAL_NEUROSIM_ENGINE_H_
#define IMCNAS_IMC_INTERNAL_NEUROSIM_ENGINE_H_

#include "arch/graph.h"
#include "imc/cost.h"
#include "imc/internal/neurosim_constants.h"

namespace imcnas::imc::internal {

NetworkCost EstimateNeurosim(const NeurosimConstants& c, const arch::Graph& graph);

// The same with the preset's constants folded in at compile time. Instantiated in
// neurosim_engine.cc for the presets of neurosim_presets.h.
template <class Preset>
NetworkCost EstimateNeurosimFor(const arch::Graph& graph);
// Only the totals (no layer records): the same engine and the same bits.
template <class Preset>
NetworkTotals EstimateNeurosimTotalsFor(const arch::Graph& graph);

}  // namespace imcnas::imc::internal

#endif  // IMCNAS_IMC_INTERNAL_NEUROSIM_ENGINE_H_
