// xoptim::reduce_on_plateau against torch.optim.lr_scheduler.ReduceLROnPlateau of PyTorch 1.13
// (tests/data/reduce_on_plateau*.csv, made by scripts/reference/reduce_on_plateau.py with an
// SGD over two groups), replayed on a small optimizer that only holds rates.

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <xoptim/any_optimizer.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/reduce_on_plateau.hpp>

#include <xtensor/xtensor.hpp>

#include "reference_csv.hpp"

namespace
{
    // Rates by group, read and set by name: what lr_steerable asks of an optimizer.
    struct rates_only
    {
        std::vector<double> lr;
        std::size_t sets = 0;

        std::size_t group_count() const { return lr.size(); }
        double get(std::size_t g, std::string_view name) const
        {
            if (name != "lr") { throw std::invalid_argument("no hyperparameter " + std::string(name)); }
            return lr.at(g);
        }
        void set(std::size_t g, std::string_view name, double value)
        {
            if (name != "lr") { throw std::invalid_argument("no hyperparameter " + std::string(name)); }
            lr.at(g) = value;
            ++sets;
        }
    };

    // The same interface with a name taken as const std::string& and a non-const get.
    struct string_names
    {
        double rate = 0.1;
        int group_count() const { return 1; }
        float get(std::size_t, const std::string&) { return static_cast<float>(rate); }
        void set(std::size_t, const std::string&, double x) { rate = x; }
    };

    struct no_set
    {
        std::size_t group_count() const { return 1; }
        double get(std::size_t, std::string_view) const { return 0.1; }
    };

    struct get_returns_text
    {
        std::size_t group_count() const { return 1; }
        std::string get(std::size_t, std::string_view) const { return "0.1"; }
        void set(std::size_t, std::string_view, double) {}
    };

    struct no_group_count
    {
        double get(std::size_t, std::string_view) const { return 0.1; }
        void set(std::size_t, std::string_view, double) {}
    };

    template <class O>
    concept plateau_accepts = requires
    {
        typename xoptim::reduce_on_plateau<O>;
    };
}

static_assert(xoptim::lr_steerable<rates_only>);
static_assert(xoptim::lr_steerable<string_names>);
static_assert(!xoptim::lr_steerable<const rates_only>);  // set needs a mutable optimizer
static_assert(!xoptim::lr_steerable<no_set>);
static_assert(!xoptim::lr_steerable<get_returns_text>);
static_assert(!xoptim::lr_steerable<no_group_count>);
static_assert(!xoptim::lr_steerable<double>);
static_assert(plateau_accepts<rates_only>);
static_assert(!plateau_accepts<no_set>);
static_assert(!plateau_accepts<int>);
static_assert(std::is_constructible_v<xoptim::reduce_on_plateau<rates_only>, rates_only&>);
static_assert(!std::is_constructible_v<xoptim::reduce_on_plateau<rates_only>, const rates_only&>);

// The library's optimizers steer by name themselves: typed, with a schedule, and type-erased.
using typed_sgd = decltype(xoptim::sgd());
using scheduled_adam = decltype(xoptim::adam({}, xoptim::cosine_decay{}));
static_assert(xoptim::lr_steerable<typed_sgd>);
static_assert(xoptim::lr_steerable<scheduled_adam>);
static_assert(xoptim::lr_steerable<xoptim::any_optimizer<double>>);
static_assert(xoptim::lr_steerable<xoptim::any_optimizer<float>>);
static_assert(!xoptim::lr_steerable<const typed_sgd>);
static_assert(!xoptim::lr_steerable<const xoptim::any_optimizer<double>>);
static_assert(plateau_accepts<typed_sgd>);
static_assert(plateau_accepts<xoptim::any_optimizer<double>>);
static_assert(!std::is_constructible_v<xoptim::reduce_on_plateau<typed_sgd>, const typed_sgd&>);

// ---- the torch reference ------------------------------------------------------------------

namespace
{
    struct reference_step
    {
        double metric, lr0, lr1, best;
        std::uint64_t num_bad_epochs, cooldown_counter, last_epoch;
    };

    struct reference_case
    {
        std::string name;
        xoptim::reduce_on_plateau_options options;
        double lr0 = 0, lr1 = 0;
        std::vector<reference_step> steps;
    };

    std::vector<reference_case> reference_cases()
    {
        xoptim_test::csv_table cases_table, steps_table;
        xoptim_test::read_csv_table("reduce_on_plateau_cases.csv", cases_table);
        xoptim_test::read_csv_table("reduce_on_plateau.csv", steps_table);
        std::vector<reference_case> out;
        for (const auto& r : cases_table.rows)
        {
            reference_case c;
            c.name = r["case"];
            c.options.mode = xoptim::parse_plateau_mode(r["mode"]);
            c.options.factor = r.number("factor");
            c.options.patience = std::stoull(r["patience"]);
            c.options.threshold = r.number("threshold");
            c.options.threshold_mode = xoptim::parse_plateau_threshold_mode(r["threshold_mode"]);
            c.options.cooldown = std::stoull(r["cooldown"]);
            c.options.min_lr = xoptim::group_values(r.numbers("min_lr"));
            c.options.eps = r.number("eps");
            c.lr0 = r.number("lr0");
            c.lr1 = r.number("lr1");
            for (const auto& s : steps_table.rows)
            {
                if (s["case"] != c.name) { continue; }
                c.steps.push_back({s.number("metric"), s.number("lr0"), s.number("lr1"), s.number("best"),
                                   std::stoull(s["num_bad_epochs"]), std::stoull(s["cooldown_counter"]),
                                   std::stoull(s["last_epoch"])});
            }
            out.push_back(c);
        }
        return out;
    }

    // Steps `sched` through steps [first, last) of c and checks everything torch recorded, bit
    // for bit; step() returns true exactly when a rate changed.
    void replay(const reference_case& c, xoptim::reduce_on_plateau<rates_only>& sched, rates_only& opt,
                std::size_t first, std::size_t last)
    {
        for (std::size_t k = first; k < last; ++k)
        {
            const reference_step& r = c.steps[k];
            CAPTURE(k + 1);
            CAPTURE(r.metric);
            const std::vector<double> before = opt.lr;
            const bool reduced = sched.step(r.metric);
            CHECK(opt.lr[0] == r.lr0);
            CHECK(opt.lr[1] == r.lr1);
            CHECK(reduced == (opt.lr != before));
            CHECK(sched.best() == r.best);
            CHECK(sched.num_bad_epochs() == r.num_bad_epochs);
            CHECK(sched.cooldown_counter() == r.cooldown_counter);
            CHECK(sched.in_cooldown() == (r.cooldown_counter > 0));
            CHECK(sched.last_epoch() == r.last_epoch);
        }
    }
}

TEST_CASE("reduce_on_plateau equals torch 1.13's ReduceLROnPlateau on every reference sequence")
{
    const auto cases = reference_cases();
    REQUIRE(cases.size() >= 15);
    std::size_t steps = 0, reductions = 0;
    for (const auto& c : cases)
    {
        CAPTURE(c.name);
        REQUIRE(!c.steps.empty());
        rates_only opt{{c.lr0, c.lr1}};
        xoptim::reduce_on_plateau sched(opt, c.options);
        CHECK(sched.best()
              == (c.options.mode == xoptim::plateau_mode::min ? 1.0 : -1.0) * std::numeric_limits<double>::infinity());
        CHECK(sched.last_epoch() == 0);
        replay(c, sched, opt, 0, c.steps.size());
        steps += c.steps.size();
        reductions += opt.sets;
    }
    CHECK(steps >= 200);
    CHECK(reductions >= 40);
}

TEST_CASE("reduce_on_plateau: a state saved halfway and restored into a new scheduler continues as torch")
{
    for (const auto& c : reference_cases())
    {
        CAPTURE(c.name);
        const std::size_t half = c.steps.size() / 2;
        rates_only opt{{c.lr0, c.lr1}};
        xoptim::reduce_on_plateau first(opt, c.options);
        replay(c, first, opt, 0, half);
        const xoptim::reduce_on_plateau_state saved = first.state();

        rates_only resumed{opt.lr};  // the optimizer's rates come from its own checkpoint
        xoptim::reduce_on_plateau second(resumed, c.options);
        second.restore(saved);
        CHECK(second.state() == saved);
        replay(c, second, resumed, half, c.steps.size());
    }
}

// ---- by hand ------------------------------------------------------------------------------

TEST_CASE("reduce_on_plateau by hand: patience, factor and the counters")
{
    rates_only opt{{1.0, 0.5}};
    xoptim::reduce_on_plateau sched(opt, {.factor = 0.5, .patience = 1});
    CHECK(!sched.step(3.0));  // best 3
    CHECK(!sched.step(3.0));  // bad 1 (not below 3 * (1 - 1e-4))
    CHECK(sched.num_bad_epochs() == 1);
    CHECK(sched.step(3.0));  // bad 2 > patience: halved, counter reset
    CHECK(opt.lr == std::vector<double>{0.5, 0.25});
    CHECK(sched.num_bad_epochs() == 0);
    CHECK(!sched.step(2.0));  // better
    CHECK(sched.best() == 2.0);
    CHECK(sched.last_epoch() == 4);
}

TEST_CASE("reduce_on_plateau by hand: nan is never better")
{
    rates_only opt{{1.0, 1.0}};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    xoptim::reduce_on_plateau sched(opt, {.patience = 0});
    CHECK(sched.step(nan));  // a bad step at once
    CHECK(sched.best() == std::numeric_limits<double>::infinity());
    CHECK(opt.lr[0] == doctest::Approx(0.1));
    xoptim::reduce_on_plateau up(opt, {.mode = xoptim::plateau_mode::max, .patience = 0});
    CHECK(up.step(nan));
    CHECK(up.best() == -std::numeric_limits<double>::infinity());
}

TEST_CASE("reduce_on_plateau by hand: min_lr for all groups or per group, eps, cooldown")
{
    SUBCASE("one min_lr for every group")
    {
        rates_only opt{{0.1, 0.01}};
        xoptim::reduce_on_plateau sched(opt, {.patience = 0, .min_lr = 0.005});
        sched.step(1.0);
        CHECK(sched.step(1.0));
        CHECK(opt.lr == std::vector<double>{0.1 * 0.1, 0.005});
    }
    SUBCASE("one per group")
    {
        rates_only opt{{0.1, 0.01}};
        xoptim::reduce_on_plateau sched(opt, {.factor = 0.5, .patience = 0, .min_lr = {0.08, 0.001}});
        sched.step(1.0);
        sched.step(1.0);
        CHECK(opt.lr == std::vector<double>{0.08, 0.005});
        CHECK(sched.step(1.0));  // the second group still moves
        CHECK(opt.lr == std::vector<double>{0.08, 0.0025});
    }
    SUBCASE("every group at min_lr: no reduction reported, the cooldown starts anyway")
    {
        rates_only opt{{0.1, 0.1}};
        xoptim::reduce_on_plateau sched(opt, {.patience = 0, .cooldown = 2, .min_lr = 0.1});
        sched.step(1.0);
        CHECK(!sched.step(1.0));
        CHECK(opt.sets == 0);
        CHECK(sched.cooldown_counter() == 2);
        CHECK(sched.in_cooldown());
    }
    SUBCASE("a reduction of eps or less is skipped")
    {
        rates_only opt{{1e-3, 1e-3}};
        xoptim::reduce_on_plateau sched(opt, {.factor = 0.5, .patience = 0, .eps = 5e-4});
        sched.step(1.0);
        CHECK(!sched.step(1.0));  // 1e-3 - 5e-4 is not more than eps
        CHECK(opt.lr[0] == 1e-3);
    }
}

TEST_CASE("reduce_on_plateau: bad arguments name themselves")
{
    rates_only opt{{0.1, 0.01}};
    using options = xoptim::reduce_on_plateau_options;
    auto make = [&](const options& o) { return xoptim::reduce_on_plateau(opt, o); };
    CHECK_THROWS_WITH_AS(make({.factor = 1.0}), "reduce_on_plateau: factor must be in [0, 1), got 1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.factor = -0.5}), "reduce_on_plateau: factor must be in [0, 1), got -0.5",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.factor = std::numeric_limits<double>::quiet_NaN()}),
                         "reduce_on_plateau: factor must be in [0, 1), got nan", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.threshold = -1e-4}),
                         "reduce_on_plateau: threshold must be finite and >= 0, got -0.0001", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.min_lr = -1.0}), "reduce_on_plateau: min_lr must be finite and >= 0, got -1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.min_lr = {0.1, 0.2, 0.3}}),
                         "reduce_on_plateau: min_lr has 3 values, one per group, but the optimizer has 2 groups",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.min_lr = xoptim::group_values(std::vector<double>{})}),
                         "reduce_on_plateau: min_lr has no value", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.eps = std::numeric_limits<double>::infinity()}),
                         "reduce_on_plateau: eps must be finite and >= 0, got inf", std::invalid_argument);
    CHECK_THROWS_WITH_AS(make({.mode = static_cast<xoptim::plateau_mode>(7)}),
                         "reduce_on_plateau: mode must be plateau_mode::min or plateau_mode::max, got 7",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::parse_plateau_mode("median"),
                         "reduce_on_plateau: mode must be \"min\" or \"max\", got \"median\"", std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::parse_plateau_threshold_mode("relative"),
                         "reduce_on_plateau: threshold_mode must be \"rel\" or \"abs\", got \"relative\"",
                         std::invalid_argument);
    CHECK(xoptim::parse_plateau_mode("max") == xoptim::plateau_mode::max);
    CHECK(std::string(xoptim::to_string(xoptim::plateau_threshold_mode::abs)) == "abs");

    xoptim::reduce_on_plateau sched(opt, {.patience = 0});
    sched.step(1.0);
    const auto before = sched.state();
    CHECK_THROWS_WITH_AS(sched.restore({.best = std::numeric_limits<double>::quiet_NaN()}),
                         "reduce_on_plateau::restore: best must be a number or +-inf, got nan", std::invalid_argument);
    CHECK(sched.state() == before);
}

TEST_CASE("reduce_on_plateau: per-group min_lr and a group added later: the step throws, nothing changes")
{
    rates_only opt{{0.1, 0.01}};
    xoptim::reduce_on_plateau sched(opt, {.patience = 0, .min_lr = {0.0, 0.0}});
    sched.step(1.0);
    const auto before = sched.state();
    opt.lr.push_back(0.5);
    CHECK_THROWS_WITH_AS(sched.step(1.0),
                         "reduce_on_plateau: min_lr has 2 values, one per group, but the optimizer has 3 groups",
                         std::invalid_argument);
    CHECK(sched.state() == before);
    CHECK(opt.lr == std::vector<double>{0.1, 0.01, 0.5});

    // One min_lr for every group follows the optimizer's groups.
    xoptim::reduce_on_plateau shared(opt, {.patience = 0});
    shared.step(1.0);
    opt.lr.push_back(1.0);
    CHECK(shared.step(1.0));
    CHECK(opt.lr[3] == doctest::Approx(0.1));
}

TEST_CASE("reduce_on_plateau steers xoptim's optimizers directly, typed, scheduled or chosen at run time")
{
    using vec = xt::xtensor<double, 1>;
    SUBCASE("typed, two groups")
    {
        auto opt = xoptim::sgd({.lr = 0.2, .momentum = 0.9});
        const std::size_t b = opt.add_group({{"lr", 0.1}});
        xoptim::reduce_on_plateau sched(opt, {.factor = 0.5, .patience = 0});
        sched.step(1.0);
        CHECK(sched.step(1.0));
        CHECK(opt.get(0, "lr") == 0.1);
        CHECK(opt.get(b, "lr") == 0.05);
        CHECK(opt.learning_rate(b) == 0.05);
    }
    SUBCASE("a scheduled rate: the rest of the schedule is scaled")
    {
        const xoptim::cosine_decay c{.lr = 0.1, .period = 100};
        auto opt = xoptim::adam({}, c);
        vec w = {1.0};
        opt.step(w, vec{1.0});
        xoptim::reduce_on_plateau sched(opt, {.factor = 0.5, .patience = 0});
        sched.step(1.0);
        CHECK(sched.step(1.0));
        CHECK(opt.get(0, "lr") == doctest::Approx(0.5 * c(1)).epsilon(1e-15));
        CHECK(opt.get(0, "lr_scale") == doctest::Approx(0.5).epsilon(1e-15));
    }
    SUBCASE("any_optimizer")
    {
        auto opt = xoptim::make_optimizer("adamw", {{"lr", 0.01}});
        xoptim::reduce_on_plateau sched(opt, {.patience = 0, .min_lr = 5e-3});
        sched.step(1.0);
        CHECK(sched.step(1.0));
        CHECK(opt.get(0, "lr") == 5e-3);
        CHECK(!sched.step(1.0));  // at min_lr
    }
}
