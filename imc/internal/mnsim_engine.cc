#include "imc/internal/mnsim_engine.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

#if defined(__AVX__)
#include <immintrin.h>
#endif

#include "imc/presets.h"

namespace imcnas::imc::internal {
namespace {

constexpr int kLp(LatencyPart p) { return static_cast<int>(p); }
constexpr int kEp(EnergyPart p) { return static_cast<int>(p); }
constexpr int kAp(AreaPart p) { return static_cast<int>(p); }

int CeilLog2(int x) {
  int l = 0;
  while ((1 << l) < x) ++l;
  return l;
}

const char* KindName(HwKind kind) {
  switch (kind) {
    case HwKind::kConv:
      return "conv";
    case HwKind::kFc:
      return "fc";
    case HwKind::kMaxPool:
      return "maxpool";
    case HwKind::kAvgPool:
      return "avgpool";
    case HwKind::kAdd:
      return "add";
    case HwKind::kDummyPool:
      return "dummy_pool";
  }
  return "?";
}

bool IsPool(HwKind k) {
  return k == HwKind::kMaxPool || k == HwKind::kAvgPool || k == HwKind::kDummyPool;
}

// Buffer accesses for `bits` of data: whole accesses of the buffer width. (MNSIM departure,
// reproduced: the 64-bit / 20 ns buffer makes buffer latency ~55% of a conv layer's busy time.)
struct Buffer {
  int width;
  double access_ns;
  double Ns(double bits) const { return std::ceil(bits / width - 1e-9) * access_ns; }
};

// Placement distances of MNSIM's tile connection graph.
struct Distances {
  double in_layer = 0;     // to gather a layer's partial results at its aggregation tile
  double trans_layer = 0;  // from there to the farthest tile of the consumers
};

// Bounding extents of a set of tiles in the rotated coordinates r + c and r - c: the largest
// Manhattan distance from any tile to the set is then O(1).
struct Extent {
  int max_sum = -(1 << 20), min_sum = 1 << 20, max_diff = -(1 << 20), min_diff = 1 << 20;
  bool empty = true;
  void Add(TilePosition p) {
    const int sum = p.row + p.col, diff = p.row - p.col;
    max_sum = std::max(max_sum, sum);
    min_sum = std::min(min_sum, sum);
    max_diff = std::max(max_diff, diff);
    min_diff = std::min(min_diff, diff);
    empty = false;
  }
  void Merge(const Extent& o) {
    max_sum = std::max(max_sum, o.max_sum);
    min_sum = std::min(min_sum, o.min_sum);
    max_diff = std::max(max_diff, o.max_diff);
    min_diff = std::min(min_diff, o.min_diff);
    empty = empty && o.empty;
  }
  int Farthest(TilePosition p) const { return empty ? 0 : FarthestNonEmpty(p); }
  int FarthestNonEmpty(TilePosition p) const {
    const int sum = p.row + p.col, diff = p.row - p.col;
    return std::max(std::max(max_sum - sum, sum - min_sum),
                    std::max(max_diff - diff, diff - min_diff));
  }
};

// Finish times of a layer's outputs, row by row, one value per output. A row is stored
// explicitly (at `base` in the value pool) or is a stored row shifted in time: once the schedule
// is periodic, later rows are not recomputed (see ScheduleRowsFast) and a whole run of them
// costs one Segment, not one record per row.
//
// A stored row of width w takes RowStride(w) values: the w finish times, then copies of the last
// one. A consumer reads column min(c, w - 1); with the copies it can read whole vectors of
// columns past the end of the row without clamping each index.
//
// Vectors of kLanes doubles, with GCC's generic vectors: one AVX-512 register where the target
// has them, else one AVX2 register (wider generic vectors would be split into scalar code there;
// imc/BUILD passes -Wno-psabi, since a target without AVX warns about the ABI of such helpers,
// which are internal to this file).
// Only element-wise IEEE operations and exact maxima: the results do not depend on the width.
#if defined(__AVX512F__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
int RoundUpLanes(int w) { return (w + kLanes - 1) / kLanes * kLanes; }
int RowStride(int w) { return RoundUpLanes(w) + kLanes; }

using VD = double __attribute__((vector_size(kLanes * sizeof(double))));
using VM = long long __attribute__((vector_size(kLanes * sizeof(long long))));
VD Load(const double* p) {
  VD v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void Store(double* p, VD v) { std::memcpy(p, &v, sizeof v); }
VD Splat(double x) { return VD{} + x; }
VD Max(VD a, VD b) { return a > b ? a : b; }
#if defined(__AVX512F__)
constexpr VM kIota{0, 1, 2, 3, 4, 5, 6, 7};
// Lane x: the maximum of lanes 0..x.
VD PrefixMax(VD v) {
  const VD lowest = Splat(-std::numeric_limits<double>::infinity());
  v = Max(v, __builtin_shuffle(v, lowest, VM{8, 0, 1, 2, 3, 4, 5, 6}));
  v = Max(v, __builtin_shuffle(v, lowest, VM{8, 8, 0, 1, 2, 3, 4, 5}));
  return Max(v, __builtin_shuffle(v, lowest, VM{8, 8, 8, 8, 0, 1, 2, 3}));
}
VD SplatLast(VD v) { return __builtin_shuffle(v, VM{7, 7, 7, 7, 7, 7, 7, 7}); }
// One test instruction (vptestmq and kortest), not a reduction by shuffles.
bool AnyLane(VM m) { return _mm512_test_epi64_mask(__m512i(m), __m512i(m)) != 0; }
// Lanes 0, 2, 4, ... of the 2 * kLanes values from p.
VD EvenLanes(const double* p) {
  return __builtin_shuffle(Load(p), Load(p + kLanes), VM{0, 2, 4, 6, 8, 10, 12, 14});
}
#else
constexpr VM kIota{0, 1, 2, 3};
VD PrefixMax(VD v) {
  const VD lowest = Splat(-std::numeric_limits<double>::infinity());
  v = Max(v, __builtin_shuffle(v, lowest, VM{4, 0, 1, 2}));
  return Max(v, __builtin_shuffle(v, lowest, VM{4, 4, 0, 1}));
}
VD SplatLast(VD v) { return __builtin_shuffle(v, VM{3, 3, 3, 3}); }
#if defined(__AVX__)
bool AnyLane(VM m) { return !_mm256_testz_si256(__m256i(m), __m256i(m)); }  // one vptest
#else
bool AnyLane(VM m) {
  m |= __builtin_shuffle(m, VM{2, 3, 0, 1});
  m |= __builtin_shuffle(m, VM{1, 0, 1, 0});
  return m[0] != 0;
}
#endif
VD EvenLanes(const double* p) {
  return __builtin_shuffle(Load(p), Load(p + kLanes), VM{0, 2, 4, 6});
}
#endif

struct RowRef {
  int base = 0;
  double off = 0;
};

// Rows [y0, y_end) of a layer: the stored row at `base` shifted by off0 + (y - y0) * step. A
// segment starts with an explicit row (off0 = 0, step not yet fixed: a periodic row of any step
// may extend it) or with shifted rows (step fixed); `stepped` once the step is fixed.
struct Segment {
  int y0 = 0, y_end = 0;
  int base = 0;
  double off0 = 0, step = 0;
  bool stepped = false;
  RowRef Row(int y) const { return {base, off0 + (y - y0) * step}; }
};

// Fills the copies of a stored row's last value (see RowStride).
void PadRow(double* row, int w) {
  const VD last = Splat(row[w - 1]);
  Store(row + w, last);
  if (w + kLanes < RowStride(w)) Store(row + RowStride(w) - kLanes, last);
}

// Append-only storage of rows: NewRow gives room for a row after the stored ones (it may move
// the values, so a pointer into the pool is not kept across the next NewRow); Keep stores it,
// padded (a row computed and found to be a shift of the row before is not kept).
struct ValuePool {
  std::vector<double> buf;
  int size = 0;
  double* NewRow(int w) {
    const int need = size + RowStride(w);
    if (need > static_cast<int>(buf.size())) buf.resize(std::max<size_t>(need, 2 * buf.size()));
    return buf.data() + size;
  }
  int Keep(int w) {
    const int base = size;
    size += RowStride(w);
    return base;
  }
  double* data() { return buf.data(); }
  const double* data() const { return buf.data(); }
  double operator[](int i) const { return buf[i]; }
};

// The segments of all layers, in storage sized for the whole network beforehand (at most one
// segment per row), so appending is a plain store and pointers into it stay valid.
struct SegmentList {
  Segment* data = nullptr;
  int size = 0;
  void push_back(const Segment& s) { data[size++] = s; }
  Segment& back() const { return data[size - 1]; }
};

// Working memory reused across calls (per thread), so an estimate allocates little.
struct Scratch {
  std::vector<HwLayer> layers;
  std::vector<MnsimMapping> map;
  std::vector<int> start, row_start;
  std::vector<Distances> dist;
  std::vector<Extent> extent;
  ValuePool pool;
  std::vector<double> late[kMaxInputs];  // per input and output: input time - work before
  std::vector<double> times;             // a layer's cumulative per-output times (ScheduleRowsFast)
  std::vector<Segment> segs;
  std::vector<int> seg_of_row;  // per layer row (row_start[layer] + y): index into segs
  std::vector<double> finish;
  std::vector<LayerCost> costs;  // the layer figures when the result has no records
};

Scratch& GetScratch() {
  // The static TLS model: the library is linked, never dlopen'ed, and under -fPIC (the build's
  // --force_pic) the default model's look-ups of the thread-locals cost ~4% of an estimate.
  thread_local Scratch scratch __attribute__((tls_model("initial-exec")));
  return scratch;
}

// One input of a schedule: the producing layer's rows; output (y, x) needs input row
// min(r0 + s*y, in_h - 1) and column min(c0 + s*x, in_w - 1) (the last input value its window
// reads; r0 = c0 = anchor - 1 for a window anchored at `anchor` > 0, 0 for a 1x1 window).
struct ScheduleInput {
  const Segment* segs = nullptr;    // all segments
  const int* seg_of_row = nullptr;  // the producer's rows
  int first = 0, stride = 1, in_h = 1, in_w = 1;
  int Row(int y) const { return std::min(first + stride * y, in_h - 1); }
  const Segment& SegmentOf(int row) const { return segs[seg_of_row[row]]; }
  // Resolved from the row's segment when read (most rows of a run are never read one by one:
  // a consumer's run of shifted rows tests only the run's bounds).
  RowRef At(int row) const { return SegmentOf(row).Row(row); }
};

// The rows of the layer being scheduled: appends segments and maps each row to its segment.
struct RowWriter {
  SegmentList* segs;
  int* seg_of_row;
  // Row y is explicit: stored at `base`.
  void Explicit(int y, int base) const {
    segs->push_back({y, y + 1, base, 0.0, 0.0, false});
    seg_of_row[y] = segs->size - 1;
  }
  // Whether the padded row of width w at `b` is the last row written shifted by some D (values
  // all D apart, to 1e-12 relative); sets *shift = D.
  bool ShiftOfPrevious(const ValuePool& pool, const double* b, int w, double* shift) const {
    const RowRef prev = segs->back().Row(segs->back().y_end - 1);
    const double* a = pool.data() + prev.base;
    const double d = b[0] - (a[0] + prev.off);
    // Most rows that are not shifts already differ at the last column: the loop's test for it.
    const double last = b[w - 1] - (a[w - 1] + prev.off) - d;
    if (std::abs(last) > 1e-12 * std::abs(b[w - 1])) return false;
    const VD off = Splat(prev.off), dv = Splat(d), rel = Splat(1e-12);
    VM bad{};
    for (int x = 0; x < w; x += kLanes) {  // lanes past w: copies of column w - 1
      const VD bv = Load(b + x), diff = bv - (Load(a + x) + off) - dv;
      bad |= Max(diff, -diff) > rel * Max(bv, -bv);
    }
    if (AnyLane(bad)) return false;
    *shift = d;
    return true;
  }
  // Rows [y, last] repeat row y - 1 (the last row written), each shifted by `shift` from the
  // one before; joins row y - 1's segment when that has the same step, to within 1e-14 of
  // `scale`, the size of the finish times (a step recovered from finish times carries rounding;
  // one segment, not two of the same step, lets a consumer's run go on).
  void Shifted(int y, int last, double shift, double scale) const {
    Segment& s = segs->back();
    if (!s.stepped || std::abs(s.step - shift) <= 1e-14 * std::abs(scale)) {
      if (!s.stepped) {
        s.step = shift;
        s.stepped = true;
      }
      s.y_end = last + 1;
    } else {
      const RowRef prev = s.Row(y - 1);
      segs->push_back({y, last + 1, prev.base, prev.off + shift, shift, true});
    }
    std::fill(seg_of_row + y, seg_of_row + last + 1, segs->size - 1);
  }
};

// MNSIM's mode-1 schedule of one layer: each output, in raster order, starts when the previous
// output is done and the last input value its window needs exists, and takes t00 (first output),
// t0 (first of a later row), tx0 (rest of the first row) or tx (the rest).
//
// The plain per-output recurrence: the reference the fast path (ScheduleRowsFast) is tested
// against.
void ScheduleRowsPlain(int h, int w, const ScheduleInput* in, int n_in, double t00, double t0,
                       double tx0, double tx, Scratch* scratch, RowWriter out) {
  ValuePool& pool = scratch->pool;
  double prev = 0;  // end of row y-1
  for (int y = 0; y < h; ++y) {
    const double first = y == 0 ? t00 : t0, rest = y == 0 ? tx0 : tx;
    double* const row = pool.NewRow(w);
    for (int x = 0; x < w; ++x) {
      double start = prev;
      for (int j = 0; j < n_in; ++j) {
        const RowRef r = in[j].At(in[j].Row(y));
        const int col = std::min(in[j].first + in[j].stride * x, in[j].in_w - 1);
        start = std::max(start, pool[r.base + col] + r.off);
      }
      prev = start + (x == 0 ? first : rest);
      row[x] = prev;
    }
    PadRow(row, w);
    out.Explicit(y, pool.Keep(w));
  }
}

// Input "lateness" of one input for a row: late[x] = I(x) - cexcl[x], where I(x) is the input
// value output x waits for and cexcl[x] the row's work before output x, for x < RoundUpLanes(w)
// (lanes past w only ever affect lanes past w). `p`: the input row from its first column read.
//
// Any stride and any position: each column clamped.
void LatenessClamped(const ScheduleInput& in, const double* p, double off, int w,
                     const double* cexcl, double* late) {
  const int last = in.in_w - 1 - in.first, wp = RoundUpLanes(w);
  for (int x = 0; x < wp; ++x) late[x] = (p[std::min(in.stride * x, last)] + off) - cexcl[x];
}
// Strides 1 and 2 where the vectors read stay within the input row and its copies (RowStride):
// kLanes lanes read without clamping (stride 2: 2 * kLanes values, every other one kept).
template <int kStride>
bool DirectReadable(const ScheduleInput& in, int w) {
  if constexpr (kStride == 1 || kStride == 2) {
    return in.first + kStride * RoundUpLanes(w) <= RowStride(in.in_w);
  }
  return false;
}
template <int kStride>
VD LoadColumns(const double* p) {
  if constexpr (kStride == 1) {
    return Load(p);
  } else {
    return EvenLanes(p);
  }
}

// The max-plus scan of a row in closed form: with G(x) the maximum of g0 (the end of the row
// before) and of the lateness of outputs 0..x, output x finishes at G(x) + crel[x] (crel: the
// row's work up to and including output x). Writes RoundUpLanes(w) values; returns bit j set if
// input j attains the start of some output (to within tol).
// late_at(j, x): input j's lateness for lanes x .. x + kLanes - 1.
template <int kIn, bool kBinds, class LateAt>
[[gnu::always_inline]] inline int ScanRow(LateAt late_at, double g0, const double* crel, int w,
                                          double tol, double* row) {
  // The carry between vectors runs over the lateness only; g0 enters each vector once. (The same
  // maximum in another order: max is exact. The rows' dependency chain -- each row starts from
  // the end of the row before -- is then one Max and one add long.)
  VD carry = Splat(-std::numeric_limits<double>::infinity());
  const VD start = Splat(g0), tolv = Splat(tol);
  VM binds[kMaxInputs] = {};
  // `masked`: the row's last vector, whose lanes from w on are not outputs.
  auto block = [&](int x, auto masked) {
    VD h[kMaxInputs];
    h[0] = late_at(0, x);
    VD hv = h[0];
    if constexpr (kIn == 2) {
      h[1] = late_at(1, x);
      hv = Max(h[0], h[1]);
    }
    const VD lateness = Max(PrefixMax(hv), carry);
    carry = SplatLast(lateness);
    const VD g = Max(lateness, start);
    Store(row + x, g + Load(crel + x));
    // Input j attains the start of output x iff its lateness reaches G(x).
    const VD thr = g - tolv;
    for (int j = 0; j < kIn && kBinds; ++j) {
      VM hit = h[j] >= thr;
      if constexpr (decltype(masked)::value) hit &= kIota < (VM{} + (w - x));
      binds[j] |= hit;
    }
  };
  int x = 0;
  for (; x + kLanes <= w; x += kLanes) block(x, std::false_type{});
  if (x < w) block(x, std::true_type{});
  int bind = 0;
  for (int j = 0; j < kIn; ++j) bind |= AnyLane(binds[j]) ? 1 << j : 0;
  return bind;
}

// The fast path of the schedule:
// - A row is computed in closed form: F(x) = max(F(x-1), I(x)) + t(x) unrolls to
//   F(x) = C(x) + max(F(-1), max over x' <= x of (I(x') - C(x') + t(x'))) with C the cumulative
//   work of the row, a prefix maximum over the row's lanes (ScanRow).
// - The schedule is a max-plus recurrence, so it is shift-equivariant: row y >= 1 is a function
//   of the finish time of row y-1's last output and of the input rows it reads, and adding D to
//   all of them adds D to the row. So for y >= 2 (y >= 1 if row 0 has the same per-output times),
//   if the terms that bound row y-1 all move by the same D to row y and the others stay below --
//   an input that did not bind moves by at most D; the end of row y-2, if it did not bind,
//   becomes the end of row y-1, still below the start of row y-1's output 0 moved by D -- then
//   row y is row y-1 shifted by D and is recorded as such. (D is the end of the row before's
//   move if that bound, else a binding input's.)
// The result is the same as the plain recurrence (ScheduleRowsPlain) up to rounding.
// For `kIn` inputs: the loops over inputs unrolled and each input row looked up once per row;
// kStride: the inputs' stride when it is 1 or 2 (reading the input rows without divisions), else
// 0 (any). Without kPeriodic, every row is computed (see ScheduleNarrowOrWide).
template <int kIn, int kStride, bool kPeriodic>
void ScheduleRowsFast(int h, int w, const ScheduleInput* in, double t00, double t0, double tx0,
                      double tx, Scratch* scratch, RowWriter out) {
  ValuePool& pool = scratch->pool;
  const int wp = RoundUpLanes(w);
  // The work before and up to each output of row 0 (k = 0) and of the later rows (k = 1),
  // relative to the row's start.
  if (static_cast<int>(scratch->times.size()) < 4 * wp) scratch->times.resize(4 * wp);
  double* const cexcl[2] = {scratch->times.data(), scratch->times.data() + wp};
  double* const crel[2] = {scratch->times.data() + 2 * wp, scratch->times.data() + 3 * wp};
  for (int k = 0; k < 2; ++k) {
    const VD first = Splat(k == 0 ? t00 : t0), rest = Splat(k == 0 ? tx0 : tx);
    for (int x = 0; x < wp; x += kLanes) {
      const VD col = __builtin_convertvector(kIota, VD) + x;
      Store(cexcl[k] + x, first + (col - 1) * rest);
      Store(crel[k] + x, first + col * rest);
    }
    cexcl[k][0] = 0;
  }
  // Whether every input row is read whole vectors at a time (a property of the layer's shapes).
  bool direct = true;
  for (int j = 0; j < kIn; ++j) direct = direct && DirectReadable<kStride>(in[j], w);
  double* late[kMaxInputs] = {nullptr, nullptr};
  for (int j = 0; j < kIn; ++j) {
    if (static_cast<int>(scratch->late[j].size()) < wp) scratch->late[j].resize(wp);
    late[j] = scratch->late[j].data();
  }
  double prev = 0, prev2 = 0;                 // end of row y-1 and of row y-2
  bool binding[kMaxInputs] = {false, false};  // input j set the start of some output of row y-1
  bool prev_binding = true;                   // the end of row y-2 set the start of row y-1
  double start0 = 0;                          // start of output 0 of row y-1
  const bool uniform_times = t00 == t0 && tx0 == tx;
  RowRef read[kIn > 0 ? kIn : 1];  // the input rows row y-1 read, if it was computed
  auto input_row = [&](int j, int y) {  // ScheduleInput::Row with the stride folded in
    return std::min(in[j].first + (kStride > 0 ? kStride : in[j].stride) * y, in[j].in_h - 1);
  };
  bool read_known = false;
  for (int y = 0; y < h; ++y) {
    RowRef now[kIn > 0 ? kIn : 1];  // the input rows row y reads
    for (int j = 0; j < kIn; ++j) now[j] = in[j].At(input_row(j, y));
    // Row 0 has its own per-output times except where they equal the later rows' (pools, sums,
    // the dummy pool): there row 1 may already repeat row 0, which started from time 0.
    if (kPeriodic && (y >= 2 || (y == 1 && uniform_times))) {
      // The terms row y-1 was computed from: the end of row y-2 and the input rows. Each has
      // moved by some amount from row y-1 to row y; D is the move of a binding term.
      const double moved_prev = prev - prev2;
      RowRef before[kIn > 0 ? kIn : 1];
      double moved[kIn > 0 ? kIn : 1];
      bool periodic = true;
      for (int j = 0; j < kIn; ++j) {
        before[j] = read_known ? read[j] : in[j].At(input_row(j, y - 1));
        moved[j] = now[j].off - before[j].off;
        periodic = periodic && now[j].base == before[j].base;
      }
      double shift = moved_prev;
      if (!prev_binding) {
        for (int j = kIn - 1; j >= 0; --j) {
          if (binding[j]) shift = moved[j];
        }
      }
      auto tol_of = [&](double off) { return 1e-9 * (std::abs(off) + std::abs(shift) + 1.0); };
      // Binding terms must move by D, the inputs that do not bind by at most D (they then stay
      // below). The end of row y-1 only enters through the start of output 0: if it did not bind
      // in row y-1, it need only stay below that start moved by D.
      {
        const double tol = tol_of(prev);
        periodic = periodic && (std::abs(moved_prev - shift) <= tol ||
                                (!prev_binding && prev < start0 + shift - tol));
      }
      for (int j = 0; j < kIn && periodic; ++j) {
        const double d = moved[j], tol = tol_of(now[j].off);
        periodic = std::abs(d - shift) <= tol || (d <= shift + tol && !binding[j]);
      }
      if (periodic) {
        // The same holds for the following rows as long as every input row they read lies in
        // the run (same stored row, same step) of the rows this one read -- or, for an input
        // that does not bind, whose run reaches its last row: later rows read that run and then
        // the last row again, so the input moves by at most what it moved into row y (a stride
        // >= 2 may take one partial step to the last row), then by 0, and stays below. (Moving
        // on past a run that ends earlier would be wrong: the next one may move by more than
        // D.) Without this, each 3x3 layer would add one more single-row run at the bottom of
        // its consumers.
        int last = h - 1;
        for (int j = 0; j < kIn; ++j) {
          const ScheduleInput& inj = in[j];
          const int run_last = std::min(inj.SegmentOf(input_row(j, y - 1)).y_end, inj.in_h) - 1;
          if (!binding[j] && run_last == inj.in_h - 1) continue;
          // (No division for the usual strides: it showed in the profile.)
          const int span = run_last - inj.first;
          const int reach = kStride == 1 ? span : kStride == 2 ? span >> 1 : span / inj.stride;
          last = std::min(last, run_last < inj.first ? y : reach);
        }
        last = std::max(last, y);
        out.Shifted(y, last, shift, prev);
        prev += (last - y + 1) * shift;
        prev2 = prev - shift;
        start0 += (last - y + 1) * shift;
        read_known = false;
        y = last;
        continue;
      }
    }
    prev2 = prev;
    const int k = y == 0 ? 0 : 1;
    double* const row = pool.NewRow(w);
    int bind = 0;  // bit j: input j set the start of some output of row y
    // Inputs that all exist (with a margin) before the previous row ends never bind: the row is
    // the own chain. (Rows are increasing, so an input row's last value bounds what is read of
    // it.) This is what the general case below computes then, to the bit: the clamped bottom
    // rows of a layer, which read the input row the row above read, are all of this kind. Only
    // the periodic path tests for it (there it also tells that no input binds); on narrow maps
    // the test cost more than it saved (~1%).
    const double tol = 1e-9 * (std::abs(prev) + 1.0);
    bool own_chain = kIn == 0;
    bool row_prev_binding = true;  // the end of row y-1 sets the start of row y
    double row_start0 = prev;      // start of output 0 of row y
    if constexpr (kIn > 0) {
      if (kPeriodic && y >= 1) {
        own_chain = true;
        for (int j = 0; j < kIn; ++j) {
          own_chain = own_chain && pool[now[j].base + in[j].in_w - 1] + now[j].off < prev - 2 * tol;
        }
      }
    }
    if (own_chain) {
      const VD pv = Splat(prev);
      for (int x = 0; x < wp; x += kLanes) Store(row + x, pv + Load(crel[k] + x));
    } else if constexpr (kIn > 0) {
      // The input rows from the first column read; u0: the input time of output 0.
      const double* src[kIn];
      double u0 = -std::numeric_limits<double>::infinity();
      for (int j = 0; j < kIn; ++j) src[j] = pool.data() + now[j].base + in[j].first;
      if (direct) {
        for (int j = 0; j < kIn; ++j) u0 = std::max(u0, src[j][0] + now[j].off);
        const double* const ce = cexcl[k];
        bind = ScanRow<kIn, kPeriodic>(
            [&](int j, int x) {
              return (LoadColumns<kStride>(src[j] + kStride * x) + Splat(now[j].off)) -
                     Load(ce + x);
            },
            prev, crel[k], w, tol, row);
      } else {
        for (int j = 0; j < kIn; ++j) {
          LatenessClamped(in[j], src[j], now[j].off, w, cexcl[k], late[j]);
          u0 = std::max(u0, late[j][0]);  // cexcl[k][0] = 0
        }
        bind = ScanRow<kIn, kPeriodic>([&](int j, int x) { return Load(late[j] + x); }, prev,
                                       crel[k], w, tol, row);
      }
      row_prev_binding = prev >= u0 - tol;
      row_start0 = std::max(prev, u0);
    }
    prev = row[w - 1];
    PadRow(row, w);
    // A computed row that is the previous row shifted in time is stored as such: its consumers
    // then see a run and can take their own rows as shifts too.
    double shift = 0;
    if (kPeriodic && y >= 1 && out.ShiftOfPrevious(pool, row, w, &shift)) {
      out.Shifted(y, y, shift, prev);
    } else {
      out.Explicit(y, pool.Keep(w));
    }
    for (int j = 0; j < kIn; ++j) binding[j] = (bind >> j) & 1;
    prev_binding = row_prev_binding;
    start0 = row_start0;
    for (int j = 0; j < kIn; ++j) read[j] = now[j];
    read_known = true;
  }
}

// Maps at most kNarrow outputs wide are computed row by row, without looking for periodic rows:
// there a row is one or two vectors, cheaper to compute than the periodic test, the comparison
// with the row before and the segment bookkeeping that would skip it (and on 8x8 maps few rows
// repeat). b06: ~4% of an estimate; 16 would cost ~5%. The width does not depend on the
// vector width, so AVX2 and AVX-512 builds take the same path and give the same bits.
constexpr int kNarrow = 8;

template <bool kPeriodic>
void ScheduleNarrowOrWide(int h, int w, const ScheduleInput* in, int n_in, double t00, double t0,
                          double tx0, double tx, Scratch* scratch, RowWriter out) {
  if (n_in == 0) {
    ScheduleRowsFast<0, 1, kPeriodic>(h, w, in, t00, t0, tx0, tx, scratch, out);
  } else if (n_in == 1) {
    if (in[0].stride == 1) {
      ScheduleRowsFast<1, 1, kPeriodic>(h, w, in, t00, t0, tx0, tx, scratch, out);
    } else if (in[0].stride == 2) {
      ScheduleRowsFast<1, 2, kPeriodic>(h, w, in, t00, t0, tx0, tx, scratch, out);
    } else {
      ScheduleRowsFast<1, 0, kPeriodic>(h, w, in, t00, t0, tx0, tx, scratch, out);
    }
  } else {
    // Element sums read their inputs output for output (stride 1, 1x1 window).
    ScheduleRowsFast<2, 1, kPeriodic>(h, w, in, t00, t0, tx0, tx, scratch, out);
  }
}

// Schedules a layer: the plain per-output recurrence (compress = false) or the fast path.
void Schedule(int h, int w, const ScheduleInput* in, int n_in, double t00, double t0, double tx0,
              double tx, bool compress, Scratch* scratch, RowWriter out) {
  if (!compress) {
    ScheduleRowsPlain(h, w, in, n_in, t00, t0, tx0, tx, scratch, out);
  } else if (w <= kNarrow) {
    ScheduleNarrowOrWide<false>(h, w, in, n_in, t00, t0, tx0, tx, scratch, out);
  } else {
    ScheduleNarrowOrWide<true>(h, w, in, n_in, t00, t0, tx0, tx, scratch, out);
  }
}

// The engine, with the constants either given at run time (kFixed == nullptr) or fixed at
// compile time (kFixed points to a preset's constexpr table, so every use of them folds).
template <const MnsimConstants* kFixed>
void MapMnsimImpl(const MnsimConstants& given, const std::vector<HwLayer>& layers,
                  std::vector<MnsimMapping>* mapping) {
  const MnsimConstants& c = kFixed != nullptr ? *kFixed : given;
  mapping->assign(layers.size(), MnsimMapping{});
  long long total_placed = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const HwLayer& l = layers[i];
    MnsimMapping& m = (*mapping)[i];
    if (l.kind == HwKind::kConv || l.kind == HwKind::kFc) {
      const int mx = c.weight_slices * CeilDiv(l.cout, c.xbar_cols);
      int my = 0;
      if (l.kind == HwKind::kConv) {
        // Whole input channels per crossbar: rows = (channels that fit) * K * K.
        const int per = c.xbar_rows / (l.kernel * l.kernel);
        if (per == 0) {
          throw std::invalid_argument("imc: a " + std::to_string(l.kernel) + "x" +
                                      std::to_string(l.kernel) + " kernel does not fit " +
                                      std::to_string(c.xbar_rows) + " crossbar rows");
        }
        my = CeilDiv(l.cin, per);
        m.rows = std::min(per, l.cin) * l.kernel * l.kernel;
      } else {
        my = CeilDiv(l.cin, c.xbar_rows);
        m.rows = std::min(l.cin, c.xbar_rows);
      }
      m.cols = std::min(l.cout, c.xbar_cols);
      m.pes = mx * my;
      m.tiles = CeilDiv(m.pes, c.pes_per_tile);
      m.placed_tiles = m.tiles;
      m.max_pe = std::min(m.pes, c.pes_per_tile);
    } else if (IsPool(l.kind)) {
      // MNSIM departure (reproduced by the mnsim2 presets): a pooling layer occupies a whole tile
      // of its own although every tile has a pooling unit.
      m.pes = 1;
      m.placed_tiles = 1;
      m.tiles = c.pooling_takes_tile ? 1 : 0;
      m.max_pe = 1;
    }
    total_placed += m.placed_tiles;
  }
  if (total_placed > static_cast<long long>(c.tile_rows) * c.tile_cols) {
    throw std::invalid_argument("imc: the network needs " + std::to_string(total_placed) +
                                " tiles but the chip has " + std::to_string(c.tile_rows) + "x" +
                                std::to_string(c.tile_cols));
  }
}

// With kRecords, the result has the layer records; else only the totals (each layer's figures
// are built without names in reused per-thread records, scratch.costs, and added to the totals
// in the same order: same bits).
template <const MnsimConstants* kFixed, bool kRecords>
std::conditional_t<kRecords, NetworkCost, NetworkTotals> EstimateMnsimImpl(
    const MnsimConstants& given, const arch::Graph& graph, bool compress) {
  const MnsimConstants& c = kFixed != nullptr ? *kFixed : given;
  Scratch& scratch = GetScratch();
  std::vector<HwLayer>& layers = scratch.layers;
  // MNSIM departure: its latency model assumes layer 0 is a conv fed by the network input, so a
  // network input read by several layers goes through a dummy 1x1 pool (as in the reference).
  BuildLayerList(graph, /*dummy_input_pool=*/true, &layers);
  std::vector<MnsimMapping>& map = scratch.map;
  MapMnsimImpl<kFixed>(c, layers, &map);
  const int n = static_cast<int>(layers.size());

  // --- Tile placement and distances (MNSIM's TCG with the spiral order). ---
  std::vector<int>& start = scratch.start;
  start.assign(n + 1, 0);
  for (int i = 0; i < n; ++i) start[i + 1] = start[i] + map[i].placed_tiles;
  const TilePosition* pos = c.placement.data();
  // The aggregation tile of a layer minimises (max distance inside the layer + max distance to
  // the consumers' tiles, or to the accumulator for branch outputs). MNSIM scans the layer's
  // tiles in row-major order and keeps the first best, so among equally good tiles the smallest
  // (row, col) wins: the search is a minimum of the integer key
  //   2 * (distance sum) * kPosKeys + row * kMaxChipSide + col
  // (doubled so that the accumulator's distance |row - tile_rows / 2| + col is an integer).
  constexpr int kPosKeys = kMaxChipSide * kMaxChipSide;
  auto pos_key = [](TilePosition p) { return p.row * kMaxChipSide + p.col; };
  auto is_sum = [&](int i) { return layers[i].kind == HwKind::kAdd; };
  const double accumulator_row = c.tile_rows / 2.0;  // global accumulator: middle of left edge
  auto to_accumulator = [&](TilePosition p) { return std::abs(p.row - accumulator_row) + p.col; };
  // Each layer's tile extent and its first tile in row-major order, in one pass over the tiles.
  // Each layer's tile extent, in O(1) from the spiral's geometry (SpiralRunExtent). The rings
  // of the layers' first and last tiles are tracked upwards (the tiles are in increasing order).
  std::vector<Extent>& extent = scratch.extent;
  extent.resize(n);
  int ring = 0;
  auto ring_of = [&ring](int tile) {
    while ((ring + 1) * (ring + 1) <= tile) ++ring;
    return ring;
  };
  for (int i = 0; i < n; ++i) {
    Extent& e = extent[i];
    e = Extent{};
    if (start[i + 1] == start[i]) continue;
    const int k_first = ring_of(start[i]), k_last = ring_of(start[i + 1] - 1);
    const TileRunExtent r = SpiralRunExtent(start[i], start[i + 1], k_first, k_last);
    e.max_sum = r.max_sum;
    e.min_sum = r.min_sum;
    e.max_diff = r.max_diff;
    e.min_diff = r.min_diff;
    e.empty = false;
  }
  // A layer's first tile in row-major order (needed for the consumers of element sums).
  auto first_key = [&](int i) {
    int first = kPosKeys;
    for (int t = start[i]; t < start[i + 1]; ++t) first = std::min(first, pos_key(pos[t]));
    return first;
  };
  std::vector<Distances>& dist = scratch.dist;
  dist.assign(n, Distances{});
  for (int i = 0; i < n; ++i) {
    const HwLayer& l = layers[i];
    Distances& d = dist[i];
    const Extent own = extent[i];
    if (is_sum(i)) {
      for (int k = 0; k < l.n_outputs; ++k) {
        const int o = l.outputs[k];
        if (start[o + 1] > start[o]) {
          const int first = first_key(o);  // the consumer's first tile in row-major order
          const TilePosition p{static_cast<std::uint8_t>(first / kMaxChipSide),
                               static_cast<std::uint8_t>(first % kMaxChipSide)};
          d.trans_layer = std::max(d.trans_layer, to_accumulator(p));
        }
      }
      if (i < n - 1) continue;
    }
    if (start[i + 1] == start[i]) continue;
    const bool last = i == n - 1;
    bool branch_out = l.n_outputs > 0;
    for (int k = 0; k < l.n_outputs; ++k) branch_out = branch_out && is_sum(l.outputs[k]);
    Extent consumers;
    for (int k = 0; k < l.n_outputs; ++k) consumers.Merge(extent[l.outputs[k]]);
    // Twice the distance to the consumers, by tile: to the accumulator, to the consumers'
    // extent, or nothing for the last layer.
    const int acc2 = c.tile_rows;  // 2 * accumulator_row
    int best = 1 << 30;
    auto search = [&](auto out2_of) {  // one branch-free loop per kind of consumer distance
      for (int a = start[i]; a < start[i + 1]; ++a) {
        const TilePosition p = pos[a];
        best = std::min(best, (2 * own.FarthestNonEmpty(p) + out2_of(p)) * kPosKeys + pos_key(p));
      }
    };
    if (last || (!branch_out && consumers.empty)) {
      search([](TilePosition) { return 0; });
    } else if (branch_out) {
      search([&](TilePosition p) { return std::abs(2 * p.row - acc2) + 2 * p.col; });
    } else {
      search([&](TilePosition p) { return 2 * consumers.FarthestNonEmpty(p); });
    }
    const TilePosition at{static_cast<std::uint8_t>(best % kPosKeys / kMaxChipSide),
                          static_cast<std::uint8_t>(best % kMaxChipSide)};
    d.in_layer = own.Farthest(at);
    if (!last) d.trans_layer = branch_out ? to_accumulator(at) : consumers.Farthest(at);
  }

  // --- Per-pixel pipelined schedule and costs. ---
  const Buffer buf{c.buffer_width_bits, c.buffer_access_ns};
  const double act = c.activation_bits;
  const int total_level = CeilLog2(c.pes_per_tile);
  // Finish times: per layer its rows (RowRef) into a shared value pool.
  std::vector<int>& row_start = scratch.row_start;
  row_start.assign(n + 1, 0);
  for (int i = 0; i < n; ++i) {
    row_start[i + 1] = row_start[i] + (layers[i].kind == HwKind::kFc ? 1 : layers[i].hout);
  }
  // A layer writes at most one segment per row: with this capacity, pointers into `segs` held
  // by ScheduleInput stay valid. Every row is mapped by its layer's schedule before it is read.
  if (static_cast<int>(scratch.segs.size()) < row_start[n]) scratch.segs.resize(row_start[n]);
  SegmentList segs{scratch.segs.data(), 0};
  std::vector<int>& seg_of_row = scratch.seg_of_row;
  if (static_cast<int>(seg_of_row.size()) < row_start[n]) seg_of_row.resize(row_start[n]);
  // The value pool grows as rows are stored (NewRow); no pointer into it is kept across one.
  ValuePool& pool = scratch.pool;
  pool.size = 0;
  auto input_of = [&](int layer_in, int anchor, int stride) {
    ScheduleInput in;
    in.segs = segs.data;
    in.seg_of_row = seg_of_row.data() + row_start[layer_in];
    in.first = anchor > 0 ? anchor - 1 : 0;
    in.stride = stride;
    in.in_h = layers[layer_in].hout;
    in.in_w = layers[layer_in].wout;
    return in;
  };
  // The finish of each layer's last output, kept once the layer is scheduled.
  std::vector<double>& finish = scratch.finish;
  finish.resize(n);
  auto last_finish = [&](int layer) { return layer < 0 ? 0.0 : finish[layer]; };
  auto last_output = [&](int layer) {
    const RowRef r = input_of(layer, 0, 1).At(row_start[layer + 1] - row_start[layer] - 1);
    const int w = layers[layer].kind == HwKind::kFc ? 1 : layers[layer].wout;
    return pool[r.base + w - 1] + r.off;
  };

  std::conditional_t<kRecords, NetworkCost, NetworkTotals> net;
  // Without records, the layer figures go to reused memory, unnamed: the same arithmetic, the
  // same bits.
  LayerCost* costs;
  if constexpr (kRecords) {
    net.layers.resize(n);
    costs = net.layers.data();
  } else {
    if (static_cast<int>(scratch.costs.size()) < n) scratch.costs.resize(n);
    costs = scratch.costs.data();
  }
  double global_adders = 0;
  bool any_sum = false;

  for (int i = 0; i < n; ++i) {
    const HwLayer& l = layers[i];
    const MnsimMapping& m = map[i];
    LayerCost& lc = costs[i];
    if constexpr (!kRecords) {
      // Reused memory: clear the fields the totals read that not every kind of layer sets
      // (cheaper than a new LayerCost with its two strings; TotalsOnlyEqualTheFullEstimate would
      // see a stale one). The mapping fields only the records show may stay stale here.
      lc.latency_breakdown_ns = {};
      lc.energy_breakdown_pj = {};
      lc.area_breakdown_um2 = {};
      lc.crossbars = 0;
    }
    if constexpr (kRecords) {
      lc.name = l.op >= 0 ? graph.ops[l.op].name : "input.dummy_pool";
      lc.kind = KindName(l.kind);
    }
    lc.in = {l.hin, l.win, l.cin};  // an fc's input flattened to 1 x 1 x n, as MNSIM maps it
    lc.out = {l.hout, l.wout, l.cout};
    lc.kernel = l.kernel;
    lc.stride = l.stride;
    lc.pes = m.pes;
    lc.tiles = m.tiles;
    const RowWriter rout{&segs, seg_of_row.data() + row_start[i]};
    const int pixels = l.kind == HwKind::kFc ? 1 : l.hout * l.wout;
    const bool from_input = l.n_inputs == 1 && l.inputs[0] < 0;
    auto& lat = lc.latency_breakdown_ns;
    auto& en = lc.energy_breakdown_pj;  // accumulated in nJ, converted at the end
    double busy = 0;

    if (l.kind == HwKind::kConv || l.kind == HwKind::kFc) {
      lc.weight_rows =
          static_cast<long long>(l.cin) * (l.kind == HwKind::kConv ? l.kernel * l.kernel : 1);
      lc.weight_cols = l.cout;
      lc.crossbars = m.pes * c.polarity;
      lc.utilisation = static_cast<double>(lc.weight_rows) * l.cout * c.weight_slices /
                       (static_cast<double>(m.tiles) * c.pes_per_tile * c.xbar_rows * c.xbar_cols);
      const int rg = CeilDiv(m.rows, c.dacs_per_pe);
      const int cg = CeilDiv(m.cols, c.adcs_per_pe);
      const int mt = c.input_cycles * rg * cg;  // crossbar activations per output
      const double compute = mt * (c.dac_ns + c.adc_ns + c.xbar_read_ns);
      const int merge_level = CeilLog2(m.max_pe);
      const double digital = rg * cg * c.digital_period_ns         // input register write
                             + mt * c.digital_period_ns            // input register read
                             + mt * c.digital_period_ns            // shift-and-add
                             + mt * (c.decoder_ns + c.mux_ns)      // input demux, output mux
                             + cg * c.digital_period_ns            // output register
                             + merge_level * c.digital_period_ns;  // joint module (adder tree)
      const double intra =
          (total_level * (c.adc_bits + merge_level) - merge_level * (merge_level + 1) / 2.0) *
          m.cols / c.intra_tile_bits_per_ns;
      const double tile_write =
          buf.Ns((c.adc_bits + merge_level) * static_cast<double>(m.cols) * m.max_pe);
      const double tile_read = buf.Ns(static_cast<double>(m.cols) * act * m.max_pe);
      const double merge = tile_read + dist[i].in_layer * (c.digital_period_ns +
                                                           m.cols * static_cast<double>(m.max_pe) *
                                                               act / c.inter_tile_bits_per_ns);
      const double transfer = dist[i].trans_layer * l.cout * act / c.inter_tile_bits_per_ns;
      const double fixed = compute + digital + intra + tile_write + merge + transfer;
      double pe_read = 0, pe_write = 0;

      if (l.kind == HwKind::kFc) {
        const double bits = m.rows * act;
        pe_write = buf.Ns(bits);
        pe_read = buf.Ns(bits);
        double begin = 0;
        for (int k = 0; k < l.n_inputs; ++k) begin = std::max(begin, last_finish(l.inputs[k]));
        double* const row = pool.NewRow(1);
        row[0] = begin + pe_write + pe_read + fixed;
        PadRow(row, 1);
        rout.Explicit(0, pool.Keep(1));
        busy = row[0] - begin;
      } else {
        const int k = l.kernel, s = l.stride, pad = l.padding;
        const double unit = static_cast<double>(m.rows) / (k * k) * act;  // one position, all
        const double kp = std::max(k - pad, 0);                           // channels of a PE
        // Line-buffer traffic per output in MNSIM's mode 1 (fill kernel by kernel).
        const double w00 = buf.Ns(unit * kp * kp), r_full = buf.Ns(m.rows * act);
        const double wrow = buf.Ns(unit * s * kp);
        const double wtop = buf.Ns(unit * s * k), wmid = buf.Ns(unit * s * s);
        const double rmid = buf.Ns(unit * s * k);
        const int anchor = k > 1 ? std::max(k - pad, 1) : 0;
        ScheduleInput in;
        if (!from_input) in = input_of(l.inputs[0], anchor, s);
        Schedule(l.hout, l.wout, &in, from_input ? 0 : 1, w00 + r_full + fixed,
                     wrow + r_full + fixed, wtop + rmid + fixed, wmid + rmid + fixed, compress,
                     &scratch, rout);
        const double rows_after = l.hout - 1, cols_after = l.wout - 1;
        pe_write = w00 + rows_after * wrow + cols_after * wtop + rows_after * cols_after * wmid;
        pe_read = l.hout * (r_full + cols_after * rmid);
        busy = pe_write + pe_read + fixed * pixels;
      }
      // MNSIM departure (reproduced): the tile output-buffer read appears both here and in the
      // merge time below, as MNSIM reports it.
      lat[kLp(LatencyPart::kBuffer)] = pe_write + pe_read + (tile_write + tile_read) * pixels;
      lat[kLp(LatencyPart::kCompute)] = compute * pixels;
      lat[kLp(LatencyPart::kDigital)] = digital * pixels;
      lat[kLp(LatencyPart::kIntraTile)] = intra * pixels;
      lat[kLp(LatencyPart::kInterTile)] = (merge + transfer) * pixels;

      // Energy (nJ): component power x the time it is active, as MNSIM computes it.
      // MNSIM departure (reproduced): every converter of every PE of the layer is charged for the
      // whole activation time, including the row and column rounds it sits idle in.
      const double adc_count = m.pes * static_cast<double>(CeilDiv(m.cols, c.cols_per_adc));
      const double dac_count = m.pes * static_cast<double>(CeilDiv(m.rows, c.rows_per_dac));
      const double cycles = static_cast<double>(mt) * pixels;
      en[kEp(EnergyPart::kAdc)] =
          adc_count * c.adc_power_w * cycles * c.adc_ns * c.adc_energy_time_factor;
      en[kEp(EnergyPart::kDac)] = dac_count * c.dac_power_w * cycles * c.dac_ns;
      en[kEp(EnergyPart::kCrossbar)] = m.pes * static_cast<double>(m.rows) * m.cols *
                                       c.cell_read_power_w * cycles * c.xbar_read_ns;
      // MNSIM charges the buffer power of every PE input buffer and tile output buffer of the
      // layer for the whole buffer busy time.
      const double buffers = m.pes + m.tiles;
      en[kEp(EnergyPart::kBufferRead)] = c.buffer_read_w * buffers * (pe_read + tile_read * pixels);
      en[kEp(EnergyPart::kBufferWrite)] =
          c.buffer_write_w * buffers * (pe_write + tile_write * pixels);
      en[kEp(EnergyPart::kDigital)] = c.joint_nj * m.pes * m.cols * pixels +
                                      c.shiftreg_nj * m.pes * m.cols * cycles +
                                      c.input_path_nj * m.pes * m.rows * cycles;
    } else if (l.kind == HwKind::kDummyPool) {
      // Forwards the input: only the transfer to its consumers (no energy).
      const double transfer = dist[i].trans_layer * l.cout * act / c.inter_tile_bits_per_ns;
      Schedule(l.hout, l.wout, nullptr, 0, transfer, transfer, transfer, transfer, compress,
                   &scratch, rout);
      lat[kLp(LatencyPart::kInterTile)] = transfer * pixels;
      busy = transfer * pixels;
    } else if (IsPool(l.kind)) {
      const int k = l.kernel, s = l.stride;
      const double ch = l.cin * act;
      const double out_write = buf.Ns(l.cin * act), out_read = out_write;
      const double op_ns =
          CeilDiv(l.cin, c.pooling_lanes) * CeilDiv(k * k, c.pooling_window) * c.pooling_op_ns;
      const double merge = out_read;
      const double transfer = dist[i].trans_layer * l.cout * act / c.inter_tile_bits_per_ns;
      const double fixed = op_ns + out_write + out_read + merge + transfer;
      const double w00 = buf.Ns(ch * k * k), wrow = buf.Ns(ch * s * k), wmid = buf.Ns(ch * s * s);
      const double r_full = buf.Ns(ch * k * k), rmid = buf.Ns(ch * s * k);
      ScheduleInput in;
      const bool pool_from_input = l.inputs[0] < 0;
      if (!pool_from_input) in = input_of(l.inputs[0], std::max(k, 1), s);
      Schedule(l.hout, l.wout, &in, pool_from_input ? 0 : 1, w00 + r_full + fixed,
                   wrow + r_full + fixed, wmid + rmid + fixed, wmid + rmid + fixed, compress,
                   &scratch, rout);
      const double rows_after = l.hout - 1, cols_after = l.wout - 1;
      const double pe_write =
          w00 + rows_after * wrow + (cols_after + rows_after * cols_after) * wmid;
      const double pe_read = l.hout * (r_full + cols_after * rmid);
      busy = pe_write + pe_read + fixed * pixels;
      lat[kLp(LatencyPart::kBuffer)] = pe_write + pe_read + (out_write + out_read) * pixels;
      lat[kLp(LatencyPart::kPooling)] = op_ns * pixels;
      lat[kLp(LatencyPart::kInterTile)] = (merge + transfer) * pixels;
      en[kEp(EnergyPart::kBufferRead)] = c.buffer_read_w * (pe_read + out_read * pixels);
      en[kEp(EnergyPart::kBufferWrite)] = c.buffer_write_w * (pe_write + out_write * pixels);
      en[kEp(EnergyPart::kPooling)] = c.pooling_power_w * op_ns * pixels;
    } else {  // element-wise sum in the global accumulator
      any_sum = true;
      global_adders += l.cout;
      const double transfer = dist[i].trans_layer * l.cout * act / c.inter_tile_bits_per_ns;
      const double access = buf.Ns(l.n_inputs * act * l.cout);
      const double step = c.element_sum_ns + transfer + 2 * access;
      ScheduleInput ins[kMaxInputs];
      int n_in = 0;
      for (int k = 0; k < l.n_inputs; ++k) {
        if (l.inputs[k] >= 0) {
          ins[n_in] = input_of(l.inputs[k], 0, 1);
          ++n_in;
        }
      }
      Schedule(l.hout, l.wout, ins, n_in, step, step, step, step, compress, &scratch, rout);
      busy = step * pixels;
      lat[kLp(LatencyPart::kBuffer)] = 2 * access * pixels;
      lat[kLp(LatencyPart::kDigital)] = c.element_sum_ns * pixels;
      lat[kLp(LatencyPart::kInterTile)] = transfer * pixels;
    }

    double input_finish = 0;
    for (int k = 0; k < l.n_inputs; ++k)
      input_finish = std::max(input_finish, last_finish(l.inputs[k]));
    finish[i] = last_output(i);
    lc.finish_ns = finish[i];
    lc.latency_ns = lc.finish_ns - input_finish;
    lc.busy_ns = busy;
  }

  // Energy in pJ, area and the totals, in a pass of their own: each layer's energy is a chain of
  // ten dependent fused multiply-adds (their order fixes the rounding), which overlap here
  // across layers instead of holding up the next layer's schedule (~3% of an estimate).
  for (int i = 0; i < n; ++i) {
    const MnsimMapping& m = map[i];
    LayerCost& lc = costs[i];
    auto& en = lc.energy_breakdown_pj;  // in nJ until here
    double e = 0;
    for (double& part : en) {
      e = std::fma(part, 1000.0, e);
      part *= 1000.0;  // nJ -> pJ
    }
    lc.energy_pj = e;
    // MNSIM departure (reproduced): every tile a layer touches is charged in full.
    auto& ar = lc.area_breakdown_um2;
    ar[kAp(AreaPart::kCrossbar)] = m.tiles * c.tile_crossbar_area;
    ar[kAp(AreaPart::kAdc)] = m.tiles * c.tile_adc_area;
    ar[kAp(AreaPart::kDac)] = m.tiles * c.tile_dac_area;
    ar[kAp(AreaPart::kDigital)] = m.tiles * c.tile_digital_area;
    ar[kAp(AreaPart::kBuffer)] = m.tiles * c.tile_buffer_area;
    ar[kAp(AreaPart::kPooling)] = m.tiles * c.tile_pooling_area;
    double a = 0;
    for (double part : ar) a += part;
    lc.area_um2 = a;

    // --- Totals, layer by layer. ---
    net.latency_ns = std::max(net.latency_ns, lc.finish_ns);
    net.sequential_latency_ns += lc.busy_ns;
    net.energy_pj += lc.energy_pj;
    net.area_um2 += lc.area_um2;
    net.tiles += lc.tiles;
    net.crossbars += lc.crossbars;
    for (int k = 0; k < kLatencyParts; ++k)
      net.latency_breakdown_ns[k] += lc.latency_breakdown_ns[k];
    for (int k = 0; k < kEnergyParts; ++k) net.energy_breakdown_pj[k] += lc.energy_breakdown_pj[k];
    for (int k = 0; k < kAreaParts; ++k) net.area_breakdown_um2[k] += lc.area_breakdown_um2[k];
  }
  if (any_sum) {
    net.global_accumulator_energy_pj = global_adders * c.global_adder_nj * 1000.0;
    net.global_accumulator_area_um2 = c.global_acc_base_area + global_adders * c.global_adder_area;
  }
  // MNSIM departure (reproduced by the mnsim2 presets): the element-sum accumulator is left out
  // of the energy and area totals.
  if (!c.omit_global_accumulator) {
    net.energy_pj += net.global_accumulator_energy_pj;
    net.area_um2 += net.global_accumulator_area_um2;
    net.energy_breakdown_pj[kEp(EnergyPart::kGlobalAccumulator)] = net.global_accumulator_energy_pj;
    net.area_breakdown_um2[kAp(AreaPart::kGlobalAccumulator)] = net.global_accumulator_area_um2;
  }
  return net;
}

}  // namespace

// Ring k of the spiral holds the tiles k^2 .. (k+1)^2 - 1; at offset j in its ring a tile has
// row + col = 2k - |j - k| (rising to the ring's corner, then falling) and row - col = j - k on
// odd rings, k - j on even ones (monotone). So the extremes of a run of tiles are among its two
// ends, the ends and corner of its first ring, and the ends and corners of its last two rings
// (the rings between lie inside those); all but the run's ends count where the run holds them.
TileRunExtent SpiralRunExtent(int first, int end, int k_first, int k_last) {
  TileRunExtent x{-(1 << 20), 1 << 20, -(1 << 20), 1 << 20};
  auto add = [&](int t, int k) {
    const int j = t - k * k;
    const int sum = 2 * k - std::abs(j - k), diff = k % 2 == 1 ? j - k : k - j;
    x.max_sum = std::max(x.max_sum, sum);
    x.min_sum = std::min(x.min_sum, sum);
    x.max_diff = std::max(x.max_diff, diff);
    x.min_diff = std::min(x.min_diff, diff);
  };
  const int last = end - 1;
  add(first, k_first);
  add(last, k_last);
  // The first ring's corner and end, where the run holds them (its start only if it starts
  // the run: counted above).
  const int corner_first = k_first * k_first + k_first, end_first = (k_first + 1) * (k_first + 1) - 1;
  if (corner_first >= first && corner_first <= last) add(corner_first, k_first);
  if (end_first <= last) add(end_first, k_first);
  if (k_last > k_first) {
    // The last ring's start and corner (its end only if it ends the run: counted above).
    add(k_last * k_last, k_last);
    if (k_last * k_last + k_last <= last) add(k_last * k_last + k_last, k_last);
    // The ring before it, whole unless it is the first ring.
    const int k = k_last - 1;
    if (k > k_first) {
      add(k * k, k);
      add(k * k + k, k);
      add((k + 1) * (k + 1) - 1, k);
    }
  }
  return x;
}

int SpiralRing(int tile) {
  int k = static_cast<int>(std::sqrt(static_cast<double>(tile)));
  while (k * k > tile) --k;
  while ((k + 1) * (k + 1) <= tile) ++k;
  return k;
}

TileRunExtent SpiralRunExtent(int first, int end) {
  return SpiralRunExtent(first, end, SpiralRing(first), SpiralRing(end - 1));
}

void MapMnsim(const MnsimConstants& c, const std::vector<HwLayer>& layers,
              std::vector<MnsimMapping>* mapping) {
  MapMnsimImpl<nullptr>(c, layers, mapping);
}

NetworkCost EstimateMnsim(const MnsimConstants& c, const arch::Graph& graph, bool compress) {
  return EstimateMnsimImpl<nullptr, true>(c, graph, compress);
}

template <class Preset>
NetworkCost EstimateMnsimFor(const arch::Graph& graph) {
  constexpr const MnsimConstants* kTable = &MnsimTables<Preset>::kConstants;
  return EstimateMnsimImpl<kTable, true>(*kTable, graph, /*compress=*/true);
}

template <class Preset>
NetworkTotals EstimateMnsimTotalsFor(const arch::Graph& graph) {
  constexpr const MnsimConstants* kTable = &MnsimTables<Preset>::kConstants;
  return EstimateMnsimImpl<kTable, false>(*kTable, graph, /*compress=*/true);
}

template NetworkCost EstimateMnsimFor<Mnsim2>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2_2024a>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Xbar64>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Xbar128>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Xbar512>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Adc1>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Adc2>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Adc4>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Adc7>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Dac2>(const arch::Graph&);
template NetworkCost EstimateMnsimFor<Mnsim2Physical>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2_2024a>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Xbar64>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Xbar128>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Xbar512>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Adc1>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Adc2>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Adc4>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Adc7>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Dac2>(const arch::Graph&);
template NetworkTotals EstimateMnsimTotalsFor<Mnsim2Physical>(const arch::Graph&);

}  // namespace imcnas::imc::internal
