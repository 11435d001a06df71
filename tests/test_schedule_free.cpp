// Schedule-free SGD and AdamW against a transcription of facebookresearch/schedule_free
// (tests/data/schedule_free.csv, made by scripts/reference/schedule_free.py; see
// tests/data/README.md), their train/eval switch, their group state and checkpoints in both modes.

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/fit.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/xoptim.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xtensor.hpp>

#include "paths.hpp"
#include "reference_csv.hpp"
#include "support.hpp"

using namespace xoptim_test;

namespace
{
    struct sf_case
    {
        std::string name, problem, dtype;
        std::vector<std::pair<std::string, double>> hyper;
        std::vector<std::vector<double>> theta, x;
        std::vector<double> loss;
        std::vector<int> switched;
        bool adamw() const { return name.rfind("adamw", 0) == 0; }
    };

    std::vector<sf_case> read_cases()
    {
        csv_table t;
        read_csv_table("schedule_free.csv", t);
        std::vector<sf_case> out;
        for (const auto& r : t.rows)
        {
            if (out.empty() || out.back().name != r["case"] || out.back().dtype != r["dtype"])
            {
                sf_case c;
                c.name = r["case"];
                c.problem = r["problem"];
                c.dtype = r["dtype"];
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
            c.x.push_back(r.numbers("x"));
            c.loss.push_back(r["loss"].empty() ? 0.0 : r.number("loss"));
            c.switched.push_back(static_cast<int>(r.number("switched")));
        }
        return out;
    }

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

    template <class V>
    std::vector<double> flat_values(const std::vector<xt::xarray<V>>& tensors)
    {
        std::vector<double> out;
        for (const auto& t : tensors)
        {
            for (const auto x : t) { out.push_back(static_cast<double>(x)); }
        }
        return out;
    }

    // Normwise relative error of a row (an element through 0 would make an elementwise one meaningless).
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

    struct errors
    {
        double theta = 0.0, x = 0.0, loss = 0.0;
    };

    template <class V>
    std::vector<xt::xarray<V>> start_of(const sf_case& c)
    {
        if (c.problem == "seed_mse")
        {
            return {xt::xarray<V>{static_cast<V>(c.theta[0][0]), static_cast<V>(c.theta[0][1])}};
        }
        std::vector<xt::xarray<V>> p{xt::xarray<V>::from_shape({3, 4}), xt::xarray<V>::from_shape({5})};
        std::size_t i = 0;
        for (auto& t : p)
        {
            for (auto& x : t) { x = static_cast<V>(c.theta[0].at(i++)); }
        }
        return p;
    }

    template <class V>
    std::vector<xt::xarray<V>> gradients_of(const sf_case& c, const line_data& d, const std::vector<xt::xarray<V>>& p)
    {
        if (c.problem == "seed_mse")
        {
            return {xt::eval(xt::cast<V>(
                line_gradient(d, line_loss::mse, static_cast<double>(p[0](0)), static_cast<double>(p[0](1)))))};
        }
        return {multi_gradient(p[0]), multi_gradient(p[1])};
    }

    // Replays a case with an any_optimizer (typed inside): registered tensors when `registered`,
    // else step(g, params, grads); x is read from a copy of the optimizer and parameters switched to
    // eval mode, as a user evaluates; *_switch cases switch in place after every 10th step.
    template <class V>
    errors replay(const sf_case& c, xoptim::any_optimizer<V> opt, bool registered)
    {
        const line_data d = seed_line();
        std::vector<xt::xarray<V>> p = start_of<V>(c);
        if (registered)
        {
            std::vector<xoptim::tensor_ref<V>> refs;
            for (auto& t : p) { refs.emplace_back(t); }
            opt.add_group(refs);
        }
        auto eval_copy = [&](xoptim::any_optimizer<V> o, std::vector<xt::xarray<V>> q) {
            if (registered)
            {
                // The copy's registered tensors are the originals: switch those, read, switch back.
                o.eval();
                auto x = flat_values(p);
                o.train();
                return x;
            }
            std::vector<xoptim::tensor_ref<V>> refs;
            for (auto& t : q) { refs.emplace_back(t); }
            o.eval(0, refs);
            return flat_values(q);
        };
        errors e;
        for (std::size_t k = 1; k < c.theta.size(); ++k)
        {
            const auto g = gradients_of(c, d, p);
            if (registered)
            {
                std::vector<xoptim::grad_ref<V>> gr;
                for (const auto& t : g) { gr.emplace_back(t); }
                opt.step(gr);
            }
            else { opt.step(0, p, g); }
            // Through a copy (registered: in place and back, which the reference does not do, so
            // the trajectory is compared before it).
            e.theta = std::max(e.theta, worst_of(flat_values(p), c.theta[k]));
            const auto before = flat_values(p);
            const auto x = eval_copy(opt, p);
            if (registered)
            {
                // Put the trajectory back exactly where the reference has it.
                std::size_t i = 0;
                for (auto& t : p)
                {
                    for (auto& v : t) { v = static_cast<V>(before[i++]); }
                }
            }
            e.x = std::max(e.x, worst_of(x, c.x[k]));
            if (c.problem == "seed_mse")
            {
                e.loss = std::max(e.loss, relative_error(line_value(d, line_loss::mse, x[0], x[1]), c.loss[k]));
            }
            if (c.switched[k] != 0)
            {
                if (registered)
                {
                    opt.eval();
                    opt.train();
                }
                else
                {
                    std::vector<xoptim::tensor_ref<V>> refs;
                    for (auto& t : p) { refs.emplace_back(t); }
                    opt.eval(0, refs);
                    opt.eval(0, refs);  // twice is once
                    opt.train(0, refs);
                }
            }
        }
        return e;
    }

    template <class V>
    xoptim::any_optimizer<V> make_for(const sf_case& c)
    {
        return xoptim::make_optimizer<V>(c.adamw() ? "adamw_schedule_free" : "sgd_schedule_free", c.hyper);
    }

    template <class V>
    void check_references(const char* dtype, double tol, double loss_tol)
    {
        const auto cases = read_cases();
        std::size_t seen = 0;
        for (const auto& c : cases)
        {
            if (c.dtype != dtype) { continue; }
            ++seen;
            for (const bool registered : {false, true})
            {
                CAPTURE(c.name);
                CAPTURE(registered);
                const errors e = replay<V>(c, make_for<V>(c), registered);
                std::ostringstream said;
                said << c.name << (registered ? " (registered)" : "") << ": theta " << e.theta << ", x " << e.x
                     << ", loss " << e.loss;
                MESSAGE(said.str());
                CHECK(e.theta <= tol);
                CHECK(e.x <= tol);
                CHECK(e.loss <= loss_tol);
            }
        }
        CHECK(seen == 8);
    }

    template <class Opt>
    auto bytes_of(const Opt& opt, const std::vector<xt::xarray<double>>& p)
    {
        return xoptim::to_bytes(opt, p);
    }
}

TEST_CASE("schedule-free, double: the reference's trajectories and eval points to 1e-9 relative")
{
    check_references<double>("double", 1e-9, 1e-9);
}

TEST_CASE("schedule-free, float: the reference's float32 trajectories to float accuracy")
{
    // The tolerances of tests/test_reference.cpp.
    check_references<float>("float", 1e-4, 1e-3);
}

TEST_CASE("schedule-free: the comparison can fail")
{
    const auto cases = read_cases();
    // r = 0 where the reference has r = 0.5, and weight_lr_power 2 where it has 0: both miss.
    for (const auto& c : cases)
    {
        if (c.dtype != "double") { continue; }
        if (c.name == "sgd_seed_warmup" || c.name == "adamw_multi")
        {
            auto hyper = c.hyper;
            for (auto& [k, v] : hyper)
            {
                if (k == "r" && c.name == "sgd_seed_warmup") { v = 0.0; }
                if (k == "weight_lr_power") { v = 2.0; }
            }
            const auto e = replay<double>(
                c, xoptim::make_optimizer<double>(c.adamw() ? "adamw_schedule_free" : "sgd_schedule_free", hyper),
                false);
            CAPTURE(c.name);
            CHECK(e.x > 1e-6);
        }
    }
}

TEST_CASE("schedule-free: first steps by hand")
{
    // Step 1: c = 1, so y' = z + lr (b (1 - 1) - 1) g = y - lr g, and z' = y - lr g too: x = y' there.
    auto opt = xoptim::sgd_schedule_free({.lr = 0.1, .momentum = 0.9});
    xt::xtensor<double, 1> w{2.0};
    opt.step(w, xt::xtensor<double, 1>{0.5});
    CHECK(w(0) == doctest::Approx(2.0 - 0.1 * 0.5).epsilon(1e-15));
    // Step 2 (lr_max = 0.1, weights 0.01 each: c = 1/2), gradient 0.5 again: z'' = 1.9, y'' =
    // lerp(1.95, 1.95, 1/2) + 0.1 (0.9 / 2 - 1) 0.5 = 1.95 - 0.0275.
    opt.step(w, xt::xtensor<double, 1>{0.5});
    CHECK(w(0) == doctest::Approx(1.95 - 0.0275).epsilon(1e-15));
    CHECK(opt.group(0).group_state.lr_max == 0.1);
    CHECK(opt.group(0).group_state.weight_sum == doctest::Approx(0.02).epsilon(1e-15));
    // x = lerp(y, z, 1 - 1/b): y + (1 - 1/0.9)(z - y), z = 1.9.
    opt.eval(w);
    CHECK(w(0) == doctest::Approx(1.9225 + (1.0 - 1.0 / 0.9) * (1.9 - 1.9225)).epsilon(1e-14));
}

TEST_CASE("schedule-free: the running coefficients equal those recomputed from the first step")
{
    // With constant hyperparameters the group state the optimizer keeps gives the same
    // coefficients as the rule's own replay from step 1 (what update_rule's coefficients(s) is).
    const xoptim::schedule_free_adamw link{0.5, 0.8, 7, 1.5, 1.0};
    xoptim::schedule_free_adamw::group_state st;
    for (std::uint64_t t = 1; t <= 40; ++t)
    {
        const xoptim::step_info s{t};
        st = link.advanced(st, s);
        const auto a = link.coefficients<double>(s, st);
        const auto b = link.coefficients<double>(s);
        CHECK(a.neg_c == b.neg_c);
        CHECK(a.neg_a == b.neg_a);
        CHECK(a.keep == b.keep);
        CHECK(a.lr_beta == b.lr_beta);
    }
    CHECK(st.lr_max == 0.5);
    CHECK(link.learning_rate(xoptim::step_info{3}) == doctest::Approx(0.5 * 3.0 / 7.0).epsilon(1e-15));
}

TEST_CASE("schedule-free: eval and train are each idempotent, and a step in eval mode is refused")
{
    auto opt = xoptim::adamw_schedule_free({.lr = 0.05, .weight_decay = 0.01});
    xt::xarray<double> w{1.0, -2.0, 3.0};
    // Before any step there is no z: both points are the parameter.
    opt.eval(w);
    CHECK(w == xt::xarray<double>{1.0, -2.0, 3.0});
    CHECK(!opt.train_mode());
    CHECK_THROWS_WITH_AS(opt.step(w, xt::xarray<double>{1.0, 1.0, 1.0}),
                         "adamw_schedule_free: step in eval mode (group 0): its parameters are the evaluation point x, "
                         "not the point y gradients are taken at; call train() before stepping",
                         std::logic_error);
    CHECK(opt.step_count() == 0);
    opt.train(w);
    auto grad = [](const xt::xarray<double>& at) {
        xt::xarray<double> g = at;
        for (auto& v : g) { v = 2.0 * v - 1.0; }
        return g;
    };
    for (int k = 0; k < 5; ++k) { opt.step(w, grad(w)); }
    const xt::xarray<double> y = w;
    const auto state = opt.groups();
    opt.eval(w);
    const xt::xarray<double> x = w;
    CHECK(x != y);
    opt.eval(w);  // a no-op
    CHECK(w == x);
    CHECK_THROWS_AS(opt.step(w, grad(w)), std::logic_error);
    CHECK(w == x);
    CHECK(opt.step_count() == 5);
    CHECK(opt.state(0, 0).slots == state[0].tensors[0].slots);
    opt.train(w);
    const xt::xarray<double> back = w;
    CHECK(xt::allclose(back, y, 1e-15, 1e-15));
    opt.train(w);  // a no-op
    CHECK(w == back);
    // A wrong shape is refused with nothing changed.
    xt::xarray<double> other{1.0, 2.0};
    CHECK_THROWS_WITH_AS(opt.eval(other),
                         "adamw_schedule_free::eval: tensor 0 of group 0 has shape {2} but its state has shape {3}",
                         std::invalid_argument);
    CHECK(opt.train_mode());
}

TEST_CASE("schedule-free: registered groups switch together; unregistered state needs its tensors")
{
    xt::xarray<double> a{1.0, 2.0}, b{{0.5, -0.5}, {1.5, 2.5}};
    auto opt = xoptim::sgd_schedule_free({.lr = 0.1});
    opt.add_group({a});
    opt.add_group({b}, {{"momentum", 0.5}});
    for (int k = 0; k < 3; ++k) { opt.step({xoptim::grad_ref<double>(a), xoptim::grad_ref<double>(b)}); }
    const xt::xarray<double> ya = a, yb = b;
    opt.eval();
    CHECK(!opt.train_mode(0));
    CHECK(!opt.train_mode(1));
    CHECK(a != ya);
    CHECK(b != yb);
    CHECK_THROWS_AS(opt.step({xoptim::grad_ref<double>(a), xoptim::grad_ref<double>(b)}), std::logic_error);
    CHECK_THROWS_AS(opt.eval(a), std::invalid_argument);  // registered: eval() switches it
    opt.train();
    CHECK(xt::allclose(a, ya, 1e-15, 1e-15));
    CHECK(xt::allclose(b, yb, 1e-15, 1e-15));

    auto plain = xoptim::sgd_schedule_free({.lr = 0.1});
    xt::xarray<double> w{1.0};
    plain.step(w, xt::xarray<double>{1.0});
    plain.step(w, xt::xarray<double>{1.0});
    CHECK_THROWS_WITH_AS(plain.eval(),
                         "sgd_schedule_free::eval: group 0 has state but no registered tensors; pass its "
                         "tensors: eval(w) for group 0's one tensor, eval(g, params) for a group",
                         std::invalid_argument);
    CHECK(plain.train_mode());
}

TEST_CASE("schedule-free: checkpoints in train and in eval mode resume bit for bit")
{
    for (const char* name : {"sgd_schedule_free", "adamw_schedule_free"})
    {
        for (const bool eval_mode : {false, true})
        {
            CAPTURE(name);
            CAPTURE(eval_mode);
            auto run = xoptim::make_optimizer<double>(
                name, {{"lr", 0.05}, {"warmup_steps", 3}, {"weight_decay", 0.01}, {"r", 1.0}});
            std::vector<xt::xarray<double>> p{xt::xarray<double>{1.0, -2.0, 0.5}};
            auto grad = [&] {
                xt::xarray<double> g = p[0];
                for (auto& v : g) { v = 2.0 * v * v * v - 1.0; }
                return std::vector<xt::xarray<double>>{g};
            };
            auto step = [&](xoptim::any_optimizer<double>& o) {
                auto g = grad();
                o.step(0, p, g);
            };
            for (int k = 0; k < 7; ++k) { step(run); }
            std::vector<xoptim::tensor_ref<double>> refs{xoptim::tensor_ref<double>(p[0])};
            if (eval_mode) { run.eval(0, refs); }
            const auto bytes = run.to_bytes(p);
            auto saved = p;
            auto finish = [&](xoptim::any_optimizer<double>& o) {
                std::vector<xoptim::tensor_ref<double>> r{xoptim::tensor_ref<double>(p[0])};
                CHECK(o.train_mode() == !eval_mode);
                if (eval_mode) { o.train(0, r); }
                for (int k = 0; k < 6; ++k) { step(o); }
                o.eval(0, r);
                return p[0];
            };
            const xt::xarray<double> first = finish(run);

            p = std::vector<xt::xarray<double>>{xt::xarray<double>{9.0, 9.0, 9.0}};
            auto resumed = xoptim::make_optimizer<double>(
                name, {{"lr", 0.05}, {"warmup_steps", 3}, {"weight_decay", 0.01}, {"r", 1.0}});
            resumed.from_bytes(bytes, p);
            CHECK(p[0] == saved[0]);
            CHECK(resumed.step_count() == 7);
            const xt::xarray<double> second = finish(resumed);
            CHECK(first == second);  // bit for bit
        }
    }
}

TEST_CASE("schedule-free: the group state is checkpointed and a damaged one refused")
{
    auto opt = xoptim::sgd_schedule_free({.lr = 0.2, .warmup_steps = 4});
    xt::xarray<double> w{1.0, 2.0};
    for (int k = 0; k < 3; ++k)
    {
        const xt::xarray<double> g = w;
        opt.step(w, g);
    }
    const auto bytes = xoptim::to_bytes(opt);
    auto back = xoptim::sgd_schedule_free({.lr = 0.2, .warmup_steps = 4});
    xoptim::from_bytes(bytes, back);
    CHECK(back.group(0).group_state == opt.group(0).group_state);
    CHECK(back.group(0).group_state.lr_max == doctest::Approx(0.15).epsilon(1e-15));
    // A kind check: another optimizer's file is refused.
    auto other = xoptim::adamw_schedule_free();
    CHECK_THROWS_AS(xoptim::from_bytes(bytes, other), xoptim::checkpoint_error);
}

TEST_CASE("schedule-free: hyperparameters, names and defaults")
{
    CHECK(xoptim::make_optimizer<double>("sgd_schedule_free").hyperparameter_names()
          == std::vector<std::string>{"weight_decay", "lr", "momentum", "warmup_steps", "r", "weight_lr_power"});
    CHECK(xoptim::make_optimizer<double>("adamw_schedule_free").hyperparameter_names()
          == std::vector<std::string>{"beta2", "eps", "weight_decay", "lr", "beta1", "warmup_steps", "r",
                                      "weight_lr_power"});
    auto a = xoptim::make_optimizer<double>("adamw_schedule_free");
    CHECK(a.get(0, "lr") == 0.0025);
    CHECK(a.get(0, "beta1") == 0.9);
    CHECK(a.get(0, "beta2") == 0.999);
    CHECK(a.get(0, "eps") == 1e-8);
    CHECK(a.get(0, "weight_lr_power") == 2.0);
    CHECK(xoptim::make_optimizer<double>("sgd_schedule_free").get(0, "lr") == 1.0);
    CHECK(a.has_eval_mode());
    CHECK(!xoptim::make_optimizer<double>("adam").has_eval_mode());
    CHECK_THROWS_WITH_AS(xoptim::sgd_schedule_free({.momentum = 0.0}),
                         "sgd_schedule_free: momentum must be in (0, 1), got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adamw_schedule_free({.beta1 = 1.0}),
                         "adamw_schedule_free: beta1 must be in (0, 1), got 1", std::invalid_argument);
    CHECK_THROWS_AS(xoptim::sgd_schedule_free({.lr = -1.0}), std::invalid_argument);
    CHECK_THROWS_AS(xoptim::make_optimizer<double>("sgd_schedule_free", {{"warmup_steps", 1.5}}),
                    std::invalid_argument);
    // The scheduled rate of the next step is readable (the reference's group['scheduled_lr'] after it).
    auto s = xoptim::sgd_schedule_free({.lr = 0.4, .warmup_steps = 4});
    CHECK(s.learning_rate() == doctest::Approx(0.1).epsilon(1e-15));
}

TEST_CASE("schedule-free: fit records the evaluation point x and the loss there, gradients at y")
{
    // The typed optimizer (eval(theta) and train(theta), no has_eval_mode) through xoptim::fit.
    const auto cases = read_cases();
    const auto it = std::find_if(cases.begin(), cases.end(),
                                 [](const sf_case& c) { return c.name == "sgd_seed_warmup" && c.dtype == "double"; });
    REQUIRE(it != cases.end());
    const xoptim::linear_regression<xoptim::mse> problem(
        xoptim::load_csv(std::string(xoptim_test::data_dir()) + "/data.csv"));
    xt::xtensor<double, 1> theta = {-10.0, -20.0};
    auto opt =
        xoptim::sgd_schedule_free({.lr = 0.1, .momentum = 0.8, .weight_decay = 0.01, .warmup_steps = 10, .r = 0.5});
    const auto result = xoptim::fit(problem, opt, theta, {.epochs = 100});
    REQUIRE(result.history.size() == 101);
    double worst = 0.0, worst_loss = 0.0;
    for (std::size_t k = 0; k <= 100; ++k)
    {
        const auto& r = result.history[k];
        worst = std::max(worst, worst_of({r.theta(0), r.theta(1)}, it->x[k]));
        worst_loss = std::max(worst_loss, relative_error(r.loss, it->loss[k]));
    }
    CHECK(worst < 1e-9);
    CHECK(worst_loss < 1e-9);
    // theta itself is y, in train mode: the stored trajectory.
    CHECK(opt.train_mode());
    CHECK(worst_of({theta(0), theta(1)}, it->theta[100]) < 1e-9);
    CHECK(worst_of({theta(0), theta(1)}, it->x[100]) > 1e-6);
}
