#include <doctest/doctest.h>

#include <xoptim/fit.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>

#include "paths.hpp"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace
{

    using vec = xt::xtensor<double, 1>;
    const std::filesystem::path data_dir = xoptim_test::data_dir();

    /// The plainest optimizer: theta -= lr * grad. Written here so that the loop is tested on
    /// its own.
    struct plain_step
    {
        double lr = 0.1;
        std::size_t steps = 0;
        void step(vec& theta, const vec& grad)
        {
            for (std::size_t i = 0; i < theta.size(); ++i) { theta(i) -= lr * grad(i); }
            ++steps;
        }
        double learning_rate() const { return lr; }
    };

    /// No learning_rate(): the history's rate column is NaN.
    struct silent_step
    {
        void step(vec& theta, const vec& grad) { theta -= 0.05 * grad; }
    };

    struct no_step
    {
        void advance(vec&, const vec&) {}
    };

    static_assert(xoptim::steppable<plain_step>);
    static_assert(xoptim::steppable<silent_step>);
    static_assert(!xoptim::steppable<no_step>);
    static_assert(!xoptim::steppable<int>);
    static_assert(!xoptim::steppable<const plain_step>);  // step changes the optimizer
    static_assert(xoptim::steppable<decltype(xoptim::sgd())>);
    static_assert(xoptim::steppable<decltype(xoptim::lamb())>);

    /// A separable objective that remembers every batch it was asked about.
    struct batch_spy
    {
        xoptim::linear_regression<xoptim::mse> inner;
        mutable std::vector<std::vector<std::size_t>> batches;

        std::size_t dimension() const { return inner.dimension(); }
        std::size_t size() const { return inner.size(); }
        double value(const vec& t) const { return inner.value(t); }
        void gradient(const vec& t, vec& g) const { inner.gradient(t, g); }
        double value(const vec& t, xoptim::batch_indices b) const { return inner.value(t, b); }
        void gradient(const vec& t, xoptim::batch_indices b, vec& g) const
        {
            batches.emplace_back(b.begin(), b.end());
            inner.gradient(t, b, g);
        }
    };
    static_assert(xoptim::separable_objective<batch_spy, vec>);

    /// Rows of a reference trajectory: x(k, 0) = step, x(k, 1..2) = theta, y(k) = loss.
    xoptim::dataset reference(const std::string& name) { return xoptim::load_csv(data_dir / (name + ".csv")); }

}  // namespace

TEST_CASE("fit: full batch rows are the gradient descent iterates")
{
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(1));
    vec theta = {-20.0, -10.0};
    xoptim::fit_options options;
    options.epochs = 7;
    plain_step opt{0.3};
    const auto result = xoptim::fit(problem, opt, theta, options);

    CHECK(result.reason == xoptim::stop_reason::completed);
    CHECK(result.message.empty());
    CHECK(result.steps == 7);
    CHECK(opt.steps == 7);
    REQUIRE(result.history.size() == 8);
    // Independent iteration, by hand.
    vec t = {-20.0, -10.0};
    for (std::size_t k = 0; k <= 7; ++k)
    {
        CAPTURE(k);
        const auto& r = result.history[k];
        CHECK(r.step == k);
        CHECK(r.epoch == k);
        CHECK(r.learning_rate == 0.3);
        REQUIRE(r.theta.shape() == t.shape());
        CHECK(r.theta(0) == t(0));
        CHECK(r.theta(1) == t(1));
        vec g;
        problem.gradient(t, g);
        CHECK(r.loss == problem.value(t));
        CHECK(r.gradient_norm == doctest::Approx(std::hypot(g(0), g(1))).epsilon(1e-15));
        t(0) -= 0.3 * g(0);
        t(1) -= 0.3 * g(1);
    }
    CHECK(theta(0) == result.last().theta(0));
    CHECK(theta(1) == result.last().theta(1));
}

TEST_CASE("fit: MSE on the seed data reaches the closed-form optimum")
{
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(2024));
    const vec best = problem.least_squares();
    vec theta = {-20.0, -10.0};
    xoptim::fit_options options;
    options.epochs = 400;
    const auto result = xoptim::fit(problem, plain_step{0.5}, theta, options);
    CHECK(std::hypot(theta(0) - best(0), theta(1) - best(1)) < 1e-10);
    CHECK(result.last().gradient_norm < 1e-10);
    // The loss never goes up for this step size (beyond rounding, once at the optimum).
    for (std::size_t k = 1; k < result.history.size(); ++k)
    {
        CHECK(result.history[k].loss <= result.history[k - 1].loss * (1 + 1e-14));
    }
    // Mini-batch gradient descent gets near it too (noise keeps it from landing exactly).
    vec theta_mb = {-20.0, -10.0};
    options.batch_size = 10;
    options.epochs = 60;
    xoptim::fit(problem, plain_step{0.1}, theta_mb, options);
    CHECK(std::hypot(theta_mb(0) - best(0), theta_mb(1) - best(1)) < 0.2);
}

TEST_CASE("fit: mini-batches use every sample once per epoch")
{
    batch_spy problem{xoptim::linear_regression<xoptim::mse>(xoptim::seed_data(5, {.size = 23})), {}};
    vec theta = {0.0, 0.0};
    xoptim::fit_options options;
    options.batch_size = 5;
    options.epochs = 3;
    options.seed = 11;
    const auto result = xoptim::fit(problem, plain_step{0.1}, theta, options);

    REQUIRE(problem.batches.size() == 15);  // 3 epochs x ceil(23 / 5)
    REQUIRE(result.history.size() == 16);
    std::vector<std::vector<std::size_t>> epochs;
    for (std::size_t e = 0; e < 3; ++e)
    {
        std::vector<std::size_t> seen;
        for (std::size_t b = 0; b < 5; ++b)
        {
            const auto& batch = problem.batches[e * 5 + b];
            CHECK(batch.size() == (b < 4 ? 5u : 3u));
            seen.insert(seen.end(), batch.begin(), batch.end());
            CHECK(result.history[e * 5 + b + 1].epoch == e + 1);
        }
        epochs.push_back(seen);
        std::sort(seen.begin(), seen.end());
        for (std::size_t i = 0; i < 23; ++i) { CHECK(seen[i] == i); }
    }
    CHECK(epochs[0] != epochs[1]);
    CHECK(epochs[1] != epochs[2]);

    // The step used the batch's gradient; the record holds the full loss after it.
    vec t = {0.0, 0.0};
    vec g;
    problem.inner.gradient(t, xoptim::batch_indices(problem.batches[0]), g);
    t -= 0.1 * g;
    CHECK(result.history[1].theta(0) == t(0));
    CHECK(result.history[1].theta(1) == t(1));
    CHECK(result.history[1].loss == problem.inner.value(t));

    // The same seed gives the same run; another seed another one.
    vec again = {0.0, 0.0};
    const auto same = xoptim::fit(problem.inner, plain_step{0.1}, again, options);
    CHECK(same.last().theta(0) == result.last().theta(0));
    CHECK(same.last().theta(1) == result.last().theta(1));
    vec other = {0.0, 0.0};
    options.seed = 12;
    const auto different = xoptim::fit(problem.inner, plain_step{0.1}, other, options);
    CHECK(different.last().theta(0) != result.last().theta(0));
}

TEST_CASE("fit: a batch as large as the data is full batch; steps override epochs")
{
    const xoptim::linear_regression<xoptim::rmse> problem(xoptim::seed_data(3));
    vec a = {1.0, 1.0};
    vec b = {1.0, 1.0};
    xoptim::fit_options full;
    full.epochs = 20;
    xoptim::fit_options whole = full;
    whole.batch_size = 100;
    const auto ra = xoptim::fit(problem, plain_step{0.2}, a, full);
    const auto rb = xoptim::fit(problem, plain_step{0.2}, b, whole);
    CHECK(a(0) == b(0));
    CHECK(a(1) == b(1));
    CHECK(ra.history.size() == rb.history.size());

    xoptim::fit_options by_steps;
    by_steps.steps = 9;
    by_steps.epochs = 1000;
    by_steps.batch_size = 30;  // 4 batches per epoch: 9 steps cross into the third epoch
    vec c = {1.0, 1.0};
    const auto rc = xoptim::fit(problem, plain_step{0.2}, c, by_steps);
    REQUIRE(rc.history.size() == 10);
    CHECK(rc.history[9].epoch == 3);

    xoptim::fit_options light = full;
    light.keep_history = false;
    vec d = {1.0, 1.0};
    const auto rd = xoptim::fit(problem, plain_step{0.2}, d, light);
    REQUIRE(rd.history.size() == 1);
    CHECK(rd.last().step == 20);
    CHECK(rd.last().theta(0) == a(0));
}

TEST_CASE("fit: optimizers without learning_rate() record NaN rates")
{
    vec theta = {1.0, 1.0};
    const auto r = xoptim::fit(xoptim::ill_conditioned_quadratic{}, silent_step{}, theta, {.epochs = 3});
    REQUIRE(r.history.size() == 4);
    CHECK(std::isnan(r.history[2].learning_rate));
    CHECK(r.history[1].theta(1) == doctest::Approx(1.0 - 0.05 * 25.0));
}

TEST_CASE("fit: stopping early at a tolerance")
{
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(4));
    vec theta = {0.0, 0.0};
    const auto r = xoptim::fit(problem, plain_step{0.5}, theta, {.epochs = 1000}, xoptim::stop_at_tolerance(1e-6));
    CHECK(r.reason == xoptim::stop_reason::converged);
    CHECK(r.last().gradient_norm <= 1e-6);
    CHECK(r.history[r.history.size() - 2].gradient_norm > 1e-6);
    CHECK(r.steps < 1000);
    CHECK(r.steps == r.last().step);
    CHECK(r.message.find("gradient norm") != std::string::npos);

    vec t2 = {0.0, 0.0};
    const auto r2 = xoptim::fit(problem, plain_step{0.5}, t2, {.epochs = 1000}, xoptim::stop_at_tolerance(0.0, 1e-9));
    CHECK(r2.reason == xoptim::stop_reason::converged);
    const auto n = r2.history.size();
    CHECK(std::abs(r2.history[n - 1].loss - r2.history[n - 2].loss) <= 1e-9);
    CHECK(std::abs(r2.history[n - 2].loss - r2.history[n - 3].loss) > 1e-9);
    CHECK_THROWS_AS(xoptim::stop_at_tolerance(-1.0), std::invalid_argument);
}

TEST_CASE("fit: divergence stops the run with a reason, never a NaN row")
{
    // Gradient descent with a rate of 0.1 on a curvature of 25: |1 - 2.5| = 1.5 per step.
    vec theta = {1.0, 1.0};
    const auto r = xoptim::fit(xoptim::ill_conditioned_quadratic{}, plain_step{0.1}, theta, {.epochs = 1000},
                               xoptim::stop_on_divergence{});
    CHECK(r.reason == xoptim::stop_reason::diverged);
    CHECK(r.last().loss > 1e6 * r.history[0].loss);
    CHECK(r.history[r.history.size() - 2].loss <= 1e6 * r.history[0].loss);
    CHECK(r.message.find("grew more than") != std::string::npos);

    // Without the callback it runs on until the numbers overflow, and still keeps no NaN row.
    vec t2 = {1.0, 1.0};
    const auto r2 = xoptim::fit(xoptim::ill_conditioned_quadratic{}, plain_step{0.1}, t2, {.epochs = 5000});
    CHECK(r2.reason == xoptim::stop_reason::diverged);
    CHECK(r2.steps < 5000);
    for (const auto& row : r2.history)
    {
        CHECK(std::isfinite(row.loss));
        CHECK(std::isfinite(row.gradient_norm));
        CHECK(std::isfinite(row.theta(1)));
    }
    CHECK(r2.message.find("not finite") != std::string::npos);
    CHECK(r2.history.size() == r2.steps + 1);
}

TEST_CASE("fit: callbacks see every record; trajectory, printing, progress bar, user stops")
{
    const xoptim::linear_regression<xoptim::mae> problem(xoptim::seed_data(8));
    vec theta = {0.0, 0.0};
    xoptim::trajectory traj;
    std::ostringstream printed;
    std::size_t calls = 0;
    std::FILE* bar_file = std::tmpfile();
    REQUIRE(bar_file != nullptr);
    const auto r = xoptim::fit(problem, plain_step{0.1}, theta, {.epochs = 12}, xoptim::record_trajectory(traj),
                               xoptim::print_every(5, printed), xoptim::progress_bar(bar_file, 1000, true),
                               [&](const xoptim::fit_record&) { ++calls; });
    CHECK(calls == 13);
    REQUIRE(traj.points.size() == 13);
    for (std::size_t k = 0; k < 13; ++k)
    {
        CHECK(traj.losses[k] == r.history[k].loss);
        CHECK(traj.points[k](0) == r.history[k].theta(0));
    }
    // Steps 0, 5, 10 and the last one, 12.
    const std::string text = printed.str();
    CHECK(std::count(text.begin(), text.end(), '\n') == 4);
    CHECK(text.rfind("step      0", 0) == 0);
    CHECK(text.find("step     12") != std::string::npos);

    std::rewind(bar_file);
    std::string bar;
    for (int c; (c = std::fgetc(bar_file)) != EOF;) { bar.push_back(static_cast<char>(c)); }
    std::fclose(bar_file);
    CHECK(bar.find("100%  step 12/12") != std::string::npos);
    CHECK(bar.back() == '\n');

    // Not forced and not a terminal: nothing is drawn.
    std::FILE* quiet_file = std::tmpfile();
    xoptim::progress_bar quiet(quiet_file, 1);
    vec t2 = {0.0, 0.0};
    xoptim::fit(problem, plain_step{0.1}, t2, {.epochs = 3}, quiet);
    CHECK_FALSE(quiet.active());
    CHECK(std::ftell(quiet_file) == 0);
    std::fclose(quiet_file);

    // A callback that stops the run; later callbacks do not see that record.
    vec t3 = {0.0, 0.0};
    std::size_t after = 0;
    const auto r3 = xoptim::fit(
        problem, plain_step{0.1}, t3, {.epochs = 100},
        [](const xoptim::fit_record& rec) {
            return rec.step == 4 ? xoptim::fit_signal::halt(xoptim::stop_reason::stopped, "enough")
                                 : xoptim::fit_signal::proceed();
        },
        [&](const xoptim::fit_record&) { ++after; });
    CHECK(r3.reason == xoptim::stop_reason::stopped);
    CHECK(r3.message == "enough");
    CHECK(r3.steps == 4);
    CHECK(r3.history.size() == 5);
    CHECK(after == 4);
}

TEST_CASE("fit: bad input throws before any step")
{
    const xoptim::linear_regression<xoptim::mse> problem(xoptim::seed_data(0));
    vec theta = {1.0, 2.0, 3.0};
    plain_step opt;
    CHECK_THROWS_WITH_AS(xoptim::fit(problem, opt, theta), "theta: size 3, expected 2", std::invalid_argument);
    CHECK(opt.steps == 0);
    vec point = {0.0, 0.0};
    CHECK_THROWS_WITH_AS(xoptim::fit(xoptim::rosenbrock{}, opt, point, {.batch_size = 4}),
                         "batch_size: 4, but this objective has no samples to batch", std::invalid_argument);
    CHECK(point(0) == 0.0);
    xoptim::fit_options endless;
    endless.epochs = std::numeric_limits<std::size_t>::max() / 2;
    endless.batch_size = 30;  // 4 steps per epoch
    vec start = {0.0, 0.0};
    CHECK_THROWS_AS(xoptim::fit(problem, opt, start, endless), std::invalid_argument);
    CHECK(opt.steps == 0);
}

TEST_CASE("fit: the library's sgd and adam reproduce PyTorch's reference trajectories")
{
    const auto data = xoptim::load_csv(data_dir / "data.csv");
    const auto check = [](const xoptim::fit_result& r, const xoptim::dataset& ref) {
        REQUIRE(r.history.size() == ref.size());
        for (std::size_t k = 0; k < ref.size(); ++k)
        {
            CAPTURE(k);
            CHECK(r.history[k].theta(0) == doctest::Approx(ref.x(k, 1)).epsilon(1e-9));
            CHECK(r.history[k].theta(1) == doctest::Approx(ref.x(k, 2)).epsilon(1e-9));
            CHECK(r.history[k].loss == doctest::Approx(ref.y(k)).epsilon(1e-9));
        }
    };
    {
        vec theta = {-10.0, -20.0};
        const auto r = xoptim::fit(xoptim::linear_regression<xoptim::mse>(data), xoptim::sgd({.lr = 0.1}), theta);
        check(r, reference("sgd_mse"));
    }
    {
        vec theta = {-10.0, -20.0};
        const auto r = xoptim::fit(xoptim::linear_regression<xoptim::rmse>(data), xoptim::adam({.lr = 0.1}), theta);
        check(r, reference("adam_rmse"));
    }
}
