// The multi-output regression (problems/multi_output_regression.hpp): its loss by hand, its
// gradient against central differences, one output equal to linear_regression bit for bit, the
// matrix and the flat forms alike, the data it is made from, and bad input.
#include <doctest/doctest.h>

#include <xoptim/losses/huber.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/multi_output_regression.hpp>
#include <xoptim/problems/seed_data.hpp>

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "central_differences.hpp"

namespace
{
    using vec = xt::xtensor<double, 1>;
    using mat = xt::xtensor<double, 2>;

    static_assert(xoptim::separable_objective<xoptim::multi_output_regression<xoptim::mae>, vec>);
    static_assert(xoptim::separable_objective<xoptim::multi_output_regression<xoptim::huber>, mat>);
    static_assert(!xoptim::objective<xoptim::multi_output_dataset, vec>);

    // Five samples, two inputs, three targets, no exact fit.
    xoptim::multi_output_dataset small()
    {
        xoptim::multi_output_dataset d{xt::zeros<double>({std::size_t{5}, std::size_t{2}}),
                                       xt::zeros<double>({std::size_t{5}, std::size_t{3}})};
        const double rows[5][5] = {{0.1, 2.0, 3.3, -1.0, 0.5},
                                   {0.7, -1.2, -0.2, 0.4, 1.5},
                                   {-0.5, 0.3, 1.9, 2.2, -0.7},
                                   {1.4, 0.9, 4.1, -0.7, 0.0},
                                   {-1.1, -0.4, -2.8, 0.1, 2.5}};
        for (std::size_t i = 0; i < 5; ++i)
        {
            d.x(i, 0) = rows[i][0];
            d.x(i, 1) = rows[i][1];
            for (std::size_t c = 0; c < 3; ++c) { d.y(i, c) = rows[i][2 + c]; }
        }
        return d;
    }

    const vec theta_flat = {0.3, -0.8, 1.7, 0.45, 0.2, -1.1, -0.6, 0.9, 0.05};

    template <class Loss>
    void check_gradients(Loss l)
    {
        const xoptim::multi_output_regression<Loss> problem(small(), l);
        vec g;
        problem.gradient(theta_flat, g);
        const vec numeric =
            xoptim_test::central_differences([&](const vec& t) { return problem.value(t); }, theta_flat, 1e-6);
        REQUIRE(g.size() == 9);
        for (std::size_t i = 0; i < 9; ++i)
        {
            CAPTURE(i);
            CHECK(g(i) == doctest::Approx(numeric(i)).epsilon(1e-6).scale(1e-3));
        }
        const std::vector<std::size_t> batch = {4, 1};
        vec gb;
        problem.gradient(theta_flat, batch, gb);
        const vec numeric_b =
            xoptim_test::central_differences([&](const vec& t) { return problem.value(t, batch); }, theta_flat, 1e-6);
        for (std::size_t i = 0; i < 9; ++i)
        {
            CAPTURE(i);
            CHECK(gb(i) == doctest::Approx(numeric_b(i)).epsilon(1e-6).scale(1e-3));
        }
    }
}

TEST_CASE("multi_output_regression: the loss of [1 X] W over every entry, by hand")
{
    const auto data = small();
    const xoptim::multi_output_regression<xoptim::mse> problem(data);
    CHECK(problem.size() == 5);
    CHECK(problem.features() == 2);
    CHECK(problem.outputs() == 3);
    CHECK(problem.dimension() == 9);
    CHECK(problem.matrix_shape() == std::array<std::size_t, 2>{3, 3});
    double sq = 0.0;
    for (std::size_t i = 0; i < 5; ++i)
    {
        for (std::size_t c = 0; c < 3; ++c)
        {
            const double p = theta_flat(c) + theta_flat(3 + c) * data.x(i, 0) + theta_flat(6 + c) * data.x(i, 1);
            sq += (p - data.y(i, c)) * (p - data.y(i, c));
        }
    }
    CHECK(problem.value(theta_flat) == doctest::Approx(sq / 15).epsilon(1e-14));
    // Sample 0 alone: 3 entries.
    double s0 = 0.0;
    for (std::size_t c = 0; c < 3; ++c)
    {
        const double p = theta_flat(c) + theta_flat(3 + c) * 0.1 + theta_flat(6 + c) * 2.0;
        s0 += (p - data.y(0, c)) * (p - data.y(0, c));
    }
    const std::vector<std::size_t> first = {0};
    CHECK(problem.value(theta_flat, first) == doctest::Approx(s0 / 3).epsilon(1e-14));
}

TEST_CASE("multi_output_regression: gradients agree with central differences, full and batch")
{
    check_gradients(xoptim::mse{});
    check_gradients(xoptim::rmse{});
    check_gradients(xoptim::mae{});
    check_gradients(xoptim::huber{0.5});
}

TEST_CASE("multi_output_regression: W as a matrix or as its flat vector gives the same numbers")
{
    const xoptim::multi_output_regression<xoptim::huber> problem(small());
    mat w = xt::zeros<double>({std::size_t{3}, std::size_t{3}});
    std::copy(theta_flat.begin(), theta_flat.end(), w.begin());
    vec g_flat;
    mat g_matrix = xt::zeros<double>({std::size_t{3}, std::size_t{3}});
    const double v_flat = problem.value_and_gradient(theta_flat, g_flat);
    const double v_matrix = problem.value_and_gradient(w, g_matrix);
    CHECK(v_flat == v_matrix);
    for (std::size_t i = 0; i < 9; ++i) { CHECK(g_flat(i) == g_matrix.data()[i]); }
}

TEST_CASE("multi_output_regression: one output is linear_regression to the last bit")
{
    const xoptim::dataset seed = xoptim::seed_data(3);
    const auto split = xoptim::split_outputs(xoptim::dataset{seed.x, seed.y}, 1);
    const xoptim::linear_regression<xoptim::rmse> single(seed);
    const xoptim::multi_output_regression<xoptim::rmse> multi(split);
    const vec theta = {-10.0, -20.0};
    vec g1, g2;
    CHECK(single.value_and_gradient(theta, g1) == multi.value_and_gradient(theta, g2));
    CHECK(g1(0) == g2(0));
    CHECK(g1(1) == g2(1));
    const std::vector<std::size_t> batch = {7, 3, 99};
    single.gradient(theta, batch, g1);
    multi.gradient(theta, batch, g2);
    CHECK(g1(0) == g2(0));
    CHECK(g1(1) == g2(1));
    const mat w = multi.least_squares();
    const vec t = single.least_squares();
    CHECK(w(0, 0) == t(0));
    CHECK(w(1, 0) == t(1));
}

TEST_CASE("multi_output_regression: the least squares W is where the MSE gradient vanishes")
{
    const xoptim::multi_output_regression<xoptim::mse> problem(small());
    const mat w = problem.least_squares();
    mat g = xt::zeros<double>({std::size_t{3}, std::size_t{3}});
    problem.gradient(w, g);
    for (const double v : g) { CHECK(std::abs(v) < 1e-12); }
}

TEST_CASE("split_outputs: the last K columns become the targets")
{
    xoptim::dataset table{xt::zeros<double>({std::size_t{2}, std::size_t{3}}), xt::zeros<double>({2})};
    table.x = {{1.0, 2.0, 3.0}, {5.0, 6.0, 7.0}};
    table.y = {4.0, 8.0};
    const auto d = xoptim::split_outputs(table, 2);
    CHECK(d.features() == 2);
    CHECK(d.outputs() == 2);
    CHECK(d.x(1, 1) == 6.0);
    CHECK(d.y(0, 0) == 3.0);
    CHECK(d.y(0, 1) == 4.0);
    CHECK(d.y(1, 0) == 7.0);
    CHECK_THROWS_WITH_AS(xoptim::split_outputs(table, 4),
                         "outputs: 4 target columns of 4 (at least 1, and at least one input column left)",
                         std::invalid_argument);
    CHECK_THROWS_AS(xoptim::split_outputs(table, 0), std::invalid_argument);
}

TEST_CASE("multi_output_data: seeded, y = [1 x] W* + U(0, noise), its draws in the documented order")
{
    xoptim::multi_output_data_options o;
    o.size = 6;
    o.features = 2;
    o.outputs = 3;
    const auto a = xoptim::multi_output_data(11, o);
    const auto b = xoptim::multi_output_data(11, o);
    const auto c = xoptim::multi_output_data(12, o);
    CHECK(a.x == b.x);
    CHECK(a.y == b.y);
    CHECK(a.x != c.x);
    // Redraw by hand: x, then W*, then the noise, each uniform from the top 53 bits of a draw.
    std::mt19937_64 rng(11);
    const auto unit = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
    mat x = xt::zeros<double>({std::size_t{6}, std::size_t{2}});
    for (auto& v : x) { v = -1.0 + 2.0 * unit(); }
    mat w = xt::zeros<double>({std::size_t{3}, std::size_t{3}});
    for (auto& v : w) { v = 5.0 * (-1.0 + 2.0 * unit()); }
    CHECK(x == a.x);
    for (std::size_t i = 0; i < 6; ++i)
    {
        for (std::size_t k = 0; k < 3; ++k)
        {
            const double clean = w(0, k) + w(1, k) * x(i, 0) + w(2, k) * x(i, 1);
            CHECK(a.y(i, k) == clean + unit());
        }
    }
    o.features = 0;
    CHECK_THROWS_WITH_AS(xoptim::multi_output_data(0, o), "features: must be at least 1, got 0", std::invalid_argument);
}

TEST_CASE("multi_output_regression: bad input is named")
{
    const xoptim::multi_output_regression<xoptim::mse> problem(small());
    const vec short_theta = {1.0, 2.0};
    CHECK_THROWS_WITH_AS(
        problem.value(short_theta),
        "theta: 2 values in a tensor of rank 1, expected the 3 x 3 matrix W (intercepts and one row of "
        "weights per input) or its 9 values as one vector",
        std::invalid_argument);
    mat wrong = xt::zeros<double>({std::size_t{3}, std::size_t{2}});
    vec g;
    CHECK_THROWS_AS(problem.gradient(wrong, g), std::invalid_argument);
    const std::vector<std::size_t> out_of_range = {5};
    CHECK_THROWS_WITH_AS(problem.value(theta_flat, out_of_range), "batch: index 5 out of range for 5 samples",
                         std::invalid_argument);
    mat x = xt::zeros<double>({std::size_t{2}, std::size_t{1}});
    mat y = xt::zeros<double>({std::size_t{3}, std::size_t{1}});
    CHECK_THROWS_WITH_AS((xoptim::multi_output_regression<xoptim::mse>(x, y)), "x: 2 rows do not match the 3 rows of y",
                         std::invalid_argument);
    mat y2 = xt::zeros<double>({std::size_t{2}, std::size_t{1}});
    y2(1, 0) = std::nan("");
    CHECK_THROWS_WITH_AS((xoptim::multi_output_regression<xoptim::mse>(x, y2)), "y: non-finite value at row 1",
                         std::invalid_argument);
}
