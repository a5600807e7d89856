// Runs the real search binaries on a small MNIST-format data set that the test writes, and
// checks what users rely on: every objective family completes and writes its files; the record
// is byte-identical across runs and thread counts; --verify confirms it and catches tampering;
// a run killed with SIGKILL and resumed ends with exactly the uninterrupted record; bad flags
// and missing data fail with a clear message.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace {

namespace fs = std::filesystem;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteBigEndian(std::ofstream& out, std::uint32_t v) {
  const unsigned char bytes[4] = {static_cast<unsigned char>(v >> 24),
                                  static_cast<unsigned char>(v >> 16),
                                  static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  out.write(reinterpret_cast<const char*>(bytes), 4);
}

// An MNIST-format set where class k is a bright horizontal bar at rows 2k..2k+3 plus noise:
// easy to learn, so accuracies are meaningful, and tiny.
void WriteIdxSet(const std::string& dir, const std::string& prefix, int count, std::uint32_t seed) {
  std::ofstream images(dir + "/" + prefix + "-images-idx3-ubyte", std::ios::binary);
  std::ofstream labels(dir + "/" + prefix + "-labels-idx1-ubyte", std::ios::binary);
  WriteBigEndian(images, 0x00000803);
  WriteBigEndian(images, count);
  WriteBigEndian(images, 28);
  WriteBigEndian(images, 28);
  WriteBigEndian(labels, 0x00000801);
  WriteBigEndian(labels, count);
  std::uint32_t state = seed;
  auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return state >> 24;
  };
  for (int i = 0; i < count; ++i) {
    const int label = i % 10;
    labels.put(static_cast<char>(label));
    for (int r = 0; r < 28; ++r) {
      for (int c = 0; c < 28; ++c) {
        int v = static_cast<int>(next() % 60);
        if (r >= 2 * label + 4 && r < 2 * label + 8 && c >= 4 && c < 24) v += 180;
        images.put(static_cast<char>(v > 255 ? 255 : v));
      }
    }
  }
}

std::string DataDir() {
  static const std::string dir = [] {
    const std::string d = TempDir() + "/data";
    fs::create_directories(d + "/mnist");
    WriteIdxSet(d + "/mnist", "train", 600, 1);
    WriteIdxSet(d + "/mnist", "t10k", 100, 2);
    return d;
  }();
  return dir;
}

struct Result {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

Result RunBinary(const std::string& binary, const std::vector<std::string>& args) {
  std::string command = "bench/" + binary;
  for (const auto& a : args) command += " '" + a + "'";
  command += " 2>&1";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) r.output.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// The smallest budget that still exercises initial design, model-based proposals and retraining.
std::vector<std::string> Tiny(const std::string& out, int threads) {
  return {"--budget", "smoke", "--data_dir", DataDir(), "--own_copy", "--out", out,
          "--threads", std::to_string(threads), "--evaluations", "3", "--initial_design", "2",
          "--train_subset", "60", "--validation", "40", "--batch", "20", "--final_max", "1",
          "--final_train_subset", "60", "--max_macs", "0", "--seed", "7"};
}

nlohmann::json Record(const std::string& out) {
  return nlohmann::json::parse(ReadAll(out + "/record.json"));
}

TEST(SearchSmokeTest, LatencyRunIsCompleteReproducibleAndThreadIndependent) {
  const std::string a = TempDir() + "/latency_t1";
  const std::string b = TempDir() + "/latency_t2";
  const Result ra = RunBinary("mnist_latency", Tiny(a, 1));
  ASSERT_EQ(ra.exit_code, 0) << ra.output;
  EXPECT_NE(ra.output.find("run id "), std::string::npos) << ra.output;
  const Result rb = RunBinary("mnist_latency", Tiny(b, 2));
  ASSERT_EQ(rb.exit_code, 0) << rb.output;

  const nlohmann::json record = Record(a);
  EXPECT_TRUE(record["complete"].get<bool>());
  ASSERT_EQ(record["candidates"].size(), 3u);
  for (const auto& c : record["candidates"]) {
    EXPECT_GT(c["latency_ns"].get<double>(), 0);
    EXPECT_GT(c["energy_pj"].get<double>(), 0);
    EXPECT_GT(c["macs"].get<long long>(), 0);
    EXPECT_GE(c["validation_accuracy"].get<double>(), 0);
    EXPECT_LE(c["validation_accuracy"].get<double>(), 1);
  }
  EXPECT_FALSE(record["pareto_front"].empty());
  ASSERT_EQ(record["final"].size(), 1u);
  EXPECT_GE(record["final"][0]["test_accuracy"].get<double>(), 0);
  // With one place for the retraining, the scalarised optimum (the point the search aims for)
  // gets it; it is always on the front.
  const int optimum = record["scalarized_optimum"].get<int>();
  EXPECT_NE(std::find(record["pareto_front"].begin(), record["pareto_front"].end(), optimum),
            record["pareto_front"].end());
  EXPECT_EQ(record["final"][0]["order"].get<int>(), optimum);
  EXPECT_EQ(record["configuration"]["binary"], "mnist_latency");
  EXPECT_TRUE(record["build"].contains("git_commit"));
  EXPECT_FALSE(record.contains("threads"));  // thread count lives in run_environment.json

  EXPECT_EQ(ReadAll(a + "/record.json"), ReadAll(b + "/record.json"));
  EXPECT_EQ(ReadAll(a + "/evaluations.csv"), ReadAll(b + "/evaluations.csv"));
  EXPECT_EQ(ReadAll(a + "/pareto.svg"), ReadAll(b + "/pareto.svg"));
  EXPECT_NE(ReadAll(a + "/pareto.svg").find("<svg"), std::string::npos);
  const auto env1 = nlohmann::json::parse(ReadAll(a + "/run_environment.json"));
  const auto env2 = nlohmann::json::parse(ReadAll(b + "/run_environment.json"));
  EXPECT_EQ(env1["threads"], 1);
  EXPECT_EQ(env2["threads"], 2);
  // 3 candidates + header.
  const std::string csv = ReadAll(a + "/evaluations.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4);

  // --verify reproduces it; a tampered record is caught.
  const Result verify = RunBinary("mnist_latency", {"--verify", a, "--data_dir", DataDir(), "--quiet"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("verify:"), std::string::npos) << verify.output;
  std::string text = ReadAll(b + "/record.json");
  nlohmann::ordered_json tampered = nlohmann::ordered_json::parse(text);
  tampered["candidates"][1]["validation_accuracy"] = 0.123456;
  std::ofstream(b + "/record.json", std::ios::binary | std::ios::trunc) << tampered.dump(2) << "\n";
  const Result caught = RunBinary("mnist_latency", {"--verify", b, "--data_dir", DataDir(), "--quiet"});
  EXPECT_EQ(caught.exit_code, 1) << caught.output;
  EXPECT_NE(caught.output.find("DIFFERENT (first at candidate 1)"), std::string::npos)
      << caught.output;
}

TEST(SearchSmokeTest, KilledRunResumesToTheUninterruptedRecord) {
  const std::string reference = TempDir() + "/resume_reference";
  const Result full = RunBinary("mnist_energy", Tiny(reference, 2));
  ASSERT_EQ(full.exit_code, 0) << full.output;

  // Start the same run, SIGKILL it as soon as one candidate is recorded, then resume.
  const std::string killed = TempDir() + "/resume_killed";
  std::vector<std::string> args = Tiny(killed, 2);
  args.insert(args.begin(), "bench/mnist_energy");
  args.push_back("--quiet");
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ), 0);
  bool recorded_one = false;
  for (int i = 0; i < 6000 && !recorded_one; ++i) {  // up to 10 minutes, polled every 100 ms
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (fs::exists(killed + "/record.json")) {
      try {
        recorded_one = !Record(killed)["candidates"].empty();
      } catch (const std::exception&) {
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = 0;
      break;
    }
  }
  if (pid != 0) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  ASSERT_TRUE(recorded_one);
  EXPECT_FALSE(Record(killed)["complete"].get<bool>());
  const Result resumed = RunBinary("mnist_energy", {"--resume", killed, "--data_dir", DataDir(),
                                              "--threads", "1", "--quiet"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(ReadAll(killed + "/record.json"), ReadAll(reference + "/record.json"));

  // A record whose only candidate could not be priced (it has no objectives) resumes to a
  // complete run; writing its CSV row used to read the missing objective and crash.
  const std::string unpriced = TempDir() + "/resume_unpriceable";
  fs::create_directories(unpriced);
  nlohmann::ordered_json record =
      nlohmann::ordered_json::parse(ReadAll(reference + "/record.json"));
  record["configuration"]["evaluations"] = 1;
  nlohmann::ordered_json first = record["candidates"][0];
  first["status"] = "unpriceable";
  first["objectives"] = nlohmann::ordered_json::array();
  record["candidates"] = nlohmann::ordered_json::array({first});
  record["pareto_front"] = nlohmann::ordered_json::array();
  record["final"] = nlohmann::ordered_json::array();
  record["complete"] = false;
  std::ofstream(unpriced + "/record.json") << record.dump(2);
  const Result replayed = RunBinary("mnist_energy", {"--resume", unpriced, "--data_dir",
                                                     DataDir(), "--quiet"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.output;
  const std::string csv = ReadAll(unpriced + "/evaluations.csv");
  EXPECT_NE(csv.find(",unpriceable,"), std::string::npos) << csv;
  EXPECT_EQ(csv.back(), '\n');
  EXPECT_EQ(csv[csv.size() - 2], ',') << "the objective of an unpriced candidate is empty: " << csv;

  // A record made by another build (or cost model) is not resumed: the two would mix.
  const std::string foreign = TempDir() + "/resume_foreign_build";
  fs::create_directories(foreign);
  nlohmann::ordered_json other_build = record;
  other_build["build"]["git_commit"] = "0000000000000000000000000000000000000000";
  std::ofstream(foreign + "/record.json") << other_build.dump(2);
  const Result rebuilt = RunBinary("mnist_energy", {"--resume", foreign, "--data_dir", DataDir(),
                                                    "--quiet"});
  EXPECT_EQ(rebuilt.exit_code, 2);
  EXPECT_NE(rebuilt.output.find("\"build\" differs"), std::string::npos) << rebuilt.output;

  // Flags that would change a resumed run are refused, not silently ignored.
  const Result conflicting = RunBinary("mnist_energy", {"--resume", killed, "--seed", "8"});
  EXPECT_EQ(conflicting.exit_code, 2);
  EXPECT_NE(conflicting.output.find("--seed cannot be given with --resume"), std::string::npos)
      << conflicting.output;

  // A record made with other data is refused (an --own_copy record has no checksums, so here
  // the image counts differ).
  const std::string other_data = TempDir() + "/other_data";
  fs::create_directories(other_data + "/mnist");
  WriteIdxSet(other_data + "/mnist", "train", 700, 3);
  WriteIdxSet(other_data + "/mnist", "t10k", 100, 2);
  const Result other = RunBinary("mnist_energy", {"--resume", killed, "--data_dir", other_data,
                                                  "--quiet"});
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.output.find("data set now loaded differs"), std::string::npos) << other.output;
  // --verify too, before it reruns anything.
  const Result other_verify = RunBinary("mnist_energy", {"--verify", reference, "--data_dir",
                                                         other_data, "--quiet"});
  EXPECT_EQ(other_verify.exit_code, 2);
  EXPECT_NE(other_verify.output.find("data set now loaded differs"), std::string::npos)
      << other_verify.output;
}

TEST(SearchSmokeTest, AccuracyAndParetoFamiliesComplete) {
  for (const char* binary : {"mnist_accuracy", "mnist_pareto"}) {
    const std::string out = TempDir() + "/" + binary;
    std::vector<std::string> args = Tiny(out, 2);
    args.push_back("--quiet");
    const Result r = RunBinary(binary, args);
    ASSERT_EQ(r.exit_code, 0) << binary << ": " << r.output;
    const nlohmann::json record = Record(out);
    EXPECT_TRUE(record["complete"].get<bool>()) << binary;
    EXPECT_EQ(record["candidates"].size(), 3u) << binary;
    const size_t objectives = std::string(binary) == "mnist_pareto" ? 3u : 1u;
    EXPECT_EQ(record["candidates"][0]["objectives"].size(), objectives) << binary;
  }
}

TEST(SearchSmokeTest, OtherOptimizersRun) {
  for (const char* optimizer : {"random", "tpe", "evolution"}) {
    const std::string out = TempDir() + "/optimizer_" + optimizer;
    std::vector<std::string> args = Tiny(out, 2);
    *(std::find(args.begin(), args.end(), "--evaluations") + 1) = "2";
    args.insert(args.end(), {"--optimizer", optimizer, "--quiet"});
    const Result r = RunBinary("mnist_latency", args);
    ASSERT_EQ(r.exit_code, 0) << optimizer << ": " << r.output;
    EXPECT_EQ(Record(out)["configuration"]["optimizer"], optimizer);
  }
}

TEST(SearchSmokeTest, BadInputFailsClearly) {
  const Result budget = RunBinary("mnist_latency", {"--budget", "huge"});
  EXPECT_EQ(budget.exit_code, 2);
  EXPECT_NE(budget.output.find("unknown --budget 'huge'"), std::string::npos) << budget.output;

  const Result flag = RunBinary("mnist_latency", {"--no_such_flag"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.output.find("no_such_flag"), std::string::npos) << flag.output;

  const Result optimizer = RunBinary("mnist_latency", {"--optimizer", "magic"});
  EXPECT_EQ(optimizer.exit_code, 2);
  EXPECT_NE(optimizer.output.find("unknown --optimizer"), std::string::npos);

  const Result data = RunBinary("cifar10_latency", {"--data_dir", TempDir() + "/nowhere", "--out",
                                              TempDir() + "/nodata", "--quiet"});
  EXPECT_EQ(data.exit_code, 1);
  EXPECT_NE(data.output.find("tools/setup.sh --cifar10"), std::string::npos) << data.output;

  const Result resume = RunBinary("mnist_latency", {"--resume", TempDir() + "/no_run_here"});
  EXPECT_EQ(resume.exit_code, 2);
  EXPECT_NE(resume.output.find("no run record"), std::string::npos) << resume.output;

  const Result empty = RunBinary("mnist_latency", {"--resume", ""});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.output.find("--resume needs a folder"), std::string::npos) << empty.output;

  const Result batch = RunBinary("mnist_latency", {"--batch", "1"});
  EXPECT_EQ(batch.exit_code, 2);
  EXPECT_NE(batch.output.find("--batch must be at least 2"), std::string::npos) << batch.output;

  const Result twice = RunBinary("mnist_latency", {"--evaluations", "3", "--evaluations", "4"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.output.find("given more than once"), std::string::npos) << twice.output;

  const std::string occupied = TempDir() + "/occupied";
  fs::create_directories(occupied);
  std::ofstream(occupied + "/notes.txt") << "mine";
  const Result full = RunBinary("mnist_latency", {"--data_dir", DataDir(), "--own_copy", "--out",
                                                  occupied, "--quiet"});
  EXPECT_EQ(full.exit_code, 2);
  EXPECT_NE(full.output.find("not an empty folder"), std::string::npos) << full.output;

  // Deep nesting in a record is refused while parsing (walking it overflowed the stack).
  const std::string deep = TempDir() + "/deep_record";
  fs::create_directories(deep);
  std::ofstream(deep + "/record.json")
      << "{\"format\": 1, \"x\": " << std::string(100000, '[') << std::string(100000, ']') << "}";
  const Result nested = RunBinary("mnist_latency", {"--resume", deep});
  EXPECT_EQ(nested.exit_code, 2);
  EXPECT_NE(nested.output.find("nested deeper than"), std::string::npos) << nested.output;

  const Result help = RunBinary("cifar10_latency", {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--budget", "--evaluations", "--epochs", "--train_subset", "--batch",
                           "--seed", "--threads", "--data_dir", "--out", "--optimizer",
                           "--resume", "--verify", "--quiet"}) {
    EXPECT_NE(help.output.find(flag), std::string::npos) << flag;
  }
}

}  // namespace
