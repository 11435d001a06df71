// Checkpoints: the documented layout, exact resumption for every named optimizer and schedule,
// validation of every field before anything changes, and atomic file writes.
#include <doctest/doctest.h>

#include <xoptim/io/checkpoint.hpp>
#include <xoptim/optimizers.hpp>

#include <xtensor/xtensor.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "paths.hpp"
#include "reliability_helpers.hpp"

namespace fs = std::filesystem;

// A checkpoint stores what the links declare, so saving a chain whose link leaves a data member
// out of its declaration does not compile (io/reflect.hpp); members of an empty type need none.
namespace
{
    struct half_declared
    {
        static constexpr std::string_view name = "half_declared";
        double a = 1.0;
        double b = 2.0;
        static constexpr auto hyperparameters() { return std::tuple{xoptim::param("a", &half_declared::a)}; }
    };
    struct fully_declared
    {
        static constexpr std::string_view name = "fully_declared";
        double a = 1.0;
        bool b = false;
        struct nothing
        {
        } empty;
        static constexpr auto hyperparameters()
        {
            return std::tuple{xoptim::param("a", &fully_declared::a), xoptim::param("b", &fully_declared::b)};
        }
    };
    struct undeclared_schedule
    {
        static constexpr std::string_view name = "undeclared_schedule";
        double base = 0.1;
        double operator()(std::uint64_t) const { return base; }
    };
    struct empty_schedule
    {
        static constexpr std::string_view name = "empty_schedule";
        double operator()(std::uint64_t step) const { return 1.0 / static_cast<double>(step + 1); }
    };
    using xoptim::detail::ckpt::declares_every_member;
}
static_assert(!declares_every_member<half_declared>());
static_assert(declares_every_member<fully_declared>());
static_assert(!declares_every_member<xoptim::scale_by_lr<undeclared_schedule>>());
static_assert(declares_every_member<xoptim::scale_by_lr<empty_schedule>>());
static_assert(declares_every_member<xoptim::scale_by_lr<double>>());
static_assert(declares_every_member<xoptim::scale_by_lr<xoptim::linear_warmup<xoptim::cosine_decay>>>());
static_assert(declares_every_member<xoptim::scale_by_adam>());
static_assert(declares_every_member<xoptim::trace>());
static_assert(declares_every_member<xoptim::scale_by_trust_ratio>());
static_assert(declares_every_member<xoptim::one_cycle>());

namespace
{
    fs::path out_dir()
    {
        fs::path d = fs::path(xoptim_test::output_dir()) / "checkpoint";
        fs::create_directories(d);
        return d;
    }

    std::vector<unsigned char> file_bytes(const fs::path& p)
    {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    void write_bytes(const fs::path& p, const std::vector<unsigned char>& b)
    {
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    }

    // Offsets of the fields of a one-group checkpoint, found by walking the documented layout.
    struct layout
    {
        std::size_t kind_len, kind, element, flags, groups, step, skipped, nfields, fields, ntensors, rank, dim0,
            nslots, slot0_flag, slot0_value;
        std::vector<std::size_t> field_at;  // where each hyperparameter (its name length) starts
        std::vector<std::size_t> tag_at;    // its type tag; its 8 value bytes follow
    };

    layout walk(const std::vector<unsigned char>& b)
    {
        layout l;
        l.kind_len = xrel::kind_at(b);
        l.kind = l.kind_len + 4;
        l.element = l.kind + xrel::read_u32(b, l.kind_len);
        l.flags = l.element + 1;
        l.groups = l.flags + 1;
        l.step = l.groups + 4;
        l.skipped = l.step + 8;
        l.nfields = l.skipped + 8;
        l.fields = l.nfields + 4;
        // Each hyperparameter: u32 name length, the name, u8 tag, u64 value.
        std::size_t at = l.fields;
        for (std::uint32_t i = 0; i < xrel::read_u32(b, l.nfields); ++i)
        {
            l.field_at.push_back(at);
            l.tag_at.push_back(at + 4 + xrel::read_u32(b, at));
            at += 4 + xrel::read_u32(b, at) + 9;
        }
        l.ntensors = at;
        l.rank = l.ntensors + 8;
        l.dim0 = l.rank + 4;
        l.nslots = l.dim0 + 8 * xrel::read_u32(b, l.rank) + 8;  // after the extents, the steps sat out (u64)
        l.slot0_flag = l.nslots + 4;
        l.slot0_value = l.slot0_flag + 1;
        return l;
    }

    // A momentum optimizer after two steps on a 3-element tensor, its parameters, and its bytes.
    struct sample
    {
        decltype(xoptim::momentum()) opt = xoptim::momentum(xoptim::momentum_options{0.1, 0.9, 0.0, 0.0});
        xt::xtensor<double, 1> w{1.0, -2.0, 0.5};

        sample()
        {
            opt.step(w, xt::xtensor<double, 1>{0.5, 0.25, -1.0});
            opt.step(w, xt::xtensor<double, 1>{0.5, 0.25, -1.0});
        }
    };
}

TEST_CASE("checkpoint: FNV-1a 64 matches the published test vectors")
{
    const unsigned char a[] = {'a'};
    const unsigned char foobar[] = {'f', 'o', 'o', 'b', 'a', 'r'};
    CHECK(xoptim::detail::ckpt::fnv1a64(nullptr, 0) == 0xcbf29ce484222325ull);
    CHECK(xoptim::detail::ckpt::fnv1a64(a, 1) == 0xaf63dc4c8601ec8cull);
    CHECK(xoptim::detail::ckpt::fnv1a64(foobar, 6) == 0x85944171f73967e8ull);
    CHECK(xrel::fnv1a(foobar, 6) == 0x85944171f73967e8ull);
}

TEST_CASE("checkpoint: the bytes follow the documented layout")
{
    sample s;
    const auto b = xoptim::to_bytes(s.opt, s.w);
    REQUIRE(b.size() > 32);
    CHECK(std::memcmp(b.data(), "XOPTCKPT", 8) == 0);
    CHECK(xrel::read_u32(b, 8) == 3u);  // format version
    CHECK(b[12] == 0x0d);               // byte-order mark 0x0a0b0c0d, little-endian
    CHECK(b[13] == 0x0c);
    CHECK(b[14] == 0x0b);
    CHECK(b[15] == 0x0a);
    CHECK(xrel::read_u64(b, 16) == b.size() - 32);  // payload size
    CHECK(xrel::read_u64(b, b.size() - 8) == XXH3_64bits(b.data(), b.size() - 8));
    // Saved without an identity: an empty tag and no names, then the kind.
    CHECK(xrel::read_u32(b, 24) == 0u);
    CHECK(xrel::read_u32(b, 28) == 0u);
    CHECK(xrel::kind_at(b) == 32u);

    const layout l = walk(b);
    const std::string kind(reinterpret_cast<const char*>(b.data() + l.kind), xrel::read_u32(b, l.kind_len));
    CHECK(kind == "chain<add_decayed_weights,trace,scale_by_lr<f64>>");
    CHECK(kind == xoptim::checkpoint_kind<decltype(s.opt)>());
    CHECK(b[l.element] == 0x18);  // f64
    CHECK(b[l.flags] == 0x01);    // parameters present
    CHECK(xrel::read_u32(b, l.groups) == 1u);
    CHECK(xrel::read_u64(b, l.step) == 2u);
    CHECK(xrel::read_u64(b, l.skipped) == 0u);
    // weight_decay, momentum, dampening, nesterov, lr: by name, each a tag and 8 bytes.
    REQUIRE(xrel::read_u32(b, l.nfields) == 5u);
    const auto field = [&](std::size_t k) {
        std::size_t at = l.fields;
        for (std::size_t i = 0; i < k; ++i) { at += 4 + xrel::read_u32(b, at) + 9; }
        const std::uint32_t n = xrel::read_u32(b, at);
        return std::tuple(std::string(reinterpret_cast<const char*>(b.data() + at + 4), n), b[at + 4 + n],
                          xrel::read_u64(b, at + 5 + n));
    };
    CHECK(std::get<0>(field(0)) == "add_decayed_weights.weight_decay");
    CHECK(std::get<0>(field(1)) == "trace.momentum");
    CHECK(std::get<1>(field(1)) == 0x18);
    CHECK(std::bit_cast<double>(std::get<2>(field(1))) == 0.9);
    CHECK(std::get<0>(field(3)) == "trace.nesterov");
    CHECK(std::get<1>(field(3)) == 0x01);  // bool
    CHECK(std::get<2>(field(3)) == 0u);
    CHECK(std::get<0>(field(4)) == "scale_by_lr.lr");
    CHECK(std::bit_cast<double>(std::get<2>(field(4))) == 0.1);
    CHECK(xrel::read_u64(b, l.ntensors) == 1u);
    CHECK(xrel::read_u32(b, l.rank) == 1u);
    CHECK(xrel::read_u64(b, l.dim0) == 3u);
    CHECK(xrel::read_u32(b, l.nslots) == 1u);
    CHECK(b[l.slot0_flag] == 1);
    // The momentum buffer after two steps of g: b = g, then 0.9 g + g = 1.9 g.
    CHECK(std::bit_cast<double>(xrel::read_u64(b, l.slot0_value)) == 0.9 * 0.5 + 0.5);
    // Then the parameters: count, rank, extent, values.
    const std::size_t params = l.slot0_value + 3 * 8;
    CHECK(xrel::read_u64(b, params) == 1u);
    CHECK(xrel::read_u32(b, params + 8) == 1u);
    CHECK(xrel::read_u64(b, params + 12) == 3u);
    CHECK(std::bit_cast<double>(xrel::read_u64(b, params + 20)) == s.w(0));
    CHECK(params + 20 + 3 * 8 + 8 == b.size());
}

TEST_CASE("checkpoint: N steps, save, load into a fresh optimizer, N steps == 2N steps, bit for bit")
{
    constexpr std::uint64_t n = 6;
    int checked = 0;
    xrel::for_each_schedule([&](const char* sname, auto sched) {
        xrel::for_each_named<double>(sched, [&](const char* oname, auto make) {
            CAPTURE(std::string(sname));
            CAPTURE(std::string(oname));
            auto straight = make();
            auto p_straight = xrel::make_params<double>(7);
            xrel::run_steps(straight, p_straight, 0, 2 * n);

            auto first = make();
            auto p_first = xrel::make_params<double>(7);
            xrel::run_steps(first, p_first, 0, n);
            const fs::path file = out_dir() / (std::string(oname) + "_" + sname + ".ckpt");
            xoptim::save_checkpoint(file, first, p_first);

            auto resumed = make();
            auto p_resumed = xrel::make_params<double>(99);  // overwritten by the load
            xoptim::load_checkpoint(file, resumed, p_resumed);
            CHECK(resumed.step_count() == n);
            CHECK(xrel::same_state(resumed, first));
            xrel::run_steps(resumed, p_resumed, n, n);

            CHECK(xrel::same_state(resumed, straight));
            for (std::size_t k = 0; k < p_straight.size(); ++k) { CHECK(xrel::same_bits(p_resumed[k], p_straight[k])); }
            ++checked;
        });
    });
    CHECK(checked == 8 * 11);
}

TEST_CASE("checkpoint: float optimizers resume exactly too")
{
    constexpr std::uint64_t n = 5;
    xrel::for_each_named<float>(xoptim::cosine_decay{0.05, 4, 0.001, true, 2}, [&](const char* oname, auto make) {
        CAPTURE(std::string(oname));
        auto straight = make();
        auto p_straight = xrel::make_params<float>(3);
        xrel::run_steps(straight, p_straight, 0, 2 * n);

        auto first = make();
        auto p_first = xrel::make_params<float>(3);
        xrel::run_steps(first, p_first, 0, n);
        const auto bytes = xoptim::to_bytes(first, p_first);

        auto resumed = make();
        auto p_resumed = xrel::make_params<float>(4);
        xoptim::from_bytes(bytes, resumed, p_resumed);
        xrel::run_steps(resumed, p_resumed, n, n);
        CHECK(xrel::same_state(resumed, straight));
        for (std::size_t k = 0; k < p_straight.size(); ++k) { CHECK(xrel::same_bits(p_resumed[k], p_straight[k])); }
    });
}

TEST_CASE("checkpoint: every group is saved with its own hyperparameters, steps and state")
{
    auto make = [] {
        auto o = xoptim::adam(xoptim::adam_options{0.01, 0.9, 0.999, 1e-8, 0.0});
        o.add_group(xoptim::adam_rule<>(xoptim::add_weight_decay{0.1}, xoptim::scale_by_adam{0.5, 0.9, 1e-6, true},
                                        xoptim::scale_by_lr<>{0.2}));
        return o;
    };
    auto a = make();
    auto pa = xrel::make_params<double>(1);
    xt::xtensor<double, 1> q{1.0, 2.0, 3.0, 4.0, 5.0};
    for (int s = 0; s < 3; ++s) { xrel::run_steps(a, pa, static_cast<std::uint64_t>(s), 1); }
    std::vector<xt::xtensor<double, 1>> qs{q};
    std::vector<xt::xtensor<double, 1>> gq{xt::xtensor<double, 1>{0.1, -0.2, 0.3, -0.4, 0.5}};
    a.step(1, qs, gq);

    const auto bytes = xoptim::to_bytes(a);
    auto b = make();
    b.set_rule(1, xoptim::adam_rule<>(xoptim::add_weight_decay{0.0}, xoptim::scale_by_adam{0.9, 0.999, 1e-8, true},
                                      xoptim::scale_by_lr<>{1.0}));
    xoptim::from_bytes(bytes, b);
    CHECK(xrel::same_state(a, b));
    CHECK(b.step_count(0) == 3);
    CHECK(b.step_count(1) == 1);
    CHECK(b.rule(1).get<1>().beta1 == 0.5);
    CHECK(b.rule(1).get<1>().amsgrad);
    CHECK(b.rule(1).get<0>().weight_decay == 0.1);
    CHECK(b.rule(1).get<2>().lr == 0.2);
    CHECK(xoptim::to_bytes(b) == bytes);

    // A checkpoint of a two-group optimizer does not fit a one-group one.
    auto one = xoptim::adam();
    CHECK_THROWS_WITH_AS(xoptim::from_bytes(bytes, one), doctest::Contains("group count: expected 1, found 2"),
                         xoptim::checkpoint_error);
}

TEST_CASE("checkpoint: hyperparameters and schedules are restored from the file")
{
    auto a = xoptim::adam(xoptim::adam_options{xoptim::lr_option::defaulted(0.01), 0.5, 0.75, 1e-4, 0.25},
                          xoptim::linear_warmup<xoptim::cosine_decay>{{0.3, 7, 0.01, true, 3}, 5, 0.2});
    const auto bytes = xoptim::to_bytes(a);
    auto b = xoptim::adam(xoptim::adam_options{}, xoptim::linear_warmup<xoptim::cosine_decay>{});
    xoptim::from_bytes(bytes, b);
    const auto& sched = b.rule().get<2>().lr;
    CHECK(sched.inner.lr == 0.3);
    CHECK(sched.inner.period == 7u);
    CHECK(sched.inner.eta_min == 0.01);
    CHECK(sched.inner.restarts);
    CHECK(sched.inner.t_mult == 3u);
    CHECK(sched.warmup_steps == 5u);
    CHECK(sched.start_factor == 0.2);
    CHECK(b.rule().get<1>().beta1 == 0.5);
    CHECK(b.rule().get<1>().beta2 == 0.75);
    CHECK(b.rule().get<1>().eps == 1e-4);
    CHECK(b.rule().get<0>().weight_decay == 0.25);
    CHECK(b.learning_rate() == a.learning_rate());
}

TEST_CASE("checkpoint: an optimizer without state yet (lazy, no step taken) round-trips")
{
    auto a = xoptim::rmsprop();
    const auto bytes = xoptim::to_bytes(a);
    auto b = xoptim::rmsprop();
    xt::xtensor<double, 1> w{1.0, 2.0};
    b.step(w, xt::xtensor<double, 1>{1.0, 1.0});
    xoptim::from_bytes(bytes, b);
    CHECK(b.step_count() == 0);
    CHECK(b.groups()[0].tensors.empty());
}

TEST_CASE("checkpoint: empty and zero-dimensional tensors round-trip")
{
    auto a = xoptim::adam();
    std::vector<xt::xarray<double>> p{xt::xarray<double>::from_shape({0}), xt::xarray<double>(2.5),
                                      xt::xarray<double>::from_shape({2, 0, 3})};
    std::vector<xt::xarray<double>> g{xt::xarray<double>::from_shape({0}), xt::xarray<double>(0.5),
                                      xt::xarray<double>::from_shape({2, 0, 3})};
    a.step(0, p, g);
    const auto bytes = xoptim::to_bytes(a, p);
    auto b = xoptim::adam();
    std::vector<xt::xarray<double>> q{xt::xarray<double>::from_shape({0}), xt::xarray<double>(0.0),
                                      xt::xarray<double>::from_shape({2, 0, 3})};
    xoptim::from_bytes(bytes, b, q);
    CHECK(xrel::same_state(a, b));
    CHECK(q[1]() == p[1]());
    CHECK(xoptim::to_bytes(b, q) == bytes);
}

TEST_CASE("checkpoint: every single-byte corruption is detected and changes nothing")
{
    sample s;
    const auto good = xoptim::to_bytes(s.opt, s.w);
    auto target = xoptim::momentum();
    xt::xtensor<double, 1> w{7.0, 8.0, 9.0};
    const auto before = xoptim::to_bytes(target, w);
    for (std::size_t i = 0; i < good.size(); ++i)
    {
        for (unsigned char flip : {0x01, 0x80})
        {
            auto bad = good;
            bad[i] ^= flip;
            CAPTURE(i);
            CHECK_THROWS_AS(xoptim::from_bytes(bad, target, w), xoptim::checkpoint_error);
        }
    }
    CHECK(xoptim::to_bytes(target, w) == before);
    // Truncation at every length is detected as well.
    for (std::size_t n = 0; n < good.size(); ++n)
    {
        std::vector<unsigned char> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_THROWS_AS(xoptim::from_bytes(cut, target, w), xoptim::checkpoint_error);
    }
    CHECK(xoptim::to_bytes(target, w) == before);
    xoptim::from_bytes(good, target, w);
    CHECK(xoptim::to_bytes(target, w) == good);
}

TEST_CASE("checkpoint: each mismatch names what was expected and what was found")
{
    sample s;
    const auto good = xoptim::to_bytes(s.opt, s.w);
    const layout l = walk(good);
    auto target = xoptim::momentum();
    xt::xtensor<double, 1> w{7.0, 8.0, 9.0};
    const auto before = xoptim::to_bytes(target, w);
    auto expect_error = [&](std::vector<unsigned char> bytes, const char* text) {
        CAPTURE(std::string(text));
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(bytes, target, w), doctest::Contains(text), xoptim::checkpoint_error);
        CHECK(xoptim::to_bytes(target, w) == before);
    };

    {
        auto b = good;
        b[0] = 'Y';
        expect_error(b, "magic: expected 0x584f5054434b5054 \"XOPTCKPT\", found 0x594f5054434b5054");
    }
    {
        auto b = good;
        b[8] = 4;
        expect_error(b, "format version: expected 1 to 3, found 4");
    }
    {
        auto b = good;
        std::swap(b[12], b[15]);
        std::swap(b[13], b[14]);
        expect_error(b, "byte order mark: expected 0x0a0b0c0d (little-endian), found 0x0d0c0b0a");
    }
    {
        auto b = good;
        b.insert(b.end() - 8, 0);
        expect_error(b, "payload size: the header says");
    }
    {
        auto b = good;
        b[l.step] ^= 1;
        expect_error(b, "checksum (XXH3-64): expected 0x");
    }
    {
        // The same kind of file for another optimizer.
        auto other = xoptim::adam();
        xt::xtensor<double, 1> v{1.0, 2.0, 3.0};
        other.step(v, v);
        CHECK_THROWS_WITH_AS(
            xoptim::from_bytes(xoptim::to_bytes(other, v), target, w),
            doctest::Contains("optimizer kind: expected \"chain<add_decayed_weights,trace,scale_by_lr<f64>>\", "
                              "found \"chain<add_decayed_weights,scale_by_adam,scale_by_lr<f64>>\""),
            xoptim::checkpoint_error);
        CHECK(xoptim::to_bytes(target, w) == before);
    }
    {
        auto f = xoptim::momentum<float>();
        xt::xtensor<float, 1> v{1.0f, 2.0f, 3.0f};
        f.step(v, v);
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(xoptim::to_bytes(f, v), target, w),
                             doctest::Contains("element type: expected f64, found f32"), xoptim::checkpoint_error);
    }
    {
        xt::xtensor<double, 1> wrong{1.0, 2.0};
        const auto before_wrong = xoptim::to_bytes(target, wrong);
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(good, target, wrong),
                             doctest::Contains("parameter 0 shape: expected {2}, found {3}"), xoptim::checkpoint_error);
        CHECK(xoptim::to_bytes(target, wrong) == before_wrong);
        std::vector<xt::xtensor<double, 1>> two{w, w};
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(good, target, two),
                             doctest::Contains("parameter count: expected 2, found 1"), xoptim::checkpoint_error);
    }
    {
        CHECK_THROWS_WITH_AS(xoptim::from_bytes(xoptim::to_bytes(s.opt), target, w),
                             doctest::Contains("parameters: expected the checkpoint to hold them, found none"),
                             xoptim::checkpoint_error);
    }
    {
        auto b = good;
        xrel::write_u64(b, l.slot0_value + 8, std::bit_cast<std::uint64_t>(std::numeric_limits<double>::quiet_NaN()));
        xrel::reseal(b);
        expect_error(b, "group 0 tensor 0 slot 0: expected finite values, element 1 is nan");
    }
    {
        auto b = good;
        xrel::write_u64(b, l.slot0_value + 24 + 20 + 16, std::bit_cast<std::uint64_t>(-HUGE_VAL));
        xrel::reseal(b);
        expect_error(b, "parameter 0: expected finite values, element 2 is inf");
    }
    {
        // momentum = -1 (the second field) fails the rule's own validation.
        auto b = good;
        xrel::write_u64(b, l.tag_at[1] + 1, std::bit_cast<std::uint64_t>(-1.0));
        xrel::reseal(b);
        expect_error(b, "group 0 hyperparameters: momentum: momentum must be finite and >= 0, got -1");
    }
    {
        auto b = good;
        xrel::write_u64(b, l.tag_at[0] + 1, std::bit_cast<std::uint64_t>(std::numeric_limits<double>::infinity()));
        xrel::reseal(b);
        expect_error(b, "group 0 hyperparameter add_decayed_weights.weight_decay: expected a finite number, found inf");
    }
    {
        auto b = good;
        b[l.tag_at[3]] = 0x18;  // nesterov recorded as a number
        xrel::reseal(b);
        expect_error(b, "group 0 hyperparameter trace.nesterov type: expected bool, found f64");
    }
    {
        auto b = good;
        b[l.tag_at[3] + 1] = 2;  // a bool of 2
        xrel::reseal(b);
        expect_error(b, "expected 0 or 1, found 2");
    }
    {
        auto b = good;
        b[l.slot0_flag] = 0;
        xrel::reseal(b);
        expect_error(b, "group 0 tensor 0 slot 0: expected in use (1) for these hyperparameters, found 0");
    }
    {
        // Sizes are bounded before anything is allocated.
        auto b = good;
        xrel::write_u64(b, l.dim0, std::uint64_t(1) << 39);
        xrel::reseal(b);
        expect_error(b, "truncated: group 0 tensor 0 slot 0 values needs 4398046511104 bytes");
        xrel::write_u64(b, l.dim0, std::uint64_t(1) << 62);
        xrel::reseal(b);
        expect_error(b, "group 0 tensor 0 extent 0: expected at most 1099511627776, found 4611686018427387904");
        b = good;
        xrel::write_u64(b, l.ntensors, ~std::uint64_t(0));
        xrel::reseal(b);
        expect_error(b, "group 0 tensor count: expected at most");
        b = good;
        b[l.rank] = 200;
        xrel::reseal(b);
        expect_error(b, "group 0 tensor 0 rank: expected at most 32, found 200");
        b = good;
        for (std::size_t i = 0; i < 4; ++i) { b[l.kind_len + i] = 0xFF; }
        xrel::reseal(b);
        expect_error(b, "optimizer kind length: expected at most 4096, found");
    }
    {
        auto b = good;
        b[l.flags] = 0x03;
        xrel::reseal(b);
        expect_error(b, "flags: expected only 0x01 to be possible, found 0x03");
    }
    {
        auto b = good;
        b.insert(b.end() - 8, {1, 2, 3});
        xrel::write_u64(b, 16, xrel::read_u64(b, 16) + 3);
        xrel::reseal(b);
        expect_error(b, "payload: expected it to end at offset");
    }
}

TEST_CASE("checkpoint: saving is atomic and never replaces a good file with a bad one")
{
    const fs::path file = out_dir() / "atomic.ckpt";
    fs::remove(file);
    sample s;
    xoptim::save_checkpoint(file, s.opt, s.w);
    const auto first = file_bytes(file);
    CHECK(first == xoptim::to_bytes(s.opt, s.w));
    CHECK_FALSE(fs::exists(file.string() + ".tmp"));

    // A state that cannot be loaded back is not written.
    auto diverged = xoptim::momentum();
    xt::xtensor<double, 1> w{1.0, 2.0, 3.0};
    diverged.step(w, xt::xtensor<double, 1>{1.0, std::numeric_limits<double>::infinity(), 1.0});
    CHECK_THROWS_WITH_AS(xoptim::save_checkpoint(file, diverged, w),
                         doctest::Contains("group 0 tensor 0 slot 0: expected finite values, element 1 is inf"),
                         xoptim::checkpoint_error);
    CHECK(file_bytes(file) == first);

    // A crash mid-write leaves at most a partial temporary file: the checkpoint is intact,
    // loads, and the next save replaces the leftover.
    write_bytes(file.string() + ".tmp", std::vector<unsigned char>(first.begin(), first.begin() + 40));
    auto loaded = xoptim::momentum();
    xt::xtensor<double, 1> v{0.0, 0.0, 0.0};
    xoptim::load_checkpoint(file, loaded, v);
    CHECK(xrel::same_bits(v, s.w));
    s.opt.step(s.w, xt::xtensor<double, 1>{1.0, 1.0, 1.0});
    xoptim::save_checkpoint(file, s.opt, s.w);
    CHECK(file_bytes(file) == xoptim::to_bytes(s.opt, s.w));
    CHECK_FALSE(fs::exists(file.string() + ".tmp"));

    // An unwritable destination fails without creating anything.
    const fs::path nowhere = out_dir() / "no-such-dir" / "x.ckpt";
    CHECK_THROWS_WITH_AS(xoptim::save_checkpoint(nowhere, s.opt), doctest::Contains("cannot create"),
                         xoptim::checkpoint_error);
    CHECK_FALSE(fs::exists(nowhere));
}

TEST_CASE("checkpoint: a missing or unreadable file is a checkpoint_error naming the path")
{
    auto o = xoptim::adam();
    const fs::path missing = out_dir() / "missing.ckpt";
    fs::remove(missing);
    CHECK_THROWS_WITH_AS(xoptim::load_checkpoint(missing, o), doctest::Contains("missing.ckpt\": no such file"),
                         xoptim::checkpoint_error);
    CHECK_THROWS_WITH_AS(xoptim::load_checkpoint(out_dir(), o), doctest::Contains("not a regular file"),
                         xoptim::checkpoint_error);
    const fs::path empty = out_dir() / "empty.ckpt";
    write_bytes(empty, {});
    CHECK_THROWS_WITH_AS(xoptim::load_checkpoint(empty, o),
                         doctest::Contains("file size: expected at least 32 bytes, found 0"), xoptim::checkpoint_error);
}

TEST_CASE("checkpoint: saving refuses non-finite parameters")
{
    auto o = xoptim::sgd();
    xt::xtensor<double, 1> w{1.0, std::numeric_limits<double>::quiet_NaN()};
    CHECK_THROWS_WITH_AS(xoptim::to_bytes(o, w),
                         doctest::Contains("parameter 0: expected finite values, element 1 is nan"),
                         xoptim::checkpoint_error);
}
