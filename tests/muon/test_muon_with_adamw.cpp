// muon_with_adamw: one call routes 2-D tensors to Muon and the others to AdamW (equal bit for bit
// to a plain adamw on them); checkpoints of Muon and of the split resume bit for bit.
#include <doctest/doctest.h>

#include <xoptim/muon.hpp>

#include <xtensor/xtensor.hpp>

#include "paths.hpp"
#include <cstring>
#include <vector>

namespace
{
    using vec = xt::xtensor<double, 1>;
    using mat = xt::xtensor<double, 2>;
    using cube = xt::xtensor<double, 3>;

    template <class A, class B>
    bool same_bits(const A& a, const B& b)
    {
        if (a.size() != b.size()) { return false; }
        return a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
    }

    struct model
    {
        mat W1 = {{0.5, -0.25, 1.0}, {0.75, 0.1, -0.6}};
        vec b1 = {0.1, -0.2};
        mat W2 = {{1.5, -0.5}, {0.25, 0.8}, {-1.0, 0.3}, {0.2, 0.4}};
        cube k = {{{0.3, -0.1}, {0.2, 0.05}}};
    };

    struct grads_at
    {
        mat gW1;
        vec gb1;
        mat gW2;
        cube gk;
        grads_at(const model& m, int s)
            : gW1(m.W1 * 0.3 + 0.1 * s), gb1(m.b1 - 0.05 * s), gW2(m.W2 * (-0.2) + 0.02 * s), gk(m.k + 0.1 * s)
        {}
    };

    void step(xoptim::muon_adamw<double>& opt, const model& m, int s)
    {
        const grads_at g(m, s);
        opt.step({g.gW1, g.gb1, g.gW2, g.gk});
    }
}

TEST_CASE("muon_with_adamw: 2-D tensors go to Muon, others to AdamW, equal to each optimizer alone")
{
    xoptim::muon_options mo;
    mo.lr = 0.02;
    xoptim::adamw_options ao;
    ao.lr = 0.01;
    model m;
    auto opt = xoptim::muon_with_adamw<double>(mo, ao);
    CHECK(opt.add_params({m.W1, m.b1, m.W2, m.k}) == 2);
    CHECK(opt.registered_count() == 4);
    CHECK(opt.route_of(0) == xoptim::muon_adamw<double>::route::matrix);
    CHECK(opt.route_of(1) == xoptim::muon_adamw<double>::route::adamw);
    CHECK(opt.route_of(3) == xoptim::muon_adamw<double>::route::adamw);

    model alone = m;
    auto muon_alone_1 = xoptim::muon<double>(mo), muon_alone_2 = xoptim::muon<double>(mo);
    auto adamw_alone = xoptim::adamw<double>(ao);
    adamw_alone.add_group({alone.b1, alone.k});
    for (int s = 0; s < 5; ++s)
    {
        const grads_at g(alone, s);
        muon_alone_1.step(alone.W1, g.gW1);
        muon_alone_2.step(alone.W2, g.gW2);
        adamw_alone.step({g.gb1, g.gk});
        step(opt, m, s);
    }
    CHECK(same_bits(m.W1, alone.W1));
    CHECK(same_bits(m.W2, alone.W2));
    CHECK(same_bits(m.b1, alone.b1));
    CHECK(same_bits(m.k, alone.k));
    // Muon moved the matrices differently from AdamW (the split is not a no-op).
    model other;
    auto all_adamw = xoptim::adamw<double>(ao);
    all_adamw.add_group({other.W1, other.b1, other.W2, other.k});
    for (int s = 0; s < 5; ++s)
    {
        const grads_at g(other, s);
        all_adamw.step({g.gW1, g.gb1, g.gW2, g.gk});
    }
    CHECK(!same_bits(m.W1, other.W1));
    CHECK(same_bits(m.b1, other.b1));
}

TEST_CASE("muon_with_adamw: add_adamw_params keeps a matrix on AdamW; wrong grads change nothing")
{
    model m;
    auto opt = xoptim::muon_with_adamw<double>();
    opt.add_params({m.W1, m.b1});
    opt.add_adamw_params({m.W2});
    CHECK(opt.route_of(2) == xoptim::muon_adamw<double>::route::adamw);
    CHECK(opt.muon().registered_count() == 1);
    CHECK(opt.adamw().registered_count() == 2);
    const model before = m;
    const grads_at g(m, 1);
    CHECK_THROWS_AS(opt.step({g.gW1, g.gb1}), std::invalid_argument);
    CHECK_THROWS_AS(opt.step({g.gW1, g.gb1, g.gW1}), std::invalid_argument);
    CHECK(same_bits(m.W1, before.W1));
    CHECK(same_bits(m.W2, before.W2));
    CHECK(opt.muon().step_count() == 0);
}

TEST_CASE("muon_with_adamw: a checkpoint resumes bit for bit")
{
    xoptim::muon_options mo;
    mo.lr = 0.03;
    mo.nesterov = false;
    mo.adjust_lr_fn = xoptim::muon_lr_adjustment::match_rms_adamw;
    model m;
    auto opt = xoptim::muon_with_adamw<double>(mo);
    opt.add_params({m.W1, m.b1, m.W2, m.k});
    for (int s = 0; s < 3; ++s) { step(opt, m, s); }
    const auto bytes = xoptim::to_bytes(opt);
    const model at_save = m;

    for (int s = 3; s < 7; ++s) { step(opt, m, s); }

    model r = at_save;
    auto resumed = xoptim::muon_with_adamw<double>();  // other hyperparameters: the file sets them
    resumed.add_params({r.W1, r.b1, r.W2, r.k});
    xoptim::from_bytes(std::span<const unsigned char>(bytes), resumed);
    CHECK(resumed.muon().step_count() == 3);
    CHECK(resumed.muon().options().lr == 0.03);
    CHECK(resumed.muon().options().adjust_lr_fn == xoptim::muon_lr_adjustment::match_rms_adamw);
    for (int s = 3; s < 7; ++s) { step(resumed, r, s); }
    CHECK(same_bits(m.W1, r.W1));
    CHECK(same_bits(m.W2, r.W2));
    CHECK(same_bits(m.b1, r.b1));
    CHECK(same_bits(m.k, r.k));

    // Without the momentum buffers the trajectory differs: the check can fail.
    model fresh = at_save;
    auto restarted = xoptim::muon_with_adamw<double>(mo);
    restarted.add_params({fresh.W1, fresh.b1, fresh.W2, fresh.k});
    for (int s = 3; s < 7; ++s) { step(restarted, fresh, s); }
    CHECK(!same_bits(m.W1, fresh.W1));

    // A corrupt file and a file of another kind are errors that change nothing.
    auto bad = bytes;
    bad[bad.size() / 2] ^= 1;
    model q = at_save;
    auto target = xoptim::muon_with_adamw<double>();
    target.add_params({q.W1, q.b1, q.W2, q.k});
    CHECK_THROWS_AS(xoptim::from_bytes(std::span<const unsigned char>(bad), target), xoptim::checkpoint_error);
    CHECK(target.muon().step_count() == 0);
    CHECK(target.muon().options().lr == 1e-3);
    const auto muon_only = xoptim::to_bytes(opt.muon());
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(std::span<const unsigned char>(muon_only), target),
                         doctest::Contains("optimizer kind"), xoptim::checkpoint_error);
}

TEST_CASE("muon: a checkpoint file of a single-tensor Muon resumes bit for bit")
{
    mat p = {{0.5, -0.25, 1.0}, {0.75, 0.1, -0.6}};
    auto opt = xoptim::muon<double>();
    auto g_at = [](const mat& w, int s) { return mat(w * 0.5 - 0.1 * s); };
    for (int s = 0; s < 2; ++s) { opt.step(p, g_at(p, s)); }
    const auto path = std::filesystem::path(xoptim_test::output_dir()) / "muon.ckpt";
    xoptim::save_checkpoint(path, opt);
    mat q = p;
    for (int s = 2; s < 5; ++s) { opt.step(p, g_at(p, s)); }
    auto back = xoptim::muon<double>();
    xoptim::load_checkpoint(path, back);
    CHECK(back.step_count() == 2);
    for (int s = 2; s < 5; ++s) { back.step(q, g_at(q, s)); }
    CHECK(same_bits(p, q));
}

TEST_CASE("muon: format-2 checkpoints (tests/data/checkpoints_v2/) load bit for bit; format 3 records the identity")
{
    // The runs of tests/data/checkpoints_v2/make_v2.cpp, replayed.
    xoptim::muon_options mo;
    mo.lr = 0.03;
    mo.momentum = 0.9;
    mo.nesterov = false;
    mo.adjust_lr_fn = xoptim::muon_lr_adjustment::match_rms_adamw;
    mat p = {{0.5, -0.25, 1.0}, {0.75, 0.1, -0.6}};
    vec b = {0.2, -0.4};
    auto m = xoptim::muon<double>(mo);
    auto mw = xoptim::muon_with_adamw<double>(mo, {.lr = 0.01, .weight_decay = 0.05});
    mat q = p;
    mw.add_params({q, b});
    for (int k = 0; k < 3; ++k)
    {
        m.step(p, mat(p * 0.5 - 0.1 * k));
        const mat gq = q * 0.5 - 0.1 * k;
        const vec gb = b * 0.5 - 0.1 * k;
        mw.step({gq, gb});
    }
    const std::string dir = std::string(xoptim_test::data_dir()) + "/checkpoints_v2/";
    auto m2 = xoptim::muon<double>();
    xoptim::load_checkpoint(dir + "muon.ckpt", m2, {.tag = "ignored: the file records none"});
    CHECK(xoptim::to_bytes(m2) == xoptim::to_bytes(m));
    mat q2 = xt::zeros<double>({2, 3});
    vec b2 = xt::zeros<double>({2});
    auto mw2 = xoptim::muon_with_adamw<double>();
    mw2.add_params({q2, b2});
    xoptim::load_checkpoint(dir + "muon_with_adamw.ckpt", mw2);
    CHECK(xoptim::to_bytes(mw2) == xoptim::to_bytes(mw));

    const auto bytes = xoptim::to_bytes(mw, {.tag = "two layers"});
    CHECK(bytes[8] == 3);
    CHECK(xoptim::checkpoint_identity_of(bytes).tag == "two layers");
    auto mw3 = xoptim::muon_with_adamw<double>();
    mw3.add_params({q2, b2});
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(bytes, mw3, {.tag = "three layers"}),
                         "xoptim checkpoint: made on \"two layers\", expected \"three layers\"",
                         xoptim::checkpoint_error);
    CHECK(mw3.muon().step_count() == 0);
    xoptim::from_bytes(bytes, mw3, {.tag = "two layers"});
    CHECK(xoptim::to_bytes(mw3) == xoptim::to_bytes(mw));
}
