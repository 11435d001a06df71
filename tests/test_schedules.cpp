// Learning-rate schedules against values worked by hand from PyTorch's lr_scheduler formulas,
// and their use inside an optimizer (the rate is evaluated once per step).

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

using doctest::Approx;

TEST_CASE("constant, step, exponential and inverse-time decay")
{
    CHECK(xoptim::rate_at(0.25, 7) == 0.25);
    const xoptim::step_decay s{1.0, 3, 0.5};
    CHECK(s(0) == 1.0);
    CHECK(s(2) == 1.0);
    CHECK(s(3) == 0.5);
    CHECK(s(7) == 0.25);
    CHECK(xoptim::exponential_decay{2.0, 0.5}(3) == 0.25);
    CHECK(xoptim::inverse_time_decay{1.0, 0.5}(2) == 0.5);
}

TEST_CASE("cosine decay, with and without warm restarts")
{
    const xoptim::cosine_decay c{1.0, 4, 0.0};
    CHECK(c(0) == Approx(1.0));
    CHECK(c(1) == Approx((1 + std::cos(std::numbers::pi / 4)) / 2));
    CHECK(c(2) == Approx(0.5));
    CHECK(c(4) == Approx(0.0));
    CHECK(c(9) == Approx(0.0));  // held at eta_min
    const xoptim::cosine_decay r{1.0, 4, 0.1, true, 1};
    CHECK(r(4) == Approx(1.0));
    CHECK(r(6) == Approx(0.55));
    const xoptim::cosine_decay r2{1.0, 2, 0.0, true, 2};  // periods 2, 4, 8
    CHECK(r2(2) == Approx(1.0));
    CHECK(r2(4) == Approx(0.5));  // half-way through the second period (steps 2..5)
    CHECK(r2(6) == Approx(1.0));
}

TEST_CASE("linear warm-up in front of any schedule")
{
    const xoptim::linear_warmup w{xoptim::cosine_decay{1.0, 10, 0.0}, 4, 0.0};
    CHECK(w(0) == 0.0);
    CHECK(w(2) == Approx(0.5));
    CHECK(w(4) == Approx(1.0));
    CHECK(w(9) == Approx(0.5));  // cosine at 5 of 10
}

TEST_CASE("one-cycle: up from max/div to max over pct_start, down to initial/final_div")
{
    const xoptim::one_cycle o{1.0, 10, 0.3, 25.0, 1e4};
    CHECK(o(0) == Approx(0.04));
    CHECK(o(1) == Approx(0.04 + (1.0 - 0.04) / 2));  // half-way up (up phase ends at step 2)
    CHECK(o(2) == Approx(1.0));
    CHECK(o(9) == Approx(0.04 / 1e4));
    CHECK(o(5) < o(4));
}

TEST_CASE("an optimizer evaluates its schedule at the number of steps taken")
{
    auto opt = xoptim::sgd({}, xoptim::step_decay{1.0, 2, 0.1});
    xt::xtensor<double, 1> w = {0.0};
    const xt::xtensor<double, 1> g = {1.0};
    std::vector<double> deltas;
    for (int k = 0; k < 4; ++k)
    {
        CHECK(opt.learning_rate() == Approx(k < 2 ? 1.0 : 0.1));
        const double before = w(0);
        opt.step(w, g);
        deltas.push_back(before - w(0));
    }
    CHECK(deltas[0] == Approx(1.0));
    CHECK(deltas[1] == Approx(1.0));
    CHECK(deltas[2] == Approx(0.1));
    CHECK(deltas[3] == Approx(0.1));
}

TEST_CASE("bad schedule parameters are refused by name")
{
    CHECK_THROWS_WITH_AS(xoptim::sgd({}, xoptim::step_decay{1.0, 0, 0.1}),
                         "sgd: schedule.step_size must be finite and >= 1, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adam({}, xoptim::one_cycle{1.0, 10, 1.5}),
                         "adam: schedule.pct_start must be in (0, 1), got 1.5", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adam({}, -1.0), "adam: lr must be finite and >= 0, got -1", std::invalid_argument);
}
