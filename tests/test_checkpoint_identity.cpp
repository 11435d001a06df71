// Checkpoint format 3: the XXH3-64 checksum against published vectors, the record of what a
// state was made on (a tag and the parameters' names) and its refusal of another problem by
// name, and files of format 2 (tests/data/checkpoints_v2/) still loading bit for bit.
#include <doctest/doctest.h>

#include "old_format_run.hpp"

#include <xoptim/any_optimizer.hpp>
#include <xoptim/io/checkpoint.hpp>
#include <xoptim/io/lbfgs_checkpoint.hpp>
#include <xoptim/optimizers.hpp>
#include <xoptim/problems/objective.hpp>
#include <xoptim/problems/test_functions.hpp>

#include <xtensor/xtensor.hpp>

#include "reliability_helpers.hpp"

#include "paths.hpp"
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace
{
    using vec = xt::xtensor<double, 1>;
    const std::string v2_dir = std::string(xoptim_test::data_dir()) + "/checkpoints_v2/";

    std::string message_of(auto&& f)
    {
        try
        {
            f();
        }
        catch (const xoptim::checkpoint_error& e)
        {
            return e.what();
        }
        return "(no checkpoint_error)";
    }

    bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

    std::vector<unsigned char> file_bytes(const std::string& name)
    {
        return xoptim::detail::ckpt::read_file(v2_dir + name);
    }

    // Loads `name` (format 2) into `blank`, and compares its state (saved again, as bytes)
    // and parameters with the run replayed now: equal bit for bit.
    template <class V, class Opt>
    void check_v2_file(const std::string& name, Opt made, Opt blank, bool two_groups)
    {
        CAPTURE(name);
        REQUIRE(file_bytes(name + ".ckpt")[8] == 2);
        const auto w = xoptim_test::replay_old_format_run<V>(made, two_groups);
        if (two_groups) { blank.add_group(blank.rule()); }
        Opt with_params = blank;
        xoptim::load_checkpoint(v2_dir + name + ".ckpt", blank);
        CHECK(xoptim::to_bytes(blank) == xoptim::to_bytes(made));
        xt::xtensor<V, 1> loaded_w = xt::zeros<V>({6});
        // An identity expected of a file that records none: it loads as before.
        xoptim::load_checkpoint(v2_dir + name + "_params.ckpt", with_params, loaded_w, {.tag = "any problem"});
        CHECK(xoptim::to_bytes(with_params, loaded_w) == xoptim::to_bytes(made, w));
        CHECK(std::memcmp(loaded_w.data(), w.data(), w.size() * sizeof(V)) == 0);
        CHECK(xoptim::checkpoint_identity_of(file_bytes(name + "_params.ckpt")).empty());
    }

    double rosenbrock_chain(const double* x, double* g, std::size_t n)
    {
        double f = 0;
        for (std::size_t i = 0; i < n; ++i) { g[i] = 0; }
        for (std::size_t i = 0; i + 1 < n; ++i)
        {
            const double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
            f += a * a + 100 * b * b;
            g[i] += -2 * a - 400 * x[i] * b;
            g[i + 1] += 200 * b;
        }
        return f;
    }
}

TEST_CASE("checkpoint: XXH3-64 matches the published test vectors")
{
    // The vectors of LLVM's llvm/unittests/Support/xxhashTest.cpp (xxh3 case): the first
    // `len` bytes of a xorshift64 stream (x = 1; x ^= x << 13; x ^= x >> 7; x ^= x << 17; the
    // low byte each time). The lengths reach each of XXH3's input-size paths.
    std::vector<unsigned char> a(2243);
    std::uint64_t x = 1;
    for (auto& byte : a)
    {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        byte = static_cast<unsigned char>(x);
    }
    const struct
    {
        std::size_t len;
        std::uint64_t hash;
    } vectors[] = {{0, 0x2d06800538d394c2ull},    {1, 0xd0d496e05c553485ull},   {3, 0x6ea2d59aca5c3778ull},
                   {8, 0xabc1413da6cd0209ull},    {16, 0x7e46916754d7c9b8ull},  {17, 0xed4be912ba5f836dull},
                   {128, 0x06a146ee9a2da378ull},  {129, 0xbc7138129bf065daull}, {403, 0xcefeb3ffa532ad8cull},
                   {2048, 0x330ce110cbb79eaeull}, {2243, 0x0979f786a24edde7ull}};
    for (const auto& v : vectors)
    {
        CAPTURE(v.len);
        CHECK(xoptim::detail::ckpt::xxh3_64(a.data(), v.len) == v.hash);
        CHECK(xoptim::checkpoint_format::checksum(3, a.data(), v.len) == v.hash);
    }
    const unsigned char letter_a[] = {'a'};
    CHECK(xoptim::detail::ckpt::xxh3_64(letter_a, 1) == 0xe6c632b61e964e1full);
    // Formats 1 and 2 keep FNV-1a 64.
    CHECK(xoptim::checkpoint_format::checksum(2, letter_a, 1) == 0xaf63dc4c8601ec8cull);
    CHECK(xoptim::checkpoint_format::checksum(1, letter_a, 1) == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("checkpoint identity: recorded in the file after the header, read back as given")
{
    auto opt = xoptim::adam({.lr = 0.1});
    std::vector<vec> params = {vec{1.0, 2.0}, vec{0.5}};
    opt.step(params[0], vec{0.1, 0.2});
    const xoptim::checkpoint_identity id{"mlp on digits", {"layer0.weight", "layer0.bias"}};
    const auto b = xoptim::to_bytes(opt, params, id);
    CHECK(b[8] == 3);
    // u32 tag length, tag, u32 name count, each name as u32 length and bytes.
    CHECK(xrel::read_u32(b, 24) == id.tag.size());
    CHECK(std::memcmp(b.data() + 28, id.tag.data(), id.tag.size()) == 0);
    CHECK(xrel::read_u32(b, 28 + id.tag.size()) == 2u);
    CHECK(xrel::read_u32(b, 32 + id.tag.size()) == 13u);
    CHECK(xrel::kind_at(b) == 32 + id.tag.size() + 4 + 13 + 4 + 11);
    CHECK(xoptim::checkpoint_identity_of(b) == id);
    CHECK(xoptim::checkpoint_identity_of(xoptim::to_bytes(opt)).empty());

    const auto path = std::filesystem::path(xoptim_test::output_dir()) / "identity.ckpt";
    xoptim::save_checkpoint(path, opt, params, id);
    CHECK(xoptim::read_checkpoint_identity(path) == id);
}

TEST_CASE("checkpoint identity: a load expecting another tag or other names is refused, naming both")
{
    auto opt = xoptim::adam({.lr = 0.1});
    std::vector<vec> params = {vec{1.0, 2.0}, vec{0.5}};
    opt.step(params[0], vec{0.1, 0.2});
    const xoptim::checkpoint_identity id{"rosenbrock", {"x", "y"}};
    const auto b = xoptim::to_bytes(opt, params, id);

    auto target = xoptim::adam({.lr = 0.3});
    std::vector<vec> into = {vec{0.0, 0.0}, vec{0.0}};
    const auto before = xoptim::to_bytes(target, into);

    CHECK(message_of([&] { xoptim::from_bytes(b, target, into, {.tag = "beale"}); })
          == "xoptim checkpoint: made on \"rosenbrock\", expected \"beale\"");
    CHECK(message_of([&] {
              xoptim::from_bytes(b, target, {.tag = "beale", .names = {"x", "y"}});
          })
          == "xoptim checkpoint: made on \"rosenbrock\", expected \"beale\"");
    CHECK(
        message_of([&] {
            xoptim::from_bytes(b, target, into, {.names = {"x", "z"}});
        })
        == "xoptim checkpoint: parameter names: made on (x, y), expected (x, z); parameter 1 is \"y\", expected \"z\"");
    CHECK(message_of([&] { xoptim::from_bytes(b, target, into, {.names = {"x"}}); })
          == "xoptim checkpoint: parameter names: made on (x, y), expected (x)");
    // Nothing changed.
    CHECK(xoptim::to_bytes(target, into) == before);

    // The parts the caller sets are checked: the same tag alone, or the same names alone, load.
    auto a = target;
    auto pa = into;
    xoptim::from_bytes(b, a, pa, {.tag = "rosenbrock"});
    CHECK(pa[0] == params[0]);
    auto c = target;
    xoptim::from_bytes(b, c, {.names = {"x", "y"}});
    CHECK(c.learning_rate() == 0.1);
    // Without an identity to check, the file loads as before.
    auto d = target;
    xoptim::from_bytes(b, d);
    CHECK(xoptim::to_bytes(d) == xoptim::to_bytes(opt));

    // A file with a tag and no names, expected to have names: refused.
    const auto tag_only = xoptim::to_bytes(opt, params, {.tag = "rosenbrock"});
    CHECK(message_of([&] { xoptim::from_bytes(tag_only, target, into, id); })
          == "xoptim checkpoint: parameter names: made on none, expected (x, y)");

    // Many names are shown in part, with their count.
    std::vector<std::string> many;
    for (int k = 0; k < 10; ++k) { many.push_back("p" + std::to_string(k)); }
    auto other = many;
    other[9] = "q";
    const std::vector<vec> ten(10, vec{1.0});
    const auto b10 = xoptim::to_bytes(xoptim::sgd(), ten, {.names = many});
    auto s = xoptim::sgd();
    CHECK(
        message_of([&] { xoptim::from_bytes(b10, s, {.names = other}); })
        == "xoptim checkpoint: parameter names: made on (p0, p1, p2, p3, p4, p5, p6, p7, ... 10 in all), expected (p0, "
           "p1, p2, p3, p4, p5, p6, p7, ... 10 in all); parameter 9 is \"p9\", expected \"q\"");
}

TEST_CASE("checkpoint identity: bad identities are refused at save, bad ones in a file at load")
{
    auto opt = xoptim::sgd({.lr = 0.1});
    vec w = {1.0, 2.0};
    const auto path = std::filesystem::path(xoptim_test::output_dir()) / "identity_bad.ckpt";
    xoptim::save_checkpoint(path, opt, w);
    const auto good = xoptim::detail::ckpt::read_file(path);

    // One name per saved parameter.
    CHECK(message_of([&] {
              xoptim::save_checkpoint(path, opt, w, {.names = {"a", "b"}});
          })
          == "xoptim checkpoint: identity names: expected 1 (one per parameter saved), found 2 (the checkpoint was not "
             "written)");
    CHECK(contains(message_of([&] { xoptim::save_checkpoint(path, opt, w, {.tag = std::string(4097, 't')}); }),
                   "identity tag: expected at most 4096 bytes, found 4097"));
    CHECK(contains(message_of([&] { xoptim::save_checkpoint(path, opt, {.names = {std::string(1025, 'n')}}); }),
                   "identity name 0: expected at most 1024 bytes, found 1025"));
    // The file is as it was.
    CHECK(xoptim::detail::ckpt::read_file(path) == good);

    // A file whose name count exceeds what its bytes can hold, or whose names do not match its
    // parameter count, is refused by name.
    {
        auto b = good;
        xrel::write_u32(b, 28, 0xFFFFFFFFu);
        xrel::reseal(b);
        auto t = xoptim::sgd();
        CHECK(contains(message_of([&] { xoptim::from_bytes(b, t); }), "identity name count: expected at most"));
    }
    {
        // The identity of `good` (empty tag, no names: bytes 24 to 32) replaced by two names
        // for its one parameter.
        std::vector<unsigned char> b(good.begin(), good.begin() + 24);
        b.insert(b.end(), {0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 'a', 1, 0, 0, 0, 'b'});
        b.insert(b.end(), good.begin() + 32, good.end());
        xrel::write_u64(b, 16, b.size() - 32);
        xrel::reseal(b);
        CHECK(xoptim::checkpoint_identity_of(b) == xoptim::checkpoint_identity{"", {"a", "b"}});
        auto t = xoptim::sgd();
        CHECK(message_of([&] { xoptim::from_bytes(b, t); })
              == "xoptim checkpoint: parameter count: expected 2 (the names the file records), found 1");
        CHECK(t.step_count() == 0);
    }
}

TEST_CASE("checkpoint identity: L-BFGS and any_optimizer record and check it too")
{
    xoptim::lbfgs<double> l({.lr = 0.5, .max_iter = 3, .history_size = 2});
    vec x = {-1.2, 1.0, -0.5, 0.8};
    const auto closure = [](const auto& w, auto& g) { return rosenbrock_chain(w.data(), g.data(), w.size()); };
    l.step(x, closure);
    const xoptim::checkpoint_identity id{"chain 4", {"x"}};
    const auto b = xoptim::to_bytes(l, x, id);
    CHECK(xoptim::checkpoint_identity_of(b) == id);
    xoptim::lbfgs<double> back;
    vec y = xt::zeros<double>({4});
    CHECK(message_of([&] { xoptim::from_bytes(b, back, y, {.tag = "chain 5"}); })
          == "xoptim checkpoint: made on \"chain 4\", expected \"chain 5\"");
    CHECK(back.step_count() == 0);
    xoptim::from_bytes(b, back, y, id);
    CHECK(xoptim::to_bytes(back, y) == xoptim::to_bytes(l, x));

    xoptim::any_optimizer<double> any(xoptim::adam({.lr = 0.1}));
    vec w = {1.0, 2.0};
    any.step(w, vec{0.5, 0.5});
    const auto path = std::filesystem::path(xoptim_test::output_dir()) / "identity_any.ckpt";
    xoptim::save_checkpoint(path, any, w, {.tag = "line"});
    CHECK(xoptim::read_checkpoint_identity(path).tag == "line");
    xoptim::any_optimizer<double> target(xoptim::adam({.lr = 0.1}));
    vec v = {0.0, 0.0};
    CHECK(message_of([&] { xoptim::load_checkpoint(path, target, v, {.tag = "plane"}); })
          == "xoptim checkpoint: made on \"line\", expected \"plane\"");
    CHECK(target.step_count() == 0);
    xoptim::load_checkpoint(path, target, v, {.tag = "line"});
    CHECK(target.step_count() == 1);
    CHECK(v == w);
}

TEST_CASE("checkpoints: format 2 files load bit for bit")
{
    using namespace xoptim;
    check_v2_file<double>("sgd", sgd({.lr = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.01}), sgd(),
                          true);
    check_v2_file<double>("adam", adam({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7, .weight_decay = 0.03}),
                          adam(), true);
    check_v2_file<float>("adam_f32", adam<float>({.lr = 0.02, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-7}), adam<float>(),
                         false);
    check_v2_file<double>(
        "rmsprop",
        rmsprop({.lr = 0.015, .alpha = 0.9, .eps = 5e-8, .weight_decay = 0.006, .momentum = 0.4, .centered = true}),
        rmsprop({.centered = true}), false);
    check_v2_file<double>(
        "adamw_warmup_cosine",
        adamw({.beta1 = 0.85, .weight_decay = 0.1},
              linear_warmup<cosine_decay>{cosine_decay{.lr = 0.05, .period = 20, .eta_min = 0.001}, 2, 0.25}),
        adamw({}, linear_warmup<cosine_decay>{cosine_decay{}, 1, 0.5}), true);

    // L-BFGS: three steps on the 4-D Rosenbrock chain, replayed.
    lbfgs<double> l({.lr = 1.0, .max_iter = 4, .history_size = 3, .line_search_fn = line_search::strong_wolfe});
    vec x = {-1.2, 1.0, -0.5, 0.8};
    const auto closure = [](const auto& w, auto& g) { return rosenbrock_chain(w.data(), g.data(), w.size()); };
    for (int k = 0; k < 3; ++k) { l.step(x, closure); }
    REQUIRE(file_bytes("lbfgs.ckpt")[8] == 2);
    lbfgs<double> a, b;
    load_checkpoint(v2_dir + "lbfgs.ckpt", a);
    CHECK(to_bytes(a) == to_bytes(l));
    vec y = xt::zeros<double>({4});
    load_checkpoint(v2_dir + "lbfgs_params.ckpt", b, y, {.tag = "chain"});
    CHECK(to_bytes(b, y) == to_bytes(l, x));

    // A v2 file corrupted is refused by its own checksum, FNV-1a 64.
    auto bad = file_bytes("sgd.ckpt");
    bad[40] ^= 1;
    auto s = sgd();
    s.add_group(s.rule());
    CHECK(contains(message_of([&] { from_bytes(bad, s); }), "checksum (FNV-1a 64): expected 0x"));
}

TEST_CASE("checkpoints: format 1 and 2 files saved again are format 3 and read back the same")
{
    auto opt = xoptim::adam();
    opt.add_group(opt.rule());
    vec w = xt::zeros<double>({6});
    xoptim::load_checkpoint(std::string(xoptim_test::data_dir()) + "/checkpoints_v1/adam_params.ckpt", opt, w);
    const auto again = xoptim::to_bytes(opt, w, {.tag = "from v1"});
    CHECK(again[8] == 3);
    auto back = xoptim::adam();
    back.add_group(back.rule());
    vec v = xt::zeros<double>({6});
    xoptim::from_bytes(again, back, v, {.tag = "from v1"});
    CHECK(xoptim::to_bytes(back, v) == xoptim::to_bytes(opt, w));
}
