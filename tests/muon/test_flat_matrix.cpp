// flat_matrix (muon/flat_matrix.hpp): Muon and Shampoo stepping a flat vector as a matrix in place,
// step for step the matrix run; their checkpoints with the parameters; their options by name.
#include <doctest/doctest.h>

#include <xoptim/fit.hpp>
#include <xoptim/muon.hpp>
#include <xoptim/muon/flat_matrix.hpp>
#include <xoptim/problems/multi_output_regression.hpp>
#include <xoptim/shampoo.hpp>

#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <tuple>
#include <vector>

namespace
{
    using vec = xt::xtensor<double, 1>;
    using mat = xt::xtensor<double, 2>;

    static_assert(xoptim::matrix_stepper<xoptim::muon_optimizer<double>>);
    static_assert(xoptim::matrix_stepper<xoptim::shampoo_optimizer<float>>);
    static_assert(!xoptim::matrix_stepper<xoptim::muon_adamw<double>>);
    static_assert(!xoptim::matrix_stepper<double>);
    static_assert(xoptim::steppable<xoptim::flat_matrix<xoptim::muon_optimizer<double>>, vec>);

    xoptim::multi_output_regression<xoptim::mse> problem()
    {
        xoptim::multi_output_data_options o;
        o.size = 40;
        o.features = 5;
        o.outputs = 3;
        return xoptim::multi_output_regression<xoptim::mse>(xoptim::multi_output_data(4, o));
    }

    // The same run twice: the matrix stepped as a matrix, and a flat vector through flat_matrix
    // and fit(); equal bit for bit after every step.
    template <class M>
    void same_as_matrix_run(M opt, std::size_t steps)
    {
        const auto p = problem();
        mat w = xt::zeros<double>({std::size_t{6}, std::size_t{3}});
        mat g = xt::zeros<double>({std::size_t{6}, std::size_t{3}});
        std::vector<std::vector<double>> by_matrix;
        M direct = opt;
        for (std::size_t k = 0; k < steps; ++k)
        {
            p.gradient(w, g);
            direct.step(w, g);
            by_matrix.emplace_back(w.begin(), w.end());
        }
        xoptim::flat_matrix<M> flat(opt, 6, 3);
        vec theta = xt::zeros<double>({std::size_t{18}});
        xoptim::fit_options fo;
        fo.epochs = steps;
        const auto result = xoptim::fit(p, flat, theta, fo);
        REQUIRE(result.history.size() == steps + 1);
        for (std::size_t k = 0; k < steps; ++k)
        {
            CAPTURE(k);
            const auto& t = result.history[k + 1].theta;
            CHECK(std::vector<double>(t.begin(), t.end()) == by_matrix[k]);
        }
        CHECK(flat.step_count() == steps);
    }
}

TEST_CASE("flat_matrix: Muon and Shampoo on a flat vector step as on the matrix, bit for bit")
{
    xoptim::muon_options mo;
    mo.lr = 0.05;
    mo.weight_decay = 0.01;
    same_as_matrix_run(xoptim::muon<double>(mo), 25);
    xoptim::shampoo_options so;
    so.lr = 0.1;
    so.precondition_frequency = 3;
    same_as_matrix_run(xoptim::shampoo<double>(so), 25);
}

TEST_CASE("flat_matrix: a vector of the wrong size, or not packed, is refused and nothing changes")
{
    xoptim::flat_matrix flat(xoptim::muon<double>(), 2, 3);
    vec theta = {1, 2, 3, 4, 5, 6};
    const vec before = theta;
    vec short_grad = {1, 2, 3};
    CHECK_THROWS_WITH_AS(flat.step(theta, short_grad), "muon::step: grad has 3 values, the matrix {2, 3} has 6",
                         std::invalid_argument);
    vec long_theta = xt::zeros<double>({std::size_t{7}});
    vec grad7 = xt::zeros<double>({std::size_t{7}});
    CHECK_THROWS_WITH_AS(flat.step(long_theta, grad7), "muon::step: theta has 7 values, the matrix {2, 3} has 6",
                         std::invalid_argument);
    vec twelve = xt::zeros<double>({std::size_t{12}});
    auto strided = xt::view(twelve, xt::range(0, 12, 2));
    vec grad = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    CHECK_THROWS_WITH_AS(flat.step(strided, grad), doctest::Contains("not packed in row-major order"),
                         std::invalid_argument);
    CHECK(theta == before);
    CHECK(flat.step_count() == 0);
    CHECK_THROWS_WITH_AS(xoptim::flat_matrix(xoptim::muon<double>(), 0, 3),
                         "muon: a flat matrix of shape {0, 3} has no elements, or more than a size_t counts",
                         std::invalid_argument);
}

TEST_CASE("matrix checkpoints with the parameters: saved after the state, restored with it, checked")
{
    xoptim::muon_options mo;
    mo.lr = 0.02;
    auto opt = xoptim::muon<double>(mo);
    mat w = {{1.0, -2.0, 0.5}, {0.25, 3.0, -1.5}};
    const mat g = {{0.3, -0.1, 0.2}, {0.05, -0.4, 0.6}};
    opt.step(w, g);
    const xoptim::checkpoint_identity id{"a 2 x 3 layer", {"w"}};
    const auto with_w = xoptim::to_bytes(opt, w, id);
    const auto without = xoptim::to_bytes(opt, id);
    CHECK(with_w.size() > without.size());

    // A file without parameters is what it always was: loading it gives the state alone.
    auto plain = xoptim::muon<double>(mo);
    xoptim::from_bytes(std::span<const unsigned char>(without), plain, id);
    CHECK(plain.step_count() == 1);

    // Continue both: the restored pair steps as the original.
    auto restored = xoptim::muon<double>(mo);
    mat w2 = xt::zeros<double>({std::size_t{2}, std::size_t{3}});
    xoptim::from_bytes(std::span<const unsigned char>(with_w), restored, w2, id);
    CHECK(w2 == w);
    opt.step(w, g);
    restored.step(w2, g);
    CHECK(w2 == w);

    // Asking for parameters a file does not hold, or of another shape, changes nothing.
    auto untouched = xoptim::muon<double>(mo);
    mat w3 = xt::zeros<double>({std::size_t{2}, std::size_t{3}});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(without), untouched, w3, id),
                         "xoptim checkpoint: parameters: expected the checkpoint to hold them, found none",
                         xoptim::checkpoint_error);
    mat wrong = xt::zeros<double>({std::size_t{3}, std::size_t{2}});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(with_w), untouched, wrong, id),
                         doctest::Contains("parameter 0 shape: expected {3, 2}"), xoptim::checkpoint_error);
    CHECK(untouched.step_count() == 0);
    CHECK(wrong == mat(xt::zeros<double>({std::size_t{3}, std::size_t{2}})));

    // Shampoo's files hold them the same way.
    auto sh = xoptim::shampoo<double>();
    mat ws = w;
    sh.step(ws, g);
    const auto bytes = xoptim::to_bytes(sh, ws);
    auto sh2 = xoptim::shampoo<double>();
    mat ws2 = xt::zeros<double>({std::size_t{2}, std::size_t{3}});
    xoptim::from_bytes(std::span<const unsigned char>(bytes), sh2, ws2);
    CHECK(ws2 == ws);
    CHECK(sh2.step_count() == 1);
}

TEST_CASE("muon_options and shampoo_options declare their hyperparameters once: names, defaults, checks")
{
    const std::tuple<xoptim::muon_options> muon{};
    std::vector<std::string> names;
    for (const auto& e : xoptim::detail::named_entries(muon)) { names.push_back(e.path); }
    CHECK(names
          == std::vector<std::string>{"lr", "weight_decay", "momentum", "nesterov", "eps", "ns_steps", "adjust_lr_fn"});
    CHECK(xoptim::detail::get_named(muon, "momentum", {}, "muon") == 0.95);
    CHECK(xoptim::detail::get_named(muon, "nesterov", {}, "muon") == 1.0);
    xoptim::muon_options o;
    o.ns_steps = 100;
    CHECK_THROWS_WITH_AS(xoptim::muon<double>(o), "muon: ns_steps must be < 100, got 100", std::invalid_argument);
    o = {};
    o.adjust_lr_fn = static_cast<xoptim::muon_lr_adjustment>(2);
    CHECK_THROWS_WITH_AS(xoptim::muon<double>(o),
                         "muon: adjust_lr_fn must be original (0) or match_rms_adamw (1), got 2",
                         std::invalid_argument);
    o = {};
    o.ns_coefficients[1] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(xoptim::muon<double>(o), "muon: ns_coefficients[1] must be finite, got inf",
                         std::invalid_argument);

    const std::tuple<xoptim::shampoo_options> shampoo{};
    std::size_t count = 0;
    for (const auto& e : xoptim::detail::named_entries(shampoo))
    {
        (void)e;
        ++count;
    }
    CHECK(count == 14);
    xoptim::shampoo_options s;
    s.beta2 = 0.0;
    CHECK_THROWS_WITH_AS(xoptim::shampoo<double>(s), "shampoo: beta2 must be in (0, 1], got 0", std::invalid_argument);
    s = {};
    s.precondition_frequency = 4;
    s.start_preconditioning_step = 2;
    CHECK_THROWS_WITH_AS(xoptim::shampoo<double>(s),
                         "shampoo: start_preconditioning_step must be >= precondition_frequency (or -1), got 2",
                         std::invalid_argument);
    s = {};
    s.start_preconditioning_step = -2;
    CHECK_THROWS_WITH_AS(xoptim::shampoo<double>(s), "shampoo: start_preconditioning_step must be >= -1, got -2",
                         std::invalid_argument);
}
