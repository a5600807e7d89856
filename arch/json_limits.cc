#include "arch/json_limits.h"

#include <set>
#include <vector>

#include <nlohmann/json.hpp>

namespace imcnas::arch {
namespace {

using nlohmann::json;

// A SAX handler that builds nothing: a parse with a DOM callback instead would rescan each
// container whenever an object inside it closes (quadratic in the number of objects).
class ShapeChecker {
 public:
  ShapeChecker(int max_depth, bool reject_duplicate_keys)
      : max_depth_(max_depth), reject_duplicates_(reject_duplicate_keys) {}
  const std::string& problem() const { return problem_; }

  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const json::string_t&) { return true; }
  bool string(json::string_t&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) {
    keys_.emplace_back();
    return Enter();
  }
  bool key(json::string_t& key) {
    if (reject_duplicates_ && !keys_.back().insert(key).second) {
      problem_ = "duplicate key \"" + key + "\"";
      return false;
    }
    return true;
  }
  bool end_object() {
    keys_.pop_back();
    --depth_;
    return true;
  }
  bool start_array(std::size_t) { return Enter(); }
  bool end_array() {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;  // the real parse reports it
  }

 private:
  bool Enter() {
    if (++depth_ > max_depth_) {
      problem_ = "JSON nested deeper than " + std::to_string(max_depth_) + " levels";
      return false;
    }
    return true;
  }

  int max_depth_;
  bool reject_duplicates_;
  int depth_ = 0;
  std::vector<std::set<std::string>> keys_;
  std::string problem_;
};

}  // namespace

std::string JsonShapeProblem(std::string_view text, int max_depth, bool reject_duplicate_keys) {
  ShapeChecker checker(max_depth, reject_duplicate_keys);
  json::sax_parse(text.begin(), text.end(), &checker, json::input_format_t::json,
                  /*strict=*/true);
  return checker.problem();
}

}  // namespace imcnas::arch
