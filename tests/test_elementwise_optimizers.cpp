// NAdam, RAdam, Adamax, Adadelta, Rprop and ASGD against PyTorch (tests/data/<name>.csv, made by
// scripts/reference/<name>.py; see tests/data/README.md), against first steps derived by hand,
// through checkpoints, and with their hyperparameters checked.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/xoptim.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include "reference_csv.hpp"
#include "reliability_helpers.hpp"
#include "support.hpp"

using namespace xoptim_test;

namespace
{
    // One case of a reference file: its problem, its hyperparameters and its rows in order.
    struct reference_case
    {
        std::string name, problem;
        std::vector<std::pair<std::string, double>> hyper;
        std::vector<std::vector<double>> theta, ax;
        std::vector<double> loss;
    };

    std::vector<reference_case> read_cases(const std::string& file)
    {
        csv_table t;
        read_csv_table(file, t);
        std::vector<reference_case> out;
        for (const auto& r : t.rows)
        {
            if (out.empty() || out.back().name != r["case"])
            {
                reference_case c;
                c.name = r["case"];
                c.problem = r["problem"];
                std::istringstream in(r["hyper"]);
                for (std::string kv; in >> kv;)
                {
                    const auto eq = kv.find('=');
                    c.hyper.emplace_back(kv.substr(0, eq), std::stod(kv.substr(eq + 1)));
                }
                out.push_back(std::move(c));
            }
            auto& c = out.back();
            REQUIRE(static_cast<std::size_t>(r.number("step")) == c.theta.size());
            c.theta.push_back(r.numbers("theta"));
            c.ax.push_back(r.numbers("ax"));
            c.loss.push_back(r["loss"].empty() ? 0.0 : r.number("loss"));
        }
        return out;
    }

    // The multi-tensor problem of scripts/reference/elementwise.py: g = a (w - t) + 0.1 w^3.
    template <class V>
    xt::xarray<V> multi_gradient(const xt::xarray<V>& w)
    {
        xt::xarray<V> g = xt::xarray<V>::from_shape(w.shape());
        for (std::size_t k = 0; k < w.size(); ++k)
        {
            const double x = static_cast<double>(w.flat(k));
            const double a = 1.0 + static_cast<double>(k % 3) / 2.0;
            const double t = static_cast<double>(k % 4) / 4.0 - 0.25;
            g.flat(k) = static_cast<V>(a * (x - t) + 0.1 * (x * x * x));
        }
        return g;
    }

    std::vector<double> flat_values(const auto& tensors)
    {
        std::vector<double> out;
        for (const auto& t : tensors)
        {
            for (const auto x : t) { out.push_back(static_cast<double>(x)); }
        }
        return out;
    }

    struct worst_errors
    {
        double theta = 0.0, loss = 0.0, ax = 0.0;
    };

    // Normwise relative error: the largest difference over the largest reference magnitude of
    // the row (an element passing through 0 would make an elementwise one meaningless).
    double worst_of(const std::vector<double>& got, const std::vector<double>& want)
    {
        REQUIRE(got.size() == want.size());
        double diff = 0.0, scale = 1e-12;
        for (std::size_t i = 0; i < got.size(); ++i)
        {
            diff = std::max(diff, std::fabs(got[i] - want[i]));
            scale = std::max(scale, std::fabs(want[i]));
        }
        return diff / scale;
    }

    // Runs `opt` on the case's problem, comparing every row; `ax(opt)` gives the averaged
    // parameters when the reference has them.
    template <class V, class Opt, class Ax>
    worst_errors replay_case(Opt& opt, const reference_case& c, Ax&& ax)
    {
        worst_errors w;
        const std::size_t steps = c.theta.size() - 1;
        if (c.problem.rfind("seed_", 0) == 0)
        {
            const line_data d = seed_line();
            const line_loss kind = c.problem == "seed_mse"    ? line_loss::mse
                                   : c.problem == "seed_rmse" ? line_loss::rmse
                                                              : line_loss::mae;
            std::vector<xt::xarray<V>> p{xt::xarray<V>{static_cast<V>(c.theta[0][0]), static_cast<V>(c.theta[0][1])}};
            for (std::size_t k = 1; k <= steps; ++k)
            {
                const auto g = line_gradient(d, kind, static_cast<double>(p[0](0)), static_cast<double>(p[0](1)));
                opt.step(p[0], xt::eval(xt::cast<V>(g)));
                w.theta = std::max(w.theta, worst_of(flat_values(p), c.theta[k]));
                w.loss = std::max(w.loss, relative_error(line_value(d, kind, p[0](0), p[0](1)), c.loss[k]));
                const auto averaged = ax(opt);
                if (!averaged.empty()) { w.ax = std::max(w.ax, worst_of(averaged, c.ax[k])); }
            }
        }
        else
        {
            const auto& start = c.theta[0];
            std::vector<xt::xarray<V>> p{xt::xarray<V>::from_shape({3, 4}), xt::xarray<V>::from_shape({5})};
            std::size_t i = 0;
            for (auto& t : p)
            {
                for (auto& x : t) { x = static_cast<V>(start.at(i++)); }
            }
            for (std::size_t k = 1; k <= steps; ++k)
            {
                std::vector<xt::xarray<V>> g{multi_gradient(p[0]), multi_gradient(p[1])};
                opt.step(0, p, g);
                w.theta = std::max(w.theta, worst_of(flat_values(p), c.theta[k]));
                const auto averaged = ax(opt);
                if (!averaged.empty()) { w.ax = std::max(w.ax, worst_of(averaged, c.ax[k])); }
            }
        }
        return w;
    }

    // The typed factory with the case's hyperparameters set by name, and the same optimizer
    // made by name at run time: both must follow the reference.
    template <class V, class Make>
    void check_reference(const char* name, Make make, double tolerance, double loss_tolerance)
    {
        const auto cases = read_cases(std::string(name) + ".csv");
        REQUIRE(!cases.empty());
        worst_errors all;
        for (const auto& c : cases)
        {
            CAPTURE(c.name);
            auto typed = make();
            for (const auto& [key, value] : c.hyper) { typed.set(0, key, value); }
            const auto w = replay_case<V>(typed, c, [](const auto& opt) {
                if constexpr (requires { xoptim::averaged_parameters(opt, 0, 0); })
                {
                    std::vector<double> out;
                    for (std::size_t t = 0; t < opt.group(0).tensors.size(); ++t)
                    {
                        for (const auto x : xoptim::averaged_parameters(opt, 0, t))
                        {
                            out.push_back(static_cast<double>(x));
                        }
                    }
                    return out;
                }
                else { return std::vector<double>{}; }
            });
            CHECK(w.theta < tolerance);
            CHECK(w.loss < loss_tolerance);
            CHECK(w.ax < tolerance);
            CHECK(typed.step_count() == c.theta.size() - 1);
            all.theta = std::max(all.theta, w.theta);
            all.loss = std::max(all.loss, w.loss);
            all.ax = std::max(all.ax, w.ax);

            auto by_name = xoptim::make_optimizer<V>(name, c.hyper);
            const auto n = replay_case<V>(by_name, c, [](const auto&) { return std::vector<double>{}; });
            CHECK(n.theta < tolerance);
        }
        const std::string label = std::string(name) + (sizeof(V) == 8 ? " double" : " float");
        MESSAGE(label << ": worst relative error " << all.theta << " in theta, " << all.loss << " in the loss, "
                      << all.ax << " in ax");
    }

    template <class V>
    void check_every_reference(double tol, double loss_tol)
    {
        SUBCASE("nadam")
        {
            check_reference<V>(
                "nadam", [] { return xoptim::nadam<V>(); }, tol, loss_tol);
        }
        SUBCASE("radam")
        {
            check_reference<V>(
                "radam", [] { return xoptim::radam<V>(); }, tol, loss_tol);
        }
        SUBCASE("adamax")
        {
            check_reference<V>(
                "adamax", [] { return xoptim::adamax<V>(); }, tol, loss_tol);
        }
        SUBCASE("adadelta")
        {
            check_reference<V>(
                "adadelta", [] { return xoptim::adadelta<V>(); }, tol, loss_tol);
        }
        SUBCASE("rprop")
        {
            check_reference<V>(
                "rprop", [] { return xoptim::rprop<V>(); }, tol, loss_tol);
        }
        SUBCASE("asgd")
        {
            check_reference<V>(
                "asgd", [] { return xoptim::asgd<V>(); }, tol, loss_tol);
        }
    }
}

TEST_CASE("elementwise optimizers, double: PyTorch's trajectories to 1e-9 relative")
{
    check_every_reference<double>(1e-9, 1e-9);
}

TEST_CASE("elementwise optimizers, float: PyTorch's trajectories to float accuracy")
{
    // The tolerances of tests/test_reference.cpp.
    check_every_reference<float>(1e-4, 1e-3);
}

TEST_CASE("elementwise optimizers: the comparison can fail")
{
    // NAdam as PyTorch 1.13 computes it (mu_t counted twice in the second product) and RAdam
    // without its rectification miss the references by far more than the tolerance.
    const auto cases = read_cases("nadam.csv");
    auto wrong = xoptim::nadam({.lr = 0.1, .momentum_decay = 0.005});  // the reference's is 0.004
    const auto w = replay_case<double>(wrong, cases.at(0), [](const auto&) { return std::vector<double>{}; });
    CHECK(w.theta > 1e-6);
    const auto rcases = read_cases("radam.csv");
    auto adam_like = xoptim::radam({.lr = 0.1, .beta2 = 0.99});
    CHECK(replay_case<double>(adam_like, rcases.at(0), [](const auto&) { return std::vector<double>{}; }).theta > 1e-6);
}

TEST_CASE("elementwise optimizers: first steps derived by hand")
{
    const double g = 0.5, w0 = 2.0;
    auto one_step = [&](auto opt, double grad = 0.5) {
        xt::xtensor<double, 1> w{w0};
        opt.step(w, xt::xtensor<double, 1>{grad});
        return w(0);
    };
    // Adamax: m = (1-b1) g, u = |g| + eps, step lr m / u / (1 - b1) = lr g / (|g| + eps).
    CHECK(one_step(xoptim::adamax({.lr = 0.1})) == doctest::Approx(w0 - 0.1 * g / (g + 1e-8)).epsilon(1e-15));
    // Adadelta: v = (1-rho) g^2, delta = sqrt(eps) / sqrt(v + eps) g.
    CHECK(one_step(xoptim::adadelta({.lr = 1.0}))
          == doctest::Approx(w0 - std::sqrt(1e-6) / std::sqrt(0.1 * g * g + 1e-6) * g).epsilon(1e-15));
    // RAdam: rho_1 = 1 <= 5, so the step is lr m / (1 - b1) = lr g.
    CHECK(one_step(xoptim::radam({.lr = 0.1})) == doctest::Approx(w0 - 0.1 * g).epsilon(1e-15));
    // NAdam: denominator |g| + eps; weights 1 (on g) and mu_2 (1-b1) / (1 - mu_1 mu_2) (on g).
    {
        const double mu1 = 0.9 * (1.0 - 0.5 * std::pow(0.96, 0.004)), mu2 = 0.9 * (1.0 - 0.5 * std::pow(0.96, 0.008));
        const double want = w0 - 0.1 * g / (g + 1e-8) * (1.0 + mu2 * 0.1 / (1.0 - mu1 * mu2));
        CHECK(one_step(xoptim::nadam({.lr = 0.1})) == doctest::Approx(want).epsilon(1e-15));
    }
    // ASGD: w (1 - lambd lr) - lr g, and ax = w.
    {
        auto opt = xoptim::asgd({.lr = 0.1, .lambd = 0.01});
        xt::xtensor<double, 1> w{w0};
        opt.step(w, xt::xtensor<double, 1>{g});
        CHECK(w(0) == doctest::Approx(w0 * (1.0 - 0.001) - 0.1 * g).epsilon(1e-15));
        CHECK(xoptim::averaged_parameters(opt)(0) == w(0));
    }
    // Rprop: lr sign(g); then lr eta_plus while the sign holds; a sign change shrinks the step
    // to lr eta_plus eta_minus and skips the move; the next step moves by that size.
    {
        auto opt = xoptim::rprop({.lr = 0.1});
        xt::xtensor<double, 1> w{w0};
        opt.step(w, xt::xtensor<double, 1>{g});
        CHECK(w(0) == w0 - 0.1);
        opt.step(w, xt::xtensor<double, 1>{g});
        CHECK(w(0) == doctest::Approx(w0 - 0.1 - 0.12).epsilon(1e-15));
        const double before = w(0);
        opt.step(w, xt::xtensor<double, 1>{-g});
        CHECK(w(0) == before);
        opt.step(w, xt::xtensor<double, 1>{-g});
        CHECK(w(0) == doctest::Approx(before + 0.12 * 0.5).epsilon(1e-15));
    }
}

TEST_CASE("elementwise optimizers: decoupled weight decay is lr * weight_decay * theta, after the rule")
{
    // With a zero gradient, RAdam's and NAdam's directions are 0: only the decay moves theta.
    xt::xtensor<double, 1> w{2.0}, v{2.0};
    auto r = xoptim::radam({.lr = 0.1, .weight_decay = 0.5, .decoupled_weight_decay = true});
    r.step(w, xt::xtensor<double, 1>{0.0});
    CHECK(w(0) == doctest::Approx(2.0 * (1.0 - 0.05)).epsilon(1e-15));
    // Coupled: the decay enters as a gradient, normalised by NAdam's denominator (~ lr sign).
    auto n = xoptim::nadam({.lr = 0.1, .weight_decay = 0.5});
    n.step(v, xt::xtensor<double, 1>{0.0});
    CHECK(v(0) < 2.0 - 0.1);
}

TEST_CASE("elementwise optimizers: N steps, checkpoint, N steps == 2N steps, bit for bit")
{
    auto check = [](const char* name, auto make) {
        CAPTURE(std::string(name));
        constexpr std::uint64_t n = 7;
        auto straight = make();
        auto p_straight = xrel::make_params<double>(5);
        xrel::run_steps(straight, p_straight, 0, 2 * n);

        auto first = make();
        auto p_first = xrel::make_params<double>(5);
        xrel::run_steps(first, p_first, 0, n);
        const auto bytes = xoptim::to_bytes(first, p_first);

        auto resumed = make();
        auto p_resumed = xrel::make_params<double>(6);
        xoptim::from_bytes(bytes, resumed, p_resumed);
        CHECK(resumed.step_count() == n);
        CHECK(xrel::same_state(resumed, first));
        xrel::run_steps(resumed, p_resumed, n, n);
        CHECK(xrel::same_state(resumed, straight));
        for (std::size_t k = 0; k < p_straight.size(); ++k) { CHECK(xrel::same_bits(p_resumed[k], p_straight[k])); }
        // The hyperparameters travel with the file.
        auto other = make();
        other.set(0, "lr", 0.5);
        xoptim::from_bytes(bytes, other, p_resumed);
        CHECK(other.get(0, "lr") == first.get(0, "lr"));
    };
    check("nadam", [] { return xoptim::nadam({.lr = 0.05, .weight_decay = 0.01, .momentum_decay = 0.01}); });
    check("nadam decoupled",
          [] { return xoptim::nadam({.lr = 0.05, .weight_decay = 0.01, .decoupled_weight_decay = true}); });
    check("nadam, cosine", [] { return xoptim::nadam({}, xoptim::cosine_decay{0.05, 10}); });
    check("radam", [] { return xoptim::radam({.lr = 0.05, .beta2 = 0.9, .weight_decay = 0.01}); });
    check("radam decoupled", [] {
        return xoptim::radam({.lr = 0.05, .beta2 = 0.9, .weight_decay = 0.01, .decoupled_weight_decay = true});
    });
    check("adamax", [] { return xoptim::adamax({.lr = 0.05, .weight_decay = 0.01}); });
    check("adadelta", [] { return xoptim::adadelta({.lr = 0.5, .weight_decay = 0.01}); });
    check("rprop", [] { return xoptim::rprop({.lr = 0.05, .eta_minus = 0.4}); });
    check("asgd", [] { return xoptim::asgd({.lr = 0.05, .lambd = 0.01, .t0 = 3, .weight_decay = 0.01}); });

    // Float too, through make_optimizer.
    for (const char* name : {"nadam", "radam", "adamax", "adadelta", "rprop", "asgd"})
    {
        CAPTURE(std::string(name));
        auto straight = xoptim::make_optimizer<float>(name);
        auto p_straight = xrel::make_params<float>(3);
        xrel::run_steps(straight, p_straight, 0, 10);
        auto first = xoptim::make_optimizer<float>(name);
        auto p_first = xrel::make_params<float>(3);
        xrel::run_steps(first, p_first, 0, 5);
        const auto bytes = first.to_bytes(p_first);
        auto resumed = xoptim::make_optimizer<float>(name);
        auto p_resumed = xrel::make_params<float>(4);
        resumed.from_bytes(std::span<const unsigned char>(bytes), p_resumed);
        xrel::run_steps(resumed, p_resumed, 5, 5);
        for (std::size_t k = 0; k < p_straight.size(); ++k) { CHECK(xrel::same_bits(p_resumed[k], p_straight[k])); }
    }
}

TEST_CASE("elementwise optimizers: ASGD's average is readable and a running mean after t0")
{
    // With lambd = 0 and a zero gradient after the first step, theta stays put, and ax, the
    // mean of the parameters since step t0 + 1, equals it.
    auto opt = xoptim::asgd({.lr = 0.1, .lambd = 0.0, .t0 = 2});
    xt::xtensor<double, 1> w{1.0, -1.0};
    std::vector<xt::xtensor<double, 1>> seen;
    for (int k = 1; k <= 8; ++k)
    {
        opt.step(w, xt::xtensor<double, 1>{0.5 * k, -0.25 * k});
        seen.push_back(w);
    }
    // mu_t = 1 / max(1, t - 1 - t0): a copy up to step 4, then the mean of steps 4 .. t.
    const auto& ax = xoptim::averaged_parameters(opt);
    for (std::size_t i = 0; i < 2; ++i)
    {
        double mean = 0.0;
        for (std::size_t k = 3; k < 8; ++k) { mean += seen[k](i) / 5.0; }
        CHECK(ax(i) == doctest::Approx(mean).epsilon(1e-14));
    }
}

TEST_CASE("elementwise optimizers: bad hyperparameters are refused, naming them and their values")
{
    CHECK_THROWS_WITH_AS(xoptim::nadam({.momentum_decay = -1.0}),
                         "nadam: momentum_decay must be finite and >= 0, got -1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::nadam({.beta1 = 1.0}), "nadam: beta1 must be in [0, 1), got 1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::radam({.weight_decay = -0.1}), "radam: weight_decay must be finite and >= 0, got -0.1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adamax({.eps = 0.0}), "adamax: eps must be finite and > 0, got 0",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adadelta({.rho = 1.5}), "adadelta: rho must be in [0, 1], got 1.5",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::rprop({.eta_minus = 1.5}), "rprop: eta_minus must be in (0, 1), got 1.5",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::rprop({.eta_plus = 1.0}), "rprop: eta_plus must be finite and > 1, got 1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::rprop({.step_size_min = 1.0, .step_size_max = 0.5}),
                         "rprop: step_size_max must be >= step_size_min (1), got 0.5", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::asgd({.lambd = -1.0}), "asgd: lambd must be finite and >= 0, got -1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::asgd({.t0 = std::nan("")}), "asgd: t0 must be finite, got nan", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::asgd({.alpha = INFINITY}), "asgd: alpha must be finite, got inf",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::make_optimizer("nadam", {{"decoupled_weight_decay", 2.0}}),
                         "nadam: decoupled_weight_decay must be 0 or 1 (false or true), got 2", std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        xoptim::make_optimizer("rprop", {{"etas", 0.5}}),
        "rprop: 'etas' is not one of its hyperparameters (it takes lr, eta_minus, eta_plus, step_size_min, "
        "step_size_max)",
        std::invalid_argument);
    // Nothing changes on a refused set.
    auto opt = xoptim::asgd();
    CHECK_THROWS_AS(opt.set(0, "lambd", -2.0), std::invalid_argument);
    CHECK(opt.get(0, "lambd") == 1e-4);
}

TEST_CASE("elementwise optimizers: PyTorch's names and defaults")
{
    auto defaults = [](const char* name) {
        std::map<std::string, double> out;
        for (const auto& o : xoptim::optimizer_options(name)) { out[o.name] = o.default_value; }
        return out;
    };
    CHECK(defaults("nadam")
          == std::map<std::string, double>{{"lr", 2e-3},
                                           {"beta1", 0.9},
                                           {"beta2", 0.999},
                                           {"eps", 1e-8},
                                           {"weight_decay", 0.0},
                                           {"momentum_decay", 4e-3},
                                           {"decoupled_weight_decay", 0.0}});
    CHECK(defaults("radam")
          == std::map<std::string, double>{{"lr", 1e-3},
                                           {"beta1", 0.9},
                                           {"beta2", 0.999},
                                           {"eps", 1e-8},
                                           {"weight_decay", 0.0},
                                           {"decoupled_weight_decay", 0.0}});
    CHECK(defaults("adamax")
          == std::map<std::string, double>{
              {"lr", 2e-3}, {"beta1", 0.9}, {"beta2", 0.999}, {"eps", 1e-8}, {"weight_decay", 0.0}});
    CHECK(defaults("adadelta")
          == std::map<std::string, double>{{"lr", 1.0}, {"rho", 0.9}, {"eps", 1e-6}, {"weight_decay", 0.0}});
    CHECK(defaults("rprop")
          == std::map<std::string, double>{
              {"lr", 1e-2}, {"eta_minus", 0.5}, {"eta_plus", 1.2}, {"step_size_min", 1e-6}, {"step_size_max", 50.0}});
    CHECK(defaults("asgd")
          == std::map<std::string, double>{
              {"lr", 1e-2}, {"lambd", 1e-4}, {"alpha", 0.75}, {"t0", 1e6}, {"weight_decay", 0.0}});
}
