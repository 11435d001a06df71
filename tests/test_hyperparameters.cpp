// Hyperparameters declared once: names, defaults and constraints from the rules' declarations;
// get and set by name per group; checkpoints by name (format 2) that still read format 1.
#include <doctest/doctest.h>

#include "old_format_run.hpp"

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xtensor.hpp>

#include "paths.hpp"
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace
{
    using vec = xt::xtensor<double, 1>;
    const std::string v1_dir = std::string(xoptim_test::data_dir()) + "/checkpoints_v1/";

    template <class Opt>
    bool same_state(const Opt& a, const Opt& b)
    {
        if (a.group_count() != b.group_count()) { return false; }
        for (std::size_t g = 0; g < a.group_count(); ++g)
        {
            const auto& x = a.groups()[g];
            const auto& y = b.groups()[g];
            if (x.step != y.step || x.skipped != y.skipped || x.tensors.size() != y.tensors.size()) { return false; }
            if (!xoptim::hyperparameter_difference(x.rule, y.rule).empty()) { return false; }
            for (std::size_t t = 0; t < x.tensors.size(); ++t)
            {
                for (std::size_t s = 0; s < x.tensors[t].slots.size(); ++s)
                {
                    const auto& p = x.tensors[t].slots[s];
                    const auto& q = y.tensors[t].slots[s];
                    if (p.size() != q.size()
                        || (p.size() != 0 && std::memcmp(p.data(), q.data(), p.size() * sizeof(*p.data())) != 0))
                    {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    // Loads file `name` (format 1) into `blank` and compares with `made`, replayed as it was.
    template <class V, class Opt>
    void check_v1_file(const std::string& name, Opt made, Opt blank, bool two_groups)
    {
        CAPTURE(name);
        const auto w = xoptim_test::replay_old_format_run<V>(made, two_groups);
        if (two_groups) { blank.add_group(blank.rule()); }
        Opt with_params = blank;
        xoptim::load_checkpoint(v1_dir + name + ".ckpt", blank);
        CHECK(same_state(made, blank));
        xt::xtensor<V, 1> loaded_w = xt::zeros<V>({6});
        xoptim::load_checkpoint(v1_dir + name + "_params.ckpt", with_params, loaded_w);
        CHECK(same_state(made, with_params));
        CHECK(loaded_w == w);
        // Saved again, the file is format 2 and reads back to the same optimizer.
        Opt again = with_params;
        xoptim::from_bytes(xoptim::to_bytes(with_params), again);
        CHECK(same_state(with_params, again));
    }
}

TEST_CASE("hyperparameters: every named optimizer's names come from its rules, with PyTorch's defaults")
{
    const auto adam = xoptim::adam();
    CHECK(adam.hyperparameter_names()
          == std::vector<std::string>{"weight_decay", "beta1", "beta2", "eps", "amsgrad", "lr"});
    CHECK(adam.get(0, "lr") == 1e-3);
    CHECK(adam.get(0, "beta1") == 0.9);
    CHECK(adam.get(0, "beta2") == 0.999);
    CHECK(adam.get(0, "eps") == 1e-8);
    CHECK(adam.get(0, "amsgrad") == 0.0);
    CHECK(xoptim::amsgrad().get(0, "amsgrad") == 1.0);
    CHECK(xoptim::adamw().get(0, "weight_decay") == 1e-2);
    CHECK(xoptim::lamb().get(0, "eps") == 1e-6);
    CHECK(xoptim::lamb().get(0, "trust_clip") == 0.0);
    CHECK(xoptim::lars().get(0, "trust_coefficient") == 1e-3);
    CHECK(xoptim::rmsprop().get(0, "alpha") == 0.99);
    CHECK(xoptim::adagrad().get(0, "eps") == 1e-10);
    CHECK(xoptim::lion().get(0, "beta2") == 0.99);
    CHECK(xoptim::nesterov().get(0, "nesterov") == 1.0);
    // Qualified names reach the same field.
    CHECK(adam.get(0, "scale_by_adam.beta2") == 0.999);
    CHECK(adam.get(0, "add_decayed_weights.weight_decay") == 0.0);
}

TEST_CASE("hyperparameters: set by name per group, checked, and nothing changes on an error")
{
    auto opt = xoptim::adam({.lr = 0.1});
    const std::size_t g = opt.add_group(opt.rule());
    opt.set(g, "lr", 0.01);
    opt.set(g, "beta1", 0.5);
    CHECK(opt.get(0, "lr") == 0.1);
    CHECK(opt.get(g, "lr") == 0.01);
    CHECK(opt.get(g, "beta1") == 0.5);
    CHECK(opt.learning_rate(g) == 0.01);

    const auto before = opt.rule(g);
    CHECK_THROWS_WITH_AS(opt.set(g, "beta1", 1.0), "adam: beta1 must be in [0, 1), got 1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(opt.set(g, "eps", -1.0), "adam: eps must be finite and > 0, got -1", std::invalid_argument);
    CHECK_THROWS_WITH_AS(opt.set(g, "amsgrad", 0.5), doctest::Contains("amsgrad must be 0 or 1"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(
        opt.set(g, "beta", 0.5),
        "adam: unknown hyperparameter 'beta' (valid names: weight_decay, beta1, beta2, eps, amsgrad, lr)",
        std::invalid_argument);
    CHECK_THROWS_AS(opt.set(5, "lr", 0.5), std::out_of_range);
    CHECK(xoptim::hyperparameter_difference(before, opt.rule(g)).empty());

    // Turning AMSGrad on would need a slot the group's state does not have.
    vec w = {1.0, 2.0};
    opt.step(w, vec{0.5, 0.5});
    CHECK_THROWS_WITH_AS(opt.set(0, "amsgrad", 1.0), doctest::Contains("changes which state slots"),
                         std::invalid_argument);
    CHECK(opt.get(0, "amsgrad") == 0.0);
    opt.set(g, "amsgrad", 1.0);  // a group without state may
    CHECK(opt.get(g, "amsgrad") == 1.0);
}

TEST_CASE("hyperparameters: related ones are checked together, integers and bools by their type")
{
    CHECK_THROWS_WITH_AS(xoptim::nesterov({.momentum = 0.0}), "nesterov: momentum must be > 0 with nesterov, got 0",
                         std::invalid_argument);
    auto sgd = xoptim::sgd();
    // nesterov needs momentum: alone it fails; set together with momentum it holds.
    CHECK_THROWS_AS(sgd.set(0, "nesterov", 1.0), std::invalid_argument);
    auto rule = sgd.rule();
    rule.set_all(std::vector<std::pair<std::string, double>>{{"nesterov", 1.0}, {"momentum", 0.9}});
    CHECK(rule.get("nesterov") == 1.0);
    // The optimizer's set_all, per group: together they hold; a failing set changes nothing.
    sgd.set_all(0, {{"nesterov", 1.0}, {"momentum", 0.9}});
    CHECK(sgd.get(0, "nesterov") == 1.0);
    CHECK(sgd.get(0, "momentum") == 0.9);
    CHECK_THROWS_WITH_AS(sgd.set_all(0, {{"momentum", 0.5}, {"lr", -1.0}}), "sgd: lr must be finite and >= 0, got -1",
                         std::invalid_argument);
    CHECK(sgd.get(0, "momentum") == 0.9);
    xt::xtensor<double, 1> w = {1.0, 2.0};
    CHECK(sgd.step(w, w));
    // With state, a set that turns the momentum buffer off is refused, naming every setting.
    CHECK_THROWS_WITH_AS(sgd.set_all(0, {{"nesterov", 0.0}, {"momentum", 0.0}}),
                         "sgd: setting nesterov = 0, momentum = 0 is refused in group 0: it changes which state slots "
                         "the group uses, and the group has state",
                         std::invalid_argument);
    CHECK(sgd.get(0, "momentum") == 0.9);

    auto cos = xoptim::sgd({}, xoptim::cosine_decay{.lr = 0.1, .period = 10});
    CHECK(cos.get(0, "period") == 10.0);  // the last component alone names schedule.period
    CHECK_THROWS_WITH_AS(cos.set(0, "period", 2.5), doctest::Contains("period must be a whole number"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(cos.set(0, "period", 0.0), "sgd: schedule.period must be finite and >= 1, got 0",
                         std::invalid_argument);
    // A bound from below alone would take +inf (for a value that is not a count), which no
    // checkpoint can then hold.
    CHECK_THROWS_WITH_AS(xoptim::adafactor({.d = std::numeric_limits<double>::infinity()}),
                         "adafactor: d must be finite and >= 1, got inf", std::invalid_argument);
    cos.set(0, "schedule.period", 20.0);
    CHECK(cos.get(0, "period") == 20.0);
    // 2^64, what UINT64_MAX rounds to as a double, does not fit a 64-bit count (its cast would be
    // undefined); the largest double below it does.
    CHECK_THROWS_WITH_AS(cos.set(0, "period", 18446744073709551616.0),
                         doctest::Contains("period must be a whole number in the field's range"),
                         std::invalid_argument);
    CHECK(cos.get(0, "period") == 20.0);
    cos.set(0, "period", 18446744073709549568.0);
    CHECK(cos.get(0, "period") == 18446744073709549568.0);
}

TEST_CASE("hyperparameters: a value finite in double but not in float is refused by name")
{
    CHECK_THROWS_WITH_AS(xoptim::sgd<float>({.lr = 1e39}),
                         doctest::Contains("sgd: lr must be finite in the optimizer's value type"),
                         std::invalid_argument);
    CHECK_NOTHROW(xoptim::sgd<double>({.lr = 1e39}));
    CHECK_THROWS_WITH_AS(xoptim::adam<float>({.eps = 1e300}),
                         doctest::Contains("eps must be finite in the optimizer's value type"), std::invalid_argument);
}

TEST_CASE("schedules: a rate given with a schedule is an error naming both")
{
    CHECK_THROWS_WITH_AS(xoptim::adam({.lr = 0.5}, xoptim::cosine_decay{}),
                         doctest::Contains("adam: lr = 0.5 and a schedule (cosine_decay) were both given"),
                         std::invalid_argument);
    CHECK_THROWS_AS(xoptim::sgd({.lr = 1e-3}, xoptim::step_decay{}),
                    std::invalid_argument);  // given, even if the default
    CHECK_NOTHROW(xoptim::adam({.beta1 = 0.8}, xoptim::cosine_decay{}));
    CHECK_THROWS_WITH_AS(xoptim::adagrad({.lr_decay = 0.1}, xoptim::cosine_decay{}), doctest::Contains("lr_decay"),
                         std::invalid_argument);
}

TEST_CASE("schedules: setting lr mid-run scales the schedule from the next step on")
{
    const xoptim::cosine_decay c{.lr = 0.1, .period = 10, .eta_min = 0.0};
    auto opt = xoptim::sgd({}, c);
    vec w = {1.0};
    for (int i = 0; i < 3; ++i) { opt.step(w, vec{1.0}); }
    CHECK(opt.get(0, "lr") == doctest::Approx(c(3)).epsilon(1e-15));
    const double wanted = 0.02;
    opt.set(0, "lr", wanted);
    CHECK(opt.get(0, "lr") == doctest::Approx(wanted).epsilon(1e-15));
    CHECK(opt.learning_rate() == doctest::Approx(wanted).epsilon(1e-15));
    const double scale = opt.get(0, "lr_scale");
    CHECK(scale == doctest::Approx(wanted / c(3)).epsilon(1e-15));
    // The next steps follow the schedule, multiplied.
    const double before = w(0);
    opt.step(w, vec{1.0});
    CHECK(before - w(0) == doctest::Approx(wanted).epsilon(1e-14));
    CHECK(opt.get(0, "lr") == doctest::Approx(scale * c(4)).epsilon(1e-15));
    // Saved and loaded, the multiplier comes back.
    auto fresh = xoptim::sgd({}, c);
    xoptim::from_bytes(xoptim::to_bytes(opt), fresh);
    CHECK(fresh.get(0, "lr_scale") == scale);
    // A schedule at 0 cannot be scaled to a rate.
    auto zero = xoptim::sgd({}, xoptim::cosine_decay{.lr = 0.1, .period = 2, .eta_min = 0.0});
    vec z = {1.0};
    for (int i = 0; i < 2; ++i) { zero.step(z, vec{1.0}); }
    CHECK_THROWS_WITH_AS(zero.set(0, "lr", 0.1), doctest::Contains("the schedule's rate there is 0"),
                         std::invalid_argument);
}

TEST_CASE("groups: add_group takes only the names that differ")
{
    auto opt = xoptim::adamw({.lr = 0.01, .weight_decay = 0.1});
    const std::size_t biases = opt.add_group({{"weight_decay", 0.0}});
    CHECK(opt.get(biases, "weight_decay") == 0.0);
    CHECK(opt.get(biases, "lr") == 0.01);
    CHECK(opt.get(biases, "beta2") == 0.999);
    CHECK_THROWS_WITH_AS(opt.add_group({{"weight_decay", -1.0}}),
                         doctest::Contains("weight_decay must be finite and >= 0"), std::invalid_argument);
    CHECK_THROWS_AS(opt.add_group({{"wd", 0.0}}), std::invalid_argument);
    CHECK(opt.group_count() == 2);
}

TEST_CASE("lamb and lars: a group can be excluded from the trust ratio, as the LAMB paper's biases and norms")
{
    using namespace xoptim;
    vec w1 = {0.5, -1.0, 2.0}, w2 = w1;
    const vec g = {0.3, -0.2, 0.1};
    auto excluded = lamb({.lr = 0.01, .weight_decay = 0.0, .trust_ratio = false});
    optimizer plain(chain(scale_by_adam{0.9, 0.999, 1e-6, false}, add_decayed_weights{0.0}, scale_by_lr<>{0.01}));
    for (int i = 0; i < 5; ++i)
    {
        excluded.step(w1, g * double(i + 1));
        plain.step(w2, g * double(i + 1));
    }
    CHECK(w1 == w2);
    auto included = lamb({.lr = 0.01});
    vec w3 = {0.5, -1.0, 2.0};
    included.step(w3, g);
    CHECK(w3 != vec{0.5, -1.0, 2.0});
    auto by_name = lamb({.lr = 0.01});
    const std::size_t b = by_name.add_group({{"trust_ratio", 0.0}, {"weight_decay", 0.0}});
    CHECK(by_name.get(b, "trust_ratio") == 0.0);

    vec l1 = {0.5, -1.0, 2.0}, l2 = l1;
    auto lars_off = lars({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .trust_ratio = false});
    optimizer sgd_like(chain(add_weight_decay{0.01}, scale_by_lr<>{0.1}, trace{0.9, 0.0, false}));
    for (int i = 0; i < 5; ++i)
    {
        lars_off.step(l1, g);
        sgd_like.step(l2, g);
    }
    CHECK(l1 == l2);
}

TEST_CASE("checkpoints: every format-1 file the project wrote still loads, bit for bit")
{
    using namespace xoptim;
    check_v1_file<double>("sgd", sgd({.lr = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.01}), sgd(),
                          true);
    check_v1_file<double>("nesterov", nesterov({.lr = 0.03, .momentum = 0.7, .weight_decay = 0.002}), nesterov(),
                          false);
    check_v1_file<double>("adam", adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7, .weight_decay = 0.03}),
                          adam(), true);
    check_v1_file<double>("amsgrad", amsgrad({.lr = 0.04, .beta1 = 0.85, .beta2 = 0.97, .eps = 3e-8}), amsgrad(),
                          false);
    check_v1_file<double>("adamw", adamw({.lr = 0.01, .beta1 = 0.75, .beta2 = 0.9, .eps = 2e-8, .weight_decay = 0.2}),
                          adamw(), false);
    check_v1_file<double>(
        "lamb", lamb({.lr = 0.06, .beta1 = 0.7, .beta2 = 0.93, .eps = 4e-6, .weight_decay = 0.05, .trust_clip = 8.0}),
        lamb(), true);
    check_v1_file<double>("lars", lars({.lr = 0.2, .momentum = 0.6, .weight_decay = 0.004, .trust_coefficient = 0.02}),
                          lars(), false);
    check_v1_file<double>(
        "rmsprop",
        rmsprop({.lr = 0.015, .alpha = 0.9, .eps = 5e-8, .weight_decay = 0.006, .momentum = 0.4, .centered = true}),
        rmsprop({.centered = true}), false);
    check_v1_file<double>(
        "adagrad",
        adagrad({.lr = 0.3, .lr_decay = 0.01, .weight_decay = 0.007, .initial_accumulator_value = 0.2, .eps = 6e-10}),
        adagrad(), false);
    check_v1_file<double>("lion", lion({.lr = 0.002, .beta1 = 0.8, .beta2 = 0.9, .weight_decay = 0.3}), lion(), false);
    check_v1_file<float>("adam_f32", adam<float>({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7}), adam<float>(),
                         false);
    check_v1_file<double>(
        "sgd_cosine",
        sgd({.momentum = 0.9}, cosine_decay{.lr = 0.1, .period = 7, .eta_min = 0.01, .restarts = true, .t_mult = 2}),
        sgd({.momentum = 0.9}, cosine_decay{}), false);
    check_v1_file<double>(
        "adamw_warmup_cosine",
        adamw({.beta1 = 0.85, .weight_decay = 0.1},
              linear_warmup<cosine_decay>{cosine_decay{.lr = 0.05, .period = 20, .eta_min = 0.001}, 2, 0.25}),
        adamw({}, linear_warmup<cosine_decay>{}), true);
    check_v1_file<double>("lion_one_cycle",
                          lion({.beta2 = 0.95}, one_cycle{.max_lr = 0.01, .total_steps = 50, .pct_start = 0.2}),
                          lion({}, one_cycle{}), false);
}

TEST_CASE("checkpoints: format 2 matches hyperparameters by name")
{
    auto opt = xoptim::adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95});
    vec w = {1.0, 2.0};
    opt.step(w, vec{0.1, 0.2});
    auto bytes = xoptim::to_bytes(opt);
    CHECK(bytes[8] == 3);  // format version
    // Swap the names of beta1 and beta2 in the file (same length) and re-seal it: the
    // loader follows the names, so the values change places.
    const std::string n1 = "scale_by_adam.beta1", n2 = "scale_by_adam.beta2";
    auto find = [&](const std::string& n) {
        return std::search(bytes.begin(), bytes.end(), n.begin(), n.end()) - bytes.begin();
    };
    const auto at1 = static_cast<std::size_t>(find(n1)), at2 = static_cast<std::size_t>(find(n2));
    REQUIRE(at1 < bytes.size());
    REQUIRE(at2 < bytes.size());
    bytes[at1 + n1.size() - 1] = '2';
    bytes[at2 + n2.size() - 1] = '1';
    const auto reseal = [](std::vector<unsigned char>& b) {
        const std::uint64_t sum = xoptim::detail::ckpt::xxh3_64(b.data(), b.size() - 8);
        for (int i = 0; i < 8; ++i)
        {
            b[b.size() - 8 + static_cast<std::size_t>(i)] = static_cast<unsigned char>(sum >> (8 * i));
        }
    };
    reseal(bytes);
    auto swapped = xoptim::adam();
    xoptim::from_bytes(bytes, swapped);
    CHECK(swapped.get(0, "beta1") == 0.95);
    CHECK(swapped.get(0, "beta2") == 0.8);

    // A name the optimizer does not declare is refused, naming it; nothing changes.
    auto bad = xoptim::to_bytes(opt);
    const auto at = static_cast<std::size_t>(std::search(bad.begin(), bad.end(), n1.begin(), n1.end()) - bad.begin());
    bad[at + 14] = 'X';  // scale_by_adam.Xeta1
    reseal(bad);
    auto target = xoptim::adam();
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(bad, target),
                         doctest::Contains("scale_by_adam.Xeta1: not a hyperparameter"), xoptim::checkpoint_error);
    CHECK(target.get(0, "beta1") == 0.9);
}

TEST_CASE("make_optimizer: a named optimizer chosen at run time steps as the typed one, bit for bit")
{
    auto any = xoptim::make_optimizer<double>("adamw", {{"lr", 0.1}, {"weight_decay", 0.05}});
    auto typed = xoptim::adamw({.lr = 0.1, .weight_decay = 0.05});
    vec a = {0.0, 1.0, -2.0}, b = a;
    const vec target = {3.0, 5.0, 7.0};
    for (int i = 0; i < 50; ++i)
    {
        any.step(a, 2.0 * (a - target));
        typed.step(b, 2.0 * (b - target));
    }
    CHECK(a == b);
    CHECK(any.name() == "adamw");
    CHECK(any.get(0, "weight_decay") == 0.05);
    CHECK(any.to_bytes() == xoptim::to_bytes(typed));
    CHECK_THROWS_WITH_AS(
        xoptim::make_optimizer("adam", {{"momentum", 0.9}}),
        "adam: 'momentum' is not one of its hyperparameters (it takes lr, weight_decay, beta1, beta2, eps, amsgrad)",
        std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::make_optimizer("adamx"),
                         doctest::Contains("unknown optimizer 'adamx' (choose from: sgd,"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::make_optimizer("adam", {{"beta1", 2.0}}), "adam: beta1 must be in [0, 1), got 2",
                         std::invalid_argument);
    // Adagrad takes PyTorch's lr and lr_decay.
    auto ada = xoptim::make_optimizer("adagrad", {{"lr", 0.3}, {"lr_decay", 0.01}});
    auto ada_typed = xoptim::adagrad({.lr = 0.3, .lr_decay = 0.01});
    vec c = {1.0, 2.0}, d = c;
    for (int i = 0; i < 10; ++i)
    {
        ada.step(c, c * 0.5);
        ada_typed.step(d, d * 0.5);
    }
    CHECK(c == d);
    // Every named optimizer builds with its defaults and steps as its factory's.
    for (const auto name : xoptim::optimizer_names())
    {
        CAPTURE(name);
        auto o = xoptim::make_optimizer(name);
        vec x = {1.0, -1.0};
        CHECK(o.step(x, vec{0.5, 0.25}));
        CHECK(o.step_count() == 1);
        CHECK(!xoptim::optimizer_options(name).empty());
    }
}

TEST_CASE("any_optimizer: groups of tensors of different ranks, checkpoints as the typed optimizer's")
{
    auto any = xoptim::make_optimizer("sgd", {{"lr", 0.1}, {"momentum", 0.9}});
    xt::xtensor<double, 2> W = {{1.0, 2.0}, {3.0, 4.0}};
    vec bias = {0.5, -0.5};
    std::vector<xoptim::tensor_ref<double>> params = {W, bias};
    const xt::xtensor<double, 2> gW = {{0.1, 0.2}, {0.3, 0.4}};
    const vec gb = {1.0, -1.0};
    std::vector<xoptim::grad_ref<double>> grads = {gW, gb};
    CHECK(any.step(0, params, grads));
    CHECK(W(1, 1) == doctest::Approx(4.0 - 0.1 * 0.4).epsilon(1e-15));
    CHECK(bias(0) == doctest::Approx(0.5 - 0.1).epsilon(1e-15));
    auto copy = any;
    CHECK(any.hyperparameter_difference(copy).empty());
    copy.set(0, "lr", 0.2);
    CHECK(any.hyperparameter_difference(copy) == "scale_by_lr.lr: expected 0.1, found 0.2");
    CHECK(any.get(0, "lr") == 0.1);
    CHECK(any.target<decltype(xoptim::sgd())>() != nullptr);
    CHECK(any.target<decltype(xoptim::adam())>() == nullptr);
}

TEST_CASE("any_optimizer: a group step on lists of containers steps as the typed one, bit for bit")
{
    // The lists are converted anew every step: new gradient tensors every step, then gradients
    // of another container type, then a shorter list.
    auto any = xoptim::make_optimizer<double>("adam", {{"lr", 0.05}});
    auto typed = xoptim::adam({.lr = 0.05});
    std::vector<vec> a = {vec{1.0, -2.0, 3.0}, vec{0.5}, vec{4.0, 2.0}}, b = a;
    for (int i = 0; i < 5; ++i)
    {
        std::vector<vec> ga, gb;
        for (const auto& p : a) { ga.push_back(p * 0.3 - 0.1 * i); }
        for (const auto& p : b) { gb.push_back(p * 0.3 - 0.1 * i); }
        CHECK(any.step(0, a, ga));
        CHECK(typed.step(0, b, gb));
    }
    for (std::size_t k = 0; k < a.size(); ++k) { CHECK(a[k] == b[k]); }
    // Gradients of another container type (xarray, rank known at run time).
    std::vector<xt::xarray<double>> gx = {xt::xarray<double>{0.1, 0.2, 0.3}, xt::xarray<double>{0.4},
                                          xt::xarray<double>{0.5, 0.6}};
    std::vector<vec> gv = {vec{0.1, 0.2, 0.3}, vec{0.4}, vec{0.5, 0.6}};
    CHECK(any.step(0, a, gx));
    CHECK(typed.step(0, b, gv));
    for (std::size_t k = 0; k < a.size(); ++k) { CHECK(a[k] == b[k]); }
    // A list of another length is checked against the group's state, as by the typed optimizer.
    std::vector<vec> fewer(a.begin(), a.begin() + 2), gfewer(gv.begin(), gv.begin() + 2);
    CHECK_THROWS_WITH_AS(any.step(0, fewer, gfewer), "xoptim::optimizer::step: group 0 has state for 3 tensors, got 2",
                         std::invalid_argument);
    CHECK(any.step_count() == 6);
}
