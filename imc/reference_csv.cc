#include "imc/reference_csv.h"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace imcnas::imc {
namespace {

std::vector<std::string> Split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

const std::string& ReferenceRow::Text(const std::string& column) const {
  const auto it = cells.find(column);
  if (it == cells.end()) throw std::runtime_error("reference table has no column " + column);
  return it->second;
}

double ReferenceRow::Number(const std::string& column) const {
  const std::string& t = Text(column);
  return t.empty() ? 0.0 : std::stod(t);
}

std::vector<ReferenceRow> ReadReferenceCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open reference table " + path);
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error("empty reference table " + path);
  const std::vector<std::string> header = Split(line);
  std::vector<ReferenceRow> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = Split(line);
    if (cells.size() != header.size()) {
      throw std::runtime_error(path + ": a row has " + std::to_string(cells.size()) +
                               " cells, the header " + std::to_string(header.size()));
    }
    ReferenceRow row;
    for (size_t i = 0; i < header.size(); ++i) row.cells[header[i]] = cells[i];
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PresetForConfig(const std::string& simulator, const std::string& config) {
  if (simulator == "neurosim14") return config == "B" ? "neurosim14" : "";
  if (config == "default") return "mnsim2";
  if (config == "cfg2024a") return "mnsim2_2024a";
  return "mnsim2_" + config;
}

}  // namespace imcnas::imc
