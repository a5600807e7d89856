// Reader for the reference tables in testdata/imc/ (comma-separated, header line, no quoting):
// used by the fidelity tests and the compare tool, not by the cost models.
#ifndef IMCNAS_IMC_REFERENCE_CSV_H_
#define IMCNAS_IMC_REFERENCE_CSV_H_

#include <map>
#include <string>
#include <vector>

namespace imcnas::imc {

struct ReferenceRow {
  std::map<std::string, std::string> cells;
  const std::string& Text(const std::string& column) const;  // throws if the column is absent
  double Number(const std::string& column) const;            // empty cell -> 0
};

// Reads a whole file; throws std::runtime_error naming the file on failure.
std::vector<ReferenceRow> ReadReferenceCsv(const std::string& path);

// The preset modelling a configuration of the reference tables ("default" -> "mnsim2",
// "cfg2024a" -> "mnsim2_2024a", "xbar64" -> "mnsim2_xbar64", ..., NeuroSim "B" -> "neurosim14").
std::string PresetForConfig(const std::string& simulator, const std::string& config);

}  // namespace imcnas::imc

#endif  // IMCNAS_IMC_REFERENCE_CSV_H_
