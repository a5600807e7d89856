// Checks of a JSON text's shape made before it is parsed into a tree: nesting depth (code that
// walks or prints a tree recurses) and repeated keys (nlohmann keeps the last one silently).
// One linear SAX pass; syntax errors are left to the real parse, which reports them better.
#ifndef IMCNAS_ARCH_JSON_LIMITS_H_
#define IMCNAS_ARCH_JSON_LIMITS_H_

#include <string>
#include <string_view>

namespace imcnas::arch {

// "" if `text` nests at most `max_depth` arrays/objects deep and, when
// `reject_duplicate_keys`, repeats no key within an object; otherwise what is wrong.
std::string JsonShapeProblem(std::string_view text, int max_depth, bool reject_duplicate_keys);

}  // namespace imcnas::arch

#endif  // IMCNAS_ARCH_JSON_LIMITS_H_
