#include <doctest/doctest.h>

#include <xoptim/losses/huber.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>

#include <xtensor/xview.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "central_differences.hpp"

namespace
{

    struct not_a_loss
    {
        double value(double, double) const { return 0.0; }
    };

    struct value_only
    {
        template <class P, class Y>
        double value(const P&, const Y&) const
        {
            return 0.0;
        }
    };

    static_assert(xoptim::loss<xoptim::mse>);
    static_assert(xoptim::loss<xoptim::rmse>);
    static_assert(xoptim::loss<xoptim::mae>);
    static_assert(xoptim::loss<xoptim::huber>);
    static_assert(!xoptim::loss<not_a_loss>);
    static_assert(!xoptim::loss<value_only>);
    static_assert(!xoptim::loss<int>);

    const xt::xtensor<double, 1> pred_a = {1.5, -2.0, 0.25, 3.0, -0.75};
    const xt::xtensor<double, 1> y_a = {1.0, -1.0, 0.5, 0.0, -0.70};

    /// Central differences of `l.value` in each prediction.
    template <class L>
    xt::xtensor<double, 1> numeric_gradient(const L& l, const xt::xtensor<double, 1>& p,
                                            const xt::xtensor<double, 1>& y, double h = 1e-6)
    {
        return xoptim_test::central_differences([&](const xt::xtensor<double, 1>& q) { return l.value(q, y); }, p, h);
    }

    template <class L>
    void check_gradient_against_differences(const L& l, const xt::xtensor<double, 1>& p,
                                            const xt::xtensor<double, 1>& y)
    {
        xt::xtensor<double, 1> g;
        l.gradient(p, y, g);
        const auto num = numeric_gradient(l, p, y);
        REQUIRE(g.shape() == num.shape());
        for (std::size_t i = 0; i < g.size(); ++i)
        {
            CAPTURE(i);
            CHECK(g(i) == doctest::Approx(num(i)).epsilon(1e-7));
        }
    }

}  // namespace

TEST_CASE("losses: values by hand")
{
    // residuals r = p - y: 0.5, -1, -0.25, 3, -0.05
    const double sq = 0.25 + 1.0 + 0.0625 + 9.0 + 0.0025;  // 10.315
    CHECK(xoptim::mse{}.value(pred_a, y_a) == doctest::Approx(sq / 5.0).epsilon(1e-15));
    CHECK(xoptim::rmse{}.value(pred_a, y_a) == doctest::Approx(std::sqrt(sq / 5.0)).epsilon(1e-15));
    CHECK(xoptim::mae{}.value(pred_a, y_a) == doctest::Approx((0.5 + 1.0 + 0.25 + 3.0 + 0.05) / 5.0).epsilon(1e-15));
    // Huber, delta 1: 0.125, 0.5, 0.03125, 1*(3-0.5)=2.5, 0.00125
    CHECK(xoptim::huber{}.value(pred_a, y_a)
          == doctest::Approx((0.125 + 0.5 + 0.03125 + 2.5 + 0.00125) / 5.0).epsilon(1e-15));
    // Huber, delta 0.4: 0.4*(0.5-0.2)=0.12, 0.4*(1-0.2)=0.32, 0.03125, 0.4*(3-0.2)=1.12, 0.00125
    CHECK(xoptim::huber{0.4}.value(pred_a, y_a)
          == doctest::Approx((0.12 + 0.32 + 0.03125 + 1.12 + 0.00125) / 5.0).epsilon(1e-15));
}

TEST_CASE("losses: gradients by hand")
{
    xt::xtensor<double, 1> g;
    xoptim::mae{}.gradient(pred_a, y_a, g);
    const xt::xtensor<double, 1> mae_g = {0.2, -0.2, -0.2, 0.2, -0.2};
    REQUIRE(g.shape() == mae_g.shape());
    CHECK(xt::allclose(g, mae_g, 0.0, 1e-15));

    xoptim::huber{}.gradient(pred_a, y_a, g);
    const xt::xtensor<double, 1> huber_g = {0.1, -0.2, -0.05, 0.2, -0.01};
    REQUIRE(g.shape() == huber_g.shape());
    CHECK(xt::allclose(g, huber_g, 0.0, 1e-15));

    xoptim::mse{}.gradient(pred_a, y_a, g);
    const xt::xtensor<double, 1> mse_g = {0.2, -0.4, -0.1, 1.2, -0.02};
    REQUIRE(g.shape() == mse_g.shape());
    CHECK(xt::allclose(g, mse_g, 0.0, 1e-15));
}

TEST_CASE("losses: gradients agree with central differences")
{
    // Residuals kept away from 0 and from Huber's kinks so that the differences are smooth.
    const xt::xtensor<double, 1> p = {0.3, -1.7, 2.2, 0.9, -0.4, 5.0, -3.1};
    const xt::xtensor<double, 1> y = {0.1, -1.0, 2.9, 0.2, 0.4, 1.0, -3.6};
    check_gradient_against_differences(xoptim::mse{}, p, y);
    check_gradient_against_differences(xoptim::rmse{}, p, y);
    check_gradient_against_differences(xoptim::mae{}, p, y);
    check_gradient_against_differences(xoptim::huber{}, p, y);
    check_gradient_against_differences(xoptim::huber{0.3}, p, y);
    check_gradient_against_differences(xoptim::huber{10.0}, p, y);
}

TEST_CASE("losses: zero residuals have a zero gradient, never NaN")
{
    const xt::xtensor<double, 1> p = {1.0, 2.0, 3.0};
    xt::xtensor<double, 1> g = {7.0, 7.0, 7.0};
    xoptim::rmse{}.gradient(p, p, g);
    CHECK(xt::all(xt::equal(g, 0.0)));
    CHECK(xoptim::rmse{}.value(p, p) == 0.0);

    g = {7.0, 7.0, 7.0};
    xoptim::mae{}.gradient(p, p, g);
    CHECK(xt::all(xt::equal(g, 0.0)));

    // One zero residual among others: MAE gives sign(0) = 0 for that sample only.
    const xt::xtensor<double, 1> y = {1.0, 1.0, 4.0};
    xoptim::mae{}.gradient(p, y, g);
    CHECK(g(0) == 0.0);
    CHECK(g(1) == doctest::Approx(1.0 / 3.0));
    CHECK(g(2) == doctest::Approx(-1.0 / 3.0));
}

TEST_CASE("losses: RMSE is the square root of MSE, and its gradient is MSE's over 2 RMSE")
{
    const xt::xtensor<double, 1> p = {0.3, -1.7, 2.2, 0.9};
    const xt::xtensor<double, 1> y = {0.1, -1.0, 2.9, 0.2};
    const double m = xoptim::mse{}.value(p, y);
    CHECK(xoptim::rmse{}.value(p, y) == std::sqrt(m));
    xt::xtensor<double, 1> gm;
    xt::xtensor<double, 1> gr;
    xoptim::mse{}.gradient(p, y, gm);
    xoptim::rmse{}.gradient(p, y, gr);
    for (std::size_t i = 0; i < p.size(); ++i)
    {
        CHECK(gr(i) == doctest::Approx(gm(i) / (2.0 * std::sqrt(m))).epsilon(1e-14));
    }
}

TEST_CASE("losses: work on views and expressions")
{
    const xt::xtensor<double, 1> big = {9.0, 0.3, 9.0, -1.7, 9.0, 2.2};
    auto p = xt::view(big, xt::range(1, 6, 2));  // strided: 0.3, -1.7, 2.2
    const xt::xtensor<double, 1> y = {0.1, -1.0, 2.9};
    const xt::xtensor<double, 1> dense = {0.3, -1.7, 2.2};
    CHECK(xoptim::mse{}.value(p, y) == xoptim::mse{}.value(dense, y));
    CHECK(xoptim::mae{}.value(2.0 * dense, y) == xoptim::mae{}.value(xt::xtensor<double, 1>(2.0 * dense), y));
    xt::xtensor<double, 1> g = xt::zeros<double>({6});
    auto gv = xt::view(g, xt::range(0, 6, 2));
    xoptim::mse{}.gradient(p, y, gv);
    CHECK(g(0) == doctest::Approx(2.0 * 0.2 / 3.0));
    CHECK(g(1) == 0.0);
    CHECK(g(2) == doctest::Approx(2.0 * -0.7 / 3.0));
}

TEST_CASE("losses: bad input")
{
    const xt::xtensor<double, 1> p = {1.0, 2.0, 3.0};
    const xt::xtensor<double, 1> y2 = {1.0, 2.0};
    const xt::xtensor<double, 1> empty = xt::zeros<double>({0});
    CHECK_THROWS_WITH_AS(xoptim::mse{}.value(p, y2), "prediction: size 3 does not match target size 2",
                         std::invalid_argument);
    CHECK_THROWS_AS(xoptim::rmse{}.value(empty, empty), std::invalid_argument);
    xt::xtensor<double, 1> g;
    CHECK_THROWS_AS(xoptim::mae{}.gradient(p, y2, g), std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::huber{0.0}, "delta: must be positive and finite, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::huber{-1.5}, "delta: must be positive and finite, got -1.5", std::invalid_argument);
    CHECK_THROWS_AS(xoptim::huber{std::numeric_limits<double>::quiet_NaN()}, std::invalid_argument);
}
