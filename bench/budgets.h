// Search budgets per data set, fixed at compile time. A budget says how many candidates are
// evaluated and how each is trained; every field can be overridden by a flag.
#ifndef IMCNAS_BENCH_BUDGETS_H_
#define IMCNAS_BENCH_BUDGETS_H_

namespace imcnas::bench {

struct Budget {
  int evaluations = 0;         // candidates trained and priced
  int initial_design = 0;      // seeded random candidates before the model takes over
  int epochs = 0;              // per candidate
  int train_subset = 0;        // training images per candidate (0: the whole training split)
  int validation = 0;          // validation images (held out of the training set)
  int batch = 0;
  double learning_rate = 0;
  int final_epochs = 0;        // retraining of the Pareto-optimal candidates
  int final_train_subset = 0;  // 0: the whole training split
  int final_max = 0;           // at most this many Pareto-optimal candidates are retrained
  long long max_macs = 0;      // candidates above this many MACs per image are not trained (0: no cap)
};

// Data-set tags: name and budgets (README "Budgets" explains the numbers).
//   smoke: a few tiny candidates, for tests and a first look (seconds on MNIST);
//   quick: the default; a CIFAR-10 run finishes within 30 minutes on 2 cores: few candidates,
//          a few epochs on a training subset, a cap on network size so that no single
//          candidate eats the budget, and a short retraining of the best ones;
//   paper: the scale of a published study: 100 candidates, full training split, no cap.
namespace internal {
constexpr Budget Smoke() {
  Budget b;
  b.evaluations = 4;
  b.initial_design = 2;
  b.epochs = 1;
  b.train_subset = 128;
  b.validation = 128;
  b.batch = 32;
  b.learning_rate = 0.05;
  b.final_epochs = 1;
  b.final_train_subset = 128;
  b.final_max = 1;
  b.max_macs = 0;
  return b;
}

constexpr Budget Paper(int epochs, int final_epochs) {
  Budget b;
  b.evaluations = 100;
  b.initial_design = 20;
  b.epochs = epochs;
  b.train_subset = 0;
  b.validation = 5000;
  b.batch = 128;
  b.learning_rate = 0.05;
  b.final_epochs = final_epochs;
  b.final_train_subset = 0;
  b.final_max = 5;
  b.max_macs = 0;
  return b;
}
}  // namespace internal

struct Mnist {
  static constexpr const char* kName = "mnist";
  static constexpr Budget kSmoke = internal::Smoke();
  static constexpr Budget kQuick = [] {
    Budget b;
    b.evaluations = 16;
    b.initial_design = 5;
    b.epochs = 2;
    b.train_subset = 4000;
    b.validation = 2000;
    b.batch = 128;
    b.learning_rate = 0.05;
    b.final_epochs = 3;
    b.final_train_subset = 10000;
    b.final_max = 3;
    b.max_macs = 100'000'000;
    return b;
  }();
  static constexpr Budget kPaper = internal::Paper(10, 30);
};

struct FashionMnist {
  static constexpr const char* kName = "fashion_mnist";
  static constexpr Budget kSmoke = internal::Smoke();
  static constexpr Budget kQuick = Mnist::kQuick;
  static constexpr Budget kPaper = internal::Paper(10, 30);
};

struct Cifar10 {
  static constexpr const char* kName = "cifar10";
  static constexpr Budget kSmoke = internal::Smoke();
  static constexpr Budget kQuick = [] {
    Budget b;
    b.evaluations = 10;
    b.initial_design = 4;
    b.epochs = 2;
    b.train_subset = 2500;
    b.validation = 1000;
    b.batch = 128;
    b.learning_rate = 0.05;
    b.final_epochs = 4;
    b.final_train_subset = 5000;
    b.final_max = 2;
    b.max_macs = 100'000'000;
    return b;
  }();
  static constexpr Budget kPaper = internal::Paper(15, 50);
};

}  // namespace imcnas::bench

#endif  // IMCNAS_BENCH_BUDGETS_H_
