#include "datasets/split.h"

#include <algorithm>
#include <string>
#include <utility>

#include "datasets/dataset.h"
#include "datasets/random.h"

namespace imcnas::datasets {

Split StratifiedSplit(const std::vector<std::int32_t>& labels, int classes,
                      std::size_t validation_size, std::uint64_t seed) {
  if (classes < 1) throw DatasetError("StratifiedSplit: classes must be >= 1");
  const std::size_t n = labels.size();
  if (validation_size > n) {
    throw DatasetError("StratifiedSplit: validation size " + std::to_string(validation_size) +
                       " exceeds the " + std::to_string(n) + " training images");
  }
  std::vector<std::vector<std::int32_t>> members(static_cast<std::size_t>(classes));
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= classes) {
      throw DatasetError("StratifiedSplit: label " + std::to_string(labels[i]) + " of image " +
                         std::to_string(i) + " is out of range [0, " + std::to_string(classes) +
                         ")");
    }
    members[static_cast<std::size_t>(labels[i])].push_back(static_cast<std::int32_t>(i));
  }

  // Quotas proportional to class sizes: floors, then the leftover to the largest remainders
  // (ties to the lower class). A class with r > 0 has floor < its size, so it can take one more.
  std::vector<std::size_t> quota(members.size());
  std::vector<std::pair<unsigned __int128, std::size_t>> remainders;
  std::size_t assigned = 0;
  for (std::size_t c = 0; c < members.size(); ++c) {
    const unsigned __int128 scaled =
        static_cast<unsigned __int128>(validation_size) * members[c].size();
    quota[c] = n == 0 ? 0 : static_cast<std::size_t>(scaled / n);
    assigned += quota[c];
    if (n != 0) remainders.push_back({scaled % n, c});
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t k = 0; assigned < validation_size; ++k) {
    ++quota[remainders[k].second];
    ++assigned;
  }

  // Per class, a partial Fisher-Yates shuffle driven by a counter-based generator picks the
  // validation members; everything depends only on (seed, class, step).
  std::vector<char> in_validation(n, 0);
  for (std::size_t c = 0; c < members.size(); ++c) {
    std::vector<std::int32_t>& m = members[c];
    for (std::size_t k = 0; k < quota[c]; ++k) {
      const std::size_t j = k + Below(CounterRandom(seed, 0x5b17, c, k), m.size() - k);
      std::swap(m[k], m[j]);
      in_validation[static_cast<std::size_t>(m[k])] = 1;
    }
  }
  Split split;
  split.validation.reserve(validation_size);
  split.train.reserve(n - validation_size);
  for (std::size_t i = 0; i < n; ++i) {
    (in_validation[i] ? split.validation : split.train).push_back(static_cast<std::int32_t>(i));
  }
  return split;
}

}  // namespace imcnas::datasets
