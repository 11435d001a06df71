// xoptim::clip_grad_norm against torch.nn.utils.clip_grad_norm_ of PyTorch 1.13
// (tests/data/clip_grad_norm.csv, made by scripts/reference/clip_grad_norm.py), through every
// kind of list it takes, and cases derived by hand.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xfixed.hpp>
#include <xtensor/xmanipulation.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <xoptim/clip_grad_norm.hpp>

#include "reference_csv.hpp"

namespace
{
    using t1 = xt::xtensor<double, 1>;
    using t2 = xt::xtensor<double, 2>;
    using t3f = xt::xtensor<float, 3>;
    using column_view = decltype(xt::view(std::declval<t2&>(), xt::all(), 1));
    using const_view = decltype(xt::view(std::declval<const t2&>(), xt::all(), 1));
    using adaptor = decltype(xt::adapt(std::declval<std::vector<double>&>(), std::array<std::size_t, 2>{}));
    using lazy = decltype(2.0 * std::declval<t1&>());

    // clip_grad_norm(l, 1.0) compiles for an argument of type L (L& an lvalue, L an rvalue).
    template <class L>
    concept clippable = requires(L&& l)
    {
        xoptim::clip_grad_norm(std::forward<L>(l), 1.0);
    };
}

// ---- the concepts, both ways --------------------------------------------------------------

static_assert(xoptim::gradient_tensor<t1>);
static_assert(xoptim::gradient_tensor<t3f>);
static_assert(xoptim::gradient_tensor<xt::xarray<double>>);
static_assert(xoptim::gradient_tensor<xt::xtensor_fixed<double, xt::xshape<2, 3>>>);
static_assert(xoptim::gradient_tensor<column_view>);
static_assert(xoptim::gradient_tensor<adaptor>);
static_assert(!xoptim::gradient_tensor<const t1>);
static_assert(!xoptim::gradient_tensor<const_view>);
static_assert(!xoptim::gradient_tensor<lazy>);
static_assert(!xoptim::gradient_tensor<xt::xtensor<int, 1>>);
static_assert(!xoptim::gradient_tensor<double>);
static_assert(!xoptim::gradient_tensor<std::vector<double>>);

static_assert(xoptim::gradient_handle<t1&>);
static_assert(xoptim::gradient_handle<t1*>);
static_assert(xoptim::gradient_handle<t1* const&>);
static_assert(xoptim::gradient_handle<std::unique_ptr<t2>>);
static_assert(xoptim::gradient_handle<std::reference_wrapper<t3f>>);
static_assert(xoptim::gradient_handle<xoptim::gradient_ref>);
static_assert(xoptim::gradient_handle<const xoptim::gradient_ref&>);
static_assert(!xoptim::gradient_handle<const t1&>);
static_assert(!xoptim::gradient_handle<const t1*>);
static_assert(!xoptim::gradient_handle<std::reference_wrapper<const t1>>);
static_assert(!xoptim::gradient_handle<double&>);
static_assert(!xoptim::gradient_handle<int*>);

static_assert(xoptim::gradient_range<std::vector<t1>&>);
static_assert(xoptim::gradient_range<std::array<t2, 3>>);
static_assert(xoptim::gradient_range<std::span<t3f>>);
static_assert(xoptim::gradient_range<std::vector<t1*>>);
static_assert(xoptim::gradient_range<const std::vector<t1*>&>);
static_assert(xoptim::gradient_range<std::vector<std::reference_wrapper<t2>>>);
static_assert(xoptim::gradient_range<std::vector<xoptim::gradient_ref>>);
static_assert(!xoptim::gradient_range<const std::vector<t1>&>);
static_assert(!xoptim::gradient_range<std::vector<double>>);
static_assert(!xoptim::gradient_range<t1>);  // a range of doubles, not of tensors

static_assert(xoptim::gradient_tuple<std::tuple<t2&, t1&>>);
static_assert(xoptim::gradient_tuple<std::tuple<t2*, t1&, xoptim::gradient_ref>>);
static_assert(xoptim::gradient_tuple<std::pair<t2&, t3f&>>);
static_assert(xoptim::gradient_tuple<std::tuple<>>);
static_assert(!xoptim::gradient_tuple<std::tuple<t2&, int&>>);
static_assert(!xoptim::gradient_tuple<std::tuple<const t2&>>);
static_assert(!xoptim::gradient_tuple<std::array<t1, 2>>);  // a range: taken as one

static_assert(xoptim::gradient_list<t1&>);
static_assert(xoptim::gradient_list<column_view>);  // a temporary view writes through
static_assert(xoptim::gradient_list<std::vector<t1>&>);
static_assert(xoptim::gradient_list<std::tuple<t2&, t1&>>);  // std::tie(...)
static_assert(xoptim::gradient_list<std::span<t1>>);
static_assert(xoptim::gradient_list<std::vector<t1*>>);
static_assert(xoptim::gradient_list<std::vector<xoptim::gradient_ref>>);
static_assert(!xoptim::gradient_list<t1>);               // a temporary copy
static_assert(!xoptim::gradient_list<std::vector<t1>>);  // std::vector{gW, gb} copies
static_assert(!xoptim::gradient_list<std::array<t1, 2>>);
static_assert(!xoptim::gradient_list<std::tuple<t2, t1>>);  // std::make_tuple copies
static_assert(!xoptim::gradient_list<const t1&>);
static_assert(!xoptim::gradient_list<std::vector<double>&>);
static_assert(!xoptim::gradient_list<lazy>);

// Misuse fails at the call.
static_assert(clippable<t1&> && clippable<std::vector<t2>&> && clippable<std::tuple<t2&, t1&>>);
static_assert(
    !clippable<const t1&> && !clippable<std::vector<t1>> && !clippable<lazy> && !clippable<std::vector<int>&>);
static_assert(std::is_constructible_v<xoptim::gradient_ref, t2&>);
static_assert(!std::is_constructible_v<xoptim::gradient_ref, t2>);  // would dangle
static_assert(!std::is_constructible_v<xoptim::gradient_ref, column_view>);
static_assert(!std::is_constructible_v<xoptim::gradient_ref, const t2&>);

// ---- the torch reference ------------------------------------------------------------------

namespace
{
    using xoptim_test::csv_row;

    struct reference_tensor
    {
        std::vector<std::size_t> shape;
        std::vector<double> grad, clipped;
    };

    struct reference_case
    {
        std::string name, dtype;
        double max_norm = 0, norm_type = 0, total_norm = 0;
        bool error_if_nonfinite = false, raised = false;
        std::vector<reference_tensor> tensors;
    };

    std::vector<std::size_t> parse_shape(const std::string& s)
    {
        std::vector<std::size_t> shape;
        std::size_t start = 0;
        while (start <= s.size())
        {
            const std::size_t end = std::min(s.find('x', start), s.size());
            shape.push_back(std::stoul(s.substr(start, end - start)));
            start = end + 1;
        }
        return shape;
    }

    const std::vector<reference_case>& reference_cases()
    {
        static const std::vector<reference_case> cases = [] {
            xoptim_test::csv_table t;
            xoptim_test::read_csv_table("clip_grad_norm.csv", t);
            std::vector<reference_case> out;
            for (const csv_row& r : t.rows)
            {
                if (out.empty() || out.back().name != r["case"])
                {
                    reference_case c;
                    c.name = r["case"];
                    c.dtype = r["dtype"];
                    c.max_norm = r.number("max_norm");
                    c.norm_type = r.number("norm_type");
                    c.total_norm = r.number("total_norm");
                    c.error_if_nonfinite = r["error_if_nonfinite"] == "1";
                    c.raised = r["raised"] == "1";
                    out.push_back(c);
                }
                out.back().tensors.push_back({parse_shape(r["shape"]), r.numbers("grad"), r.numbers("clipped")});
            }
            return out;
        }();
        return cases;
    }

    template <class V>
    xt::xarray<V> make_array(const std::vector<std::size_t>& shape, const std::vector<double>& values)
    {
        auto a = xt::xarray<V>::from_shape(shape);
        REQUIRE(a.size() == values.size());
        std::transform(values.begin(), values.end(), a.begin(), [](double v) { return static_cast<V>(v); });
        return a;
    }

    // The largest relative difference to torch seen for each dtype, reported at the end.
    std::map<std::string, double>& largest_difference()
    {
        static std::map<std::string, double> d;
        return d;
    }

    // a equals the reference b: both nan, the same infinity, zeros of the same sign, or
    // finite within tol relative; records the relative difference.
    void check_value(double a, double b, double tol, const std::string& what)
    {
        if (std::isnan(b))
        {
            CHECK(std::isnan(a));
            return;
        }
        if (std::isinf(b) || b == 0.0)
        {
            CHECK(a == b);
            CHECK(std::signbit(a) == std::signbit(b));
            return;
        }
        const double rel = std::fabs(a - b) / std::fabs(b);
        double& worst = largest_difference()[what];
        worst = std::max(worst, rel);
        CHECK(rel <= tol);
    }

    double tolerance(const reference_case& c) { return c.dtype == "float32" ? 4e-7 : 1e-14; }

    template <class V>
    void check_against(const reference_case& c, const std::vector<xt::xarray<V>>& out, double total, bool raised)
    {
        INFO("case " << c.name);
        CHECK(raised == c.raised);
        if (!c.raised) { check_value(total, c.total_norm, tolerance(c), c.dtype + " total norm"); }
        REQUIRE(out.size() == c.tensors.size());
        for (std::size_t k = 0; k < out.size(); ++k)
        {
            INFO("tensor " << k);
            REQUIRE(out[k].size() == c.tensors[k].clipped.size());
            for (std::size_t i = 0; i < out[k].size(); ++i)
            {
                check_value(static_cast<double>(out[k].flat(i)), c.tensors[k].clipped[i], tolerance(c),
                            c.dtype + " gradients");
            }
        }
    }

    // Clips the case's gradients held in `list` (built over the arrays by make_list) and checks
    // the result, the returned norm and whether it raised against torch's.
    template <class V, class MakeList>
    void replay(const reference_case& c, MakeList&& make_list)
    {
        std::vector<xt::xarray<V>> grads;
        for (const auto& t : c.tensors) { grads.push_back(make_array<V>(t.shape, t.grad)); }
        auto&& list = make_list(grads);
        double total = std::numeric_limits<double>::quiet_NaN();
        bool raised = false;
        try
        {
            total = xoptim::clip_grad_norm(list, c.max_norm, c.norm_type, c.error_if_nonfinite);
        }
        catch (const xoptim::nonfinite_norm& e)
        {
            raised = true;
            CHECK(std::isnan(e.norm()) == std::isnan(c.total_norm));
            if (!std::isnan(c.total_norm)) { CHECK(e.norm() == c.total_norm); }
            CHECK(e.norm_type() == c.norm_type);
        }
        check_against(c, grads, total, raised);
    }

    template <class V>
    void replay_all_ways(const reference_case& c)
    {
        {
            INFO("std::vector of tensors");
            replay<V>(
                c, [](std::vector<xt::xarray<V>> & g) -> auto& { return g; });
        }
        {
            INFO("std::span");
            replay<V>(c, [](std::vector<xt::xarray<V>>& g) { return std::span<xt::xarray<V>>(g); });
        }
        {
            INFO("std::vector of pointers");
            replay<V>(c, [](std::vector<xt::xarray<V>>& g) {
                std::vector<xt::xarray<V>*> p;
                for (auto& t : g) { p.push_back(&t); }
                return p;
            });
        }
        {
            INFO("std::vector of gradient_ref");
            replay<V>(c, [](std::vector<xt::xarray<V>>& g) {
                std::vector<xoptim::gradient_ref> r;
                for (auto& t : g) { r.emplace_back(t); }
                return r;
            });
        }
    }

    void report_largest_difference()
    {
        for (const auto& [what, d] : largest_difference())
        {
            MESSAGE(what << ": largest relative difference to torch " << d);
        }
    }
}

TEST_CASE("clip_grad_norm equals torch 1.13's clip_grad_norm_ on every reference case")
{
    const auto& cases = reference_cases();
    REQUIRE(cases.size() >= 30);
    for (const auto& c : cases)
    {
        CAPTURE(c.name);
        if (c.dtype == "float32") { replay_all_ways<float>(c); }
        else { replay_all_ways<double>(c); }
    }
    report_largest_difference();
}

namespace
{
    // The cases over gradients of shapes (7), (3, 4), (2, 3, 4): replayed through typed tensors.
    bool ranks_one_to_three(const reference_case& c)
    {
        return c.tensors.size() == 3 && c.tensors[0].shape == std::vector<std::size_t>{7}
               && c.tensors[1].shape == std::vector<std::size_t>{3, 4}
               && c.tensors[2].shape == std::vector<std::size_t>{2, 3, 4};
    }

    template <class V>
    std::vector<xt::xarray<V>> as_arrays(const auto&... tensors)
    {
        std::vector<xt::xarray<V>> out;
        (out.push_back(xt::xarray<V>(tensors)), ...);
        return out;
    }

    template <class V>
    void typed_replay(const reference_case& c)
    {
        auto a = make_array<V>(c.tensors[0].shape, c.tensors[0].grad);
        auto b = make_array<V>(c.tensors[1].shape, c.tensors[1].grad);
        auto d = make_array<V>(c.tensors[2].shape, c.tensors[2].grad);

        {
            INFO("std::tie of a rank-1, a rank-2 and a rank-3 xtensor");
            xt::xtensor<V, 1> g1 = a;
            xt::xtensor<V, 2> g2 = b;
            xt::xtensor<V, 3> g3 = d;
            const double total = xoptim::clip_grad_norm(std::tie(g1, g2, g3), c.max_norm, c.norm_type);
            check_against(c, as_arrays<V>(g1, g2, g3), total, false);
        }
        {
            INFO("std::vector<gradient_ref> over an xtensor_fixed, an xt::adapt and a strided view");
            xt::xtensor_fixed<V, xt::xshape<7>> g1 = a;
            std::vector<V> storage(b.begin(), b.end());
            auto g2 = xt::adapt(storage, std::array<std::size_t, 2>{3, 4});
            // Every other column of a (2, 3, 8) buffer: not contiguous.
            xt::xtensor<V, 3> buffer = xt::zeros<V>({2, 3, 8});
            auto g3 = xt::view(buffer, xt::all(), xt::all(), xt::range(0, 8, 2));
            g3 = d;
            std::vector<xoptim::gradient_ref> grads{g1, g2, g3};
            const double total = xoptim::clip_grad_norm(grads, c.max_norm, c.norm_type);
            check_against(c, as_arrays<V>(g1, g2, g3), total, false);
            CHECK(xt::view(buffer, xt::all(), xt::all(), xt::range(1, 8, 2)) == xt::zeros<V>({2, 3, 4}));
        }
        {
            INFO("a tuple of reference wrappers (one of a transposed view) and a pointer");
            xt::xtensor<V, 1> g1 = a;
            xt::xtensor<V, 2> stored = xt::transpose(b);  // (4, 3); its transpose is the gradient
            auto g2 = xt::transpose(stored);
            xt::xtensor<V, 3> g3 = d;
            const double total =
                xoptim::clip_grad_norm(std::tuple(std::ref(g1), std::ref(g2), &g3), c.max_norm, c.norm_type);
            check_against(c, as_arrays<V>(g1, g2, g3), total, false);
        }
    }
}

TEST_CASE("clip_grad_norm equals torch on typed tensors of ranks 1-3, contiguous or not")
{
    std::size_t replayed = 0;
    for (const auto& c : reference_cases())
    {
        if (!ranks_one_to_three(c) || c.raised) { continue; }
        CAPTURE(c.name);
        ++replayed;
        if (c.dtype == "float32") { typed_replay<float>(c); }
        else { typed_replay<double>(c); }
    }
    CHECK(replayed >= 12);
    report_largest_difference();
}

// ---- by hand ------------------------------------------------------------------------------

TEST_CASE("clip_grad_norm by hand: norms 2, 1, inf and 3 of W (2-D) and b (1-D) together")
{
    t2 W = {{3.0, 0.0}, {0.0, -4.0}};
    t1 b = {12.0};
    SUBCASE("2: sqrt(9 + 16 + 144) = 13")
    {
        const double total = xoptim::clip_grad_norm(std::tie(W, b), 1.0);
        CHECK(total == 13.0);
        const double coef = 1.0 / (13.0 + 1e-6);
        CHECK(W == t2{{3.0 * coef, 0.0}, {0.0, -4.0 * coef}});
        CHECK(b(0) == 12.0 * coef);
    }
    SUBCASE("1: 3 + 4 + 12 = 19")
    {
        CHECK(xoptim::clip_grad_norm(std::tie(W, b), 38.0, 1.0) == 19.0);
        CHECK(W == t2{{3.0, 0.0}, {0.0, -4.0}});  // coefficient 38 / 19.000001 > 1: unchanged
    }
    SUBCASE("inf: the largest magnitude, 12")
    {
        CHECK(xoptim::clip_grad_norm(std::tie(W, b), 6.0, std::numeric_limits<double>::infinity()) == 12.0);
        CHECK(b(0) == 12.0 * (6.0 / (12.0 + 1e-6)));
    }
    SUBCASE("3: the cube root of the sum of the cubes of the per-tensor norms")
    {
        const double nW = std::pow(27.0 + 64.0, 1.0 / 3.0);
        const double expected = std::pow(std::pow(nW, 3.0) + std::pow(std::pow(1728.0, 1.0 / 3.0), 3.0), 1.0 / 3.0);
        CHECK(xoptim::clip_grad_norm(std::tie(W, b), 100.0, 3.0) == doctest::Approx(expected).epsilon(1e-15));
        CHECK(expected == doctest::Approx(std::cbrt(27.0 + 64.0 + 1728.0)).epsilon(1e-15));
    }
    SUBCASE("0.5: (sum sqrt|g|)^2")
    {
        const double expected = std::pow(std::sqrt(3.0) + 2.0 + std::sqrt(12.0), 2.0);
        CHECK(xoptim::clip_grad_norm(std::tie(W, b), 1e9, 0.5) == doctest::Approx(expected).epsilon(1e-14));
    }
}

TEST_CASE("clip_grad_norm by hand: max_norm equal to the norm still scales by norm / (norm + 1e-6)")
{
    t1 g = {3.0, 4.0};
    CHECK(xoptim::clip_grad_norm(g, 5.0) == 5.0);
    CHECK(g(0) == 3.0 * (5.0 / (5.0 + 1e-6)));
    CHECK(g(0) < 3.0);
}

TEST_CASE("clip_grad_norm by hand: a coefficient of 1 leaves every bit as it was")
{
    t1 g = {-0.0, 1e-300, -2.5, 0.0};
    const t1 before = g;
    CHECK(xoptim::clip_grad_norm(g, 10.0) == doctest::Approx(2.5));
    for (std::size_t i = 0; i < g.size(); ++i)
    {
        CHECK(g(i) == before(i));
        CHECK(std::signbit(g(i)) == std::signbit(before(i)));
    }
    // max_norm = inf: no clipping, whatever the norm.
    t1 big = {1e300, -1e300};
    CHECK(xoptim::clip_grad_norm(big, std::numeric_limits<double>::infinity(), 1.0) == 2e300);
    CHECK(big == t1{1e300, -1e300});
}

TEST_CASE("clip_grad_norm by hand: empty lists, zero-size tensors and null pointers")
{
    std::vector<t1> none;
    CHECK(xoptim::clip_grad_norm(none, 1.0) == 0.0);
    CHECK(xoptim::clip_grad_norm(std::tuple<>{}, 1.0, 3.0) == 0.0);
    CHECK(xoptim::clip_grad_norm(none, 1.0, 2.0, true) == 0.0);

    t1 empty = xt::zeros<double>({0});
    xt::xtensor<double, 2> empty2 = xt::zeros<double>({3, 0});
    for (double p : {1.0, 2.0, 3.0, std::numeric_limits<double>::infinity()})
    {
        CAPTURE(p);
        CHECK(xoptim::clip_grad_norm(std::tie(empty, empty2), 1.0, p) == 0.0);  // torch raises for inf
    }

    t1 g = {6.0, 8.0};
    std::vector<t1*> with_null{nullptr, &g, nullptr};  // torch skips parameters without a gradient
    CHECK(xoptim::clip_grad_norm(with_null, 5.0) == 10.0);
    CHECK(g(1) == 8.0 * (5.0 / (10.0 + 1e-6)));
    std::unique_ptr<t1> owned;
    CHECK(xoptim::clip_grad_norm(std::tie(owned), 1.0) == 0.0);
}

TEST_CASE("clip_grad_norm by hand: one list of float and double tensors, float squares summed in double")
{
    xt::xtensor<float, 2> a = {{3e30f}, {0.0f}};
    xt::xtensor<double, 1> b = {4e30};
    const double total = xoptim::clip_grad_norm(std::tie(a, b), 1.0);
    CHECK(total == doctest::Approx(5e30).epsilon(1e-7));  // 9e60 overflows float, not double
    CHECK(a(0, 0) == doctest::Approx(0.6f).epsilon(1e-6));
    CHECK(b(0) == doctest::Approx(0.8).epsilon(1e-7));
    const float coef_as_float = static_cast<float>(1.0 / (total + 1e-6));
    CHECK(a(0, 0) == 3e30f * coef_as_float);  // scaled in float by the rounded coefficient
}

TEST_CASE("clip_grad_norm by hand: non-finite norms")
{
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    SUBCASE("error_if_nonfinite: nonfinite_norm names the norm and its order; nothing changes")
    {
        t2 W = {{1.0, 2.0}};
        t1 b = {nan, 1.0};
        try
        {
            xoptim::clip_grad_norm(std::tie(W, b), 1.0, 2.0, true);
            FAIL("no exception");
        }
        catch (const xoptim::nonfinite_norm& e)
        {
            CHECK(std::string(e.what())
                  == "xoptim::clip_grad_norm: the total norm of order 2 of the gradients is nan (tensor 1's norm is "
                     "not finite), so they cannot be clipped; nothing was changed (error_if_nonfinite = false "
                     "scales them by the non-finite norm anyway)");
            CHECK(std::isnan(e.norm()));
            CHECK(e.norm_type() == 2.0);
            CHECK(e.tensor() == std::optional<std::size_t>(1));
        }
        CHECK(W == t2{{1.0, 2.0}});
        CHECK(std::isnan(b(0)));
        CHECK(b(1) == 1.0);

        t1 c = {-inf};
        CHECK_THROWS_WITH_AS(xoptim::clip_grad_norm(c, 1.0, inf, true),
                             doctest::Contains("the total norm of order inf of the gradients is inf"),
                             std::domain_error);
        CHECK(c(0) == -inf);
    }
    SUBCASE("only the sum overflows: no tensor is named")
    {
        t1 a = {1e308}, b = {1e308};
        try
        {
            xoptim::clip_grad_norm(std::tie(a, b), 1.0, 1.0, true);
            FAIL("no exception");
        }
        catch (const xoptim::nonfinite_norm& e)
        {
            CHECK(e.norm() == inf);
            CHECK(!e.tensor());
            CHECK(std::string(e.what()).find("(tensor") == std::string::npos);
        }
        CHECK(a(0) == 1e308);
    }
    SUBCASE("without error_if_nonfinite: torch's coefficients 0 (inf) and nan")
    {
        t1 g = {inf, 2.0, -3.0};
        CHECK(xoptim::clip_grad_norm(g, 1.0) == inf);
        CHECK(std::isnan(g(0)));
        CHECK((g(1) == 0.0 && !std::signbit(g(1))));
        CHECK((g(2) == 0.0 && std::signbit(g(2))));
        t1 h = {nan, 2.0};
        CHECK(std::isnan(xoptim::clip_grad_norm(h, 1.0, inf)));
        CHECK((std::isnan(h(0)) && std::isnan(h(1))));
    }
}

TEST_CASE("clip_grad_norm: bad arguments name themselves and change nothing")
{
    t1 g = {3.0, 4.0};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(xoptim::clip_grad_norm(g, -1.0),
                         "xoptim::clip_grad_norm: max_norm must be >= 0 (inf: no clipping), got -1",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::clip_grad_norm(g, nan),
                         "xoptim::clip_grad_norm: max_norm must be >= 0 (inf: no clipping), got nan",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::clip_grad_norm(g, 1.0, 0.0),
                         "xoptim::clip_grad_norm: norm_type must be > 0 (inf: the maximum norm), got 0",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::clip_grad_norm(g, 1.0, -std::numeric_limits<double>::infinity()),
                         "xoptim::clip_grad_norm: norm_type must be > 0 (inf: the maximum norm), got -inf",
                         std::invalid_argument);
    CHECK_THROWS_AS(xoptim::clip_grad_norm(g, 1.0, nan), std::invalid_argument);
    CHECK(g == t1{3.0, 4.0});
    CHECK(xoptim::clip_grad_norm(g, 0.0) == 5.0);  // max_norm 0 is allowed: every gradient becomes 0
    CHECK(g == t1{0.0, 0.0});
}

TEST_CASE("clip_grad_norm: the same tensor twice counts and scales twice, as in torch")
{
    t1 g = {3.0, 4.0};
    std::vector<t1*> twice{&g, &g};
    const double total = xoptim::clip_grad_norm(twice, 1.0);
    CHECK(total == std::sqrt(50.0));
    const double coef = 1.0 / (std::sqrt(50.0) + 1e-6);
    CHECK(g(0) == (3.0 * coef) * coef);
}
