// The MNSIM-2.0-style cost model: mapping onto crossbars, PEs and tiles, spiral tile placement,
// per-output-pixel pipelined latency (MNSIM's mode 1), energy and area.
#ifndef IMCNAS_IMC_INTERNAL_MNSIM_ENGINE_H_
#define IMCNAS_IMC_INTERNAL_MNSIM_ENGINE_H_

#include <vector>

#include "arch/graph.h"
#include "imc/cost.h"
#include "imc/internal/layer_list.h"
#include "imc/internal/mnsim_constants.h"

namespace imcnas::imc::internal {

// Mapping of one layer (no timing): what `MapMnsim` computes and the benchmark times alone.
struct MnsimMapping {
  int pes = 0;             // crossbar pairs (PEs) holding the weights
  int tiles = 0;           // tiles charged
  int placed_tiles = 0;    // tiles occupying a place in the array
  int rows = 0, cols = 0;  // used rows / columns of the fullest crossbar
  int max_pe = 0;          // PEs used in the fullest tile
};

// Extremes of row + col and row - col over the tiles [first, end) (first < end) of the spiral
// placement (SpiralPlacement, mnsim_constants.h), in O(1) from the spiral's geometry: what the
// placement needs of a layer's tiles for its Manhattan distances.
struct TileRunExtent {
  int max_sum = 0, min_sum = 0, max_diff = 0, min_diff = 0;
};
TileRunExtent SpiralRunExtent(int first, int end);
// The same given the rings of the first and last tiles (SpiralRing).
TileRunExtent SpiralRunExtent(int first, int end, int k_first, int k_last);
// The ring of a tile: ring k holds the tiles k^2 .. (k+1)^2 - 1.
int SpiralRing(int tile);

// Maps every layer; throws std::invalid_argument if a layer does not fit the crossbar (e.g. a
// kernel larger than the crossbar rows) or the network needs more tiles than the chip has.
void MapMnsim(const MnsimConstants& c, const std::vector<HwLayer>& layers,
              std::vector<MnsimMapping>* mapping);

// `compress` (the default) computes each schedule row in closed form, a prefix maximum over
// vectors of outputs, and records periodic rows as shifts of earlier rows; false runs the plain
// per-output recurrence (tests compare the two).
NetworkCost EstimateMnsim(const MnsimConstants& c, const arch::Graph& graph, bool compress = true);

// The same with the preset's constants folded in at compile time (divisions by crossbar, buffer
// and converter sizes become shifts or multiplications). Instantiated in mnsim_engine.cc for
// every MNSIM preset of presets.h (the presets `Estimate` accepts).
template <class Preset>
NetworkCost EstimateMnsimFor(const arch::Graph& graph);
// Only the totals (no layer records): the same engine and the same bits.
template <class Preset>
NetworkTotals EstimateMnsimTotalsFor(const arch::Graph& graph);

}  // namespace imcnas::imc::internal

#endif  // IMCNAS_IMC_INTERNAL_MNSIM_ENGINE_H_
