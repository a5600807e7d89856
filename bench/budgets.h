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
};

// Data-set tags: name and budgets. See README "Budgets" for why these numbers.
struct Mnist {
  static constexpr const char* kName = "mnist";
  static constexpr Budget kSmoke{4, 2, 1, 256, 256, 64, 0.05, 1, 256, 2};
  static constexpr Budget kQuick{24, 8, 2, 6000, 5000, 128, 0.05, 4, 0, 3};
  static constexpr Budget kPaper{100, 20, 10, 0, 5000, 128, 0.05, 30, 0, 5};
};

struct FashionMnist {
  static constexpr const char* kName = "fashion_mnist";
  static constexpr Budget kSmoke{4, 2, 1, 256, 256, 64, 0.05, 1, 256, 2};
  static constexpr Budget kQuick{24, 8, 3, 6000, 5000, 128, 0.05, 6, 0, 3};
  static constexpr Budget kPaper{100, 20, 10, 0, 5000, 128, 0.05, 30, 0, 5};
};

struct Cifar10 {
  static constexpr const char* kName = "cifar10";
  static constexpr Budget kSmoke{4, 2, 1, 256, 256, 64, 0.05, 1, 256, 2};
  static constexpr Budget kQuick{20, 8, 4, 4000, 2000, 128, 0.05, 8, 10000, 3};
  static constexpr Budget kPaper{100, 20, 15, 0, 5000, 128, 0.05, 50, 0, 5};
};

}  // namespace imcnas::bench

#endif  // IMCNAS_BENCH_BUDGETS_H_
