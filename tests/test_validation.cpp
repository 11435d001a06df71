// Invalid hyperparameters are refused at construction with std::invalid_argument naming the
// optimizer, the argument and its value.

#include <doctest/doctest.h>

#include <limits>

#include <xoptim/xoptim.hpp>
#include <xtensor/xtensor.hpp>

namespace
{
    constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("learning rates: negative or NaN")
{
    CHECK_THROWS_WITH_AS(xoptim::sgd({.lr = -0.1}), "sgd: lr must be finite and >= 0, got -0.1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adam({.lr = not_a_number}), "adam: lr must be finite and >= 0, got nan",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::lamb({.lr = std::numeric_limits<double>::infinity()}),
                         "lamb: lr must be finite and >= 0, got inf", std::invalid_argument);
}

TEST_CASE("betas outside [0, 1)")
{
    CHECK_THROWS_WITH_AS(xoptim::adam({.beta1 = 1.0}), "adam: beta1 must be in [0, 1), got 1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adamw({.beta2 = -0.5}), "adamw: beta2 must be in [0, 1), got -0.5",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::amsgrad({.beta2 = not_a_number}), "amsgrad: beta2 must be in [0, 1), got nan",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::lion({.beta1 = 1.5}), "lion: beta1 must be in [0, 1), got 1.5", std::invalid_argument);
    CHECK_NOTHROW(xoptim::adam({.beta1 = 0.0, .beta2 = 0.0}));  // beta = 0 is allowed
}

TEST_CASE("eps <= 0, negative weight decay or momentum")
{
    CHECK_THROWS_WITH_AS(xoptim::adam({.eps = 0.0}), "adam: eps must be finite and > 0, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::rmsprop({.eps = -1e-8}), "rmsprop: eps must be finite and > 0, got -1e-08",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adagrad({.eps = 0.0}), "adagrad: eps must be finite and > 0, got 0",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adamw({.weight_decay = -0.01}),
                         "adamw: weight_decay must be finite and >= 0, got -0.01", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::sgd({.momentum = -0.9}), "sgd: momentum must be finite and >= 0, got -0.9",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::rmsprop({.alpha = 1.5}), "rmsprop: alpha must be in [0, 1], got 1.5",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::adagrad({.lr_decay = -1.0}), "adagrad: lr_decay must be finite and >= 0, got -1",
                         std::invalid_argument);
}

TEST_CASE("nesterov without momentum or with dampening")
{
    CHECK_THROWS_WITH_AS(xoptim::sgd({.momentum = 0.0, .nesterov = true}),
                         "sgd: momentum must be > 0 with nesterov, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::sgd({.momentum = 0.9, .dampening = 0.1, .nesterov = true}),
                         "sgd: dampening must be 0 with nesterov, got 0.1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::nesterov({.momentum = 0.0}), "nesterov: momentum must be > 0 with nesterov, got 0",
                         std::invalid_argument);
}

TEST_CASE("a clamp <= 0 and a LARS trust coefficient <= 0")
{
    CHECK_THROWS_WITH_AS(xoptim::lamb({.trust_clip = -1.0}), "lamb: trust_clip must be finite and >= 0, got -1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::lars({.trust_coefficient = 0.0}),
                         "lars: trust_coefficient must be finite and > 0, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::optimizer(xoptim::chain(xoptim::clip_by_value{0.0}, xoptim::scale_by_lr{1.0})),
                         "clip_by_value: max_value must be finite and > 0, got 0", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::optimizer(xoptim::chain(xoptim::clip_by_norm{-1.0}, xoptim::scale_by_lr{1.0})),
                         "clip_by_norm: max_norm must be finite and > 0, got -1", std::invalid_argument);
}

TEST_CASE("rules composed by hand are checked too, and a bad group leaves the optimizer as it was")
{
    using namespace xoptim;
    CHECK_THROWS_WITH_AS(optimizer(chain(scale_by_adam{0.9, 2.0}, scale_by_lr{0.1})),
                         "scale_by_adam: beta2 must be in [0, 1), got 2", std::invalid_argument);
    CHECK_THROWS_WITH_AS(optimizer(chain(trace{0.9, 0.0, false}, scale_by_lr{-1.0})),
                         "scale_by_lr: lr must be finite and >= 0, got -1", std::invalid_argument);
    auto opt = adam({.lr = 0.1});
    auto bad = opt.rule();
    std::get<1>(bad.links()).beta1 = -0.1;
    CHECK_THROWS_AS(opt.add_group(bad), std::invalid_argument);
    CHECK(opt.group_count() == 1);
    CHECK_THROWS_AS(opt.set_rule(0, bad), std::invalid_argument);
    CHECK(std::get<1>(opt.rule().links()).beta1 == 0.9);
}
