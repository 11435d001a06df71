#include <doctest/doctest.h>

#include <xoptim/losses/huber.hpp>
#include <xoptim/losses/mae.hpp>
#include <xoptim/losses/mse.hpp>
#include <xoptim/losses/rmse.hpp>
#include <xoptim/problems/batches.hpp>
#include <xoptim/problems/csv.hpp>
#include <xoptim/problems/linear_regression.hpp>
#include <xoptim/problems/seed_data.hpp>
#include <xoptim/problems/test_functions.hpp>

#include "central_differences.hpp"

#include "paths.hpp"
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace
{

    using vec = xt::xtensor<double, 1>;
    const std::filesystem::path data_dir = xoptim_test::data_dir();

    // --------------------------------------------------------------- concept checks
    struct only_value
    {
        std::size_t dimension() const { return 2; }
        double value(const vec&) const { return 0.0; }
    };
    static_assert(!xoptim::objective<only_value, vec>);
    static_assert(xoptim::objective<xoptim::rosenbrock, vec>);
    static_assert(xoptim::objective<xoptim::saddle, vec>);
    static_assert(xoptim::separable_objective<xoptim::linear_regression<xoptim::mae>, vec>);
    static_assert(xoptim::separable_objective<xoptim::linear_regression<xoptim::huber>, vec>);
    static_assert(!xoptim::separable_objective<xoptim::himmelblau, vec>);

    void check_close(const vec& a, const vec& b, double rel, double abs = 0.0)
    {
        REQUIRE(a.shape() == b.shape());
        for (std::size_t i = 0; i < a.size(); ++i)
        {
            CAPTURE(i);
            CHECK(std::abs(a(i) - b(i)) <= abs + rel * std::max(std::abs(a(i)), std::abs(b(i))));
        }
    }

    /// A data set with three inputs and no exact fit.
    xoptim::dataset three_inputs()
    {
        xoptim::dataset d{xt::zeros<double>({std::size_t{7}, std::size_t{3}}), xt::zeros<double>({7})};
        const double rows[7][4] = {{0.1, 2.0, -1.0, 3.3},  {0.7, -1.2, 0.4, -0.2},  {-0.5, 0.3, 2.2, 1.9},
                                   {1.4, 0.9, -0.7, 4.1},  {-1.1, -0.4, 0.1, -2.8}, {0.2, 1.6, 1.5, 2.5},
                                   {0.9, -2.1, -1.3, 0.05}};
        for (std::size_t i = 0; i < 7; ++i)
        {
            for (std::size_t j = 0; j < 3; ++j) { d.x(i, j) = rows[i][j]; }
            d.y(i) = rows[i][3];
        }
        return d;
    }

    template <class Loss>
    void check_regression_gradients(Loss l)
    {
        const xoptim::linear_regression<Loss> problem(three_inputs(), l);
        const vec theta = {0.3, -0.8, 1.7, 0.45};
        vec g;
        problem.gradient(theta, g);
        check_close(g, xoptim_test::central_differences([&](const vec& t) { return problem.value(t); }, theta, 1e-6),
                    1e-6, 1e-9);

        const std::vector<std::size_t> batch = {5, 1, 6};
        vec gb;
        problem.gradient(theta, batch, gb);
        check_close(
            gb, xoptim_test::central_differences([&](const vec& t) { return problem.value(t, batch); }, theta, 1e-6),
            1e-6, 1e-9);

        vec g2;
        CHECK(problem.value_and_gradient(theta, g2) == problem.value(theta));
        CHECK(xt::all(xt::equal(g2, g)));
    }

}  // namespace

TEST_CASE("linear_regression: value is the loss of theta0 + x theta[1:]")
{
    const auto data = three_inputs();
    const xoptim::linear_regression<xoptim::mse> problem(data);
    CHECK(problem.size() == 7);
    CHECK(problem.features() == 3);
    CHECK(problem.dimension() == 4);
    const vec theta = {0.5, 1.0, -2.0, 0.25};
    // Row 0: 0.5 + 0.1 - 4.0 - 0.25 = -3.65, residual -3.65 - 3.3 = -6.95
    const vec pred = problem.predict(theta);
    CHECK(pred(0) == doctest::Approx(-3.65));
    double sq = 0;
    for (std::size_t i = 0; i < 7; ++i)
    {
        const double p = 0.5 + data.x(i, 0) - 2.0 * data.x(i, 1) + 0.25 * data.x(i, 2);
        sq += (p - data.y(i)) * (p - data.y(i));
    }
    CHECK(problem.value(theta) == doctest::Approx(sq / 7).epsilon(1e-14));
    // A batch is the mean over its own samples.
    const std::vector<std::size_t> batch = {0};
    CHECK(problem.value(theta, batch) == doctest::Approx(6.95 * 6.95).epsilon(1e-14));
}

TEST_CASE("linear_regression: gradients agree with central differences, full and batch")
{
    check_regression_gradients(xoptim::mse{});
    check_regression_gradients(xoptim::rmse{});
    check_regression_gradients(xoptim::mae{});
    check_regression_gradients(xoptim::huber{});
    check_regression_gradients(xoptim::huber{0.5});
}

TEST_CASE("linear_regression: the reference data's losses at the reference start")
{
    // Step-0 losses of tests/data/sgd_mse.csv, adam_rmse.csv and sgd_mae.csv (PyTorch).
    const auto data = xoptim::load_csv(data_dir / "data.csv");
    const vec start = {-10.0, -20.0};
    CHECK(xoptim::linear_regression<xoptim::mse>(data).value(start)
          == doctest::Approx(371.69061803154364).epsilon(1e-13));
    CHECK(xoptim::linear_regression<xoptim::rmse>(data).value(start)
          == doctest::Approx(19.279279499803504).epsilon(1e-13));
    CHECK(xoptim::linear_regression<xoptim::mae>(data).value(start)
          == doctest::Approx(15.593231398868785).epsilon(1e-13));
    // And after one plain gradient step of 0.1 (row 1 of sgd_mse.csv).
    const xoptim::linear_regression<xoptim::mse> problem(data);
    vec g;
    problem.gradient(start, g);
    const vec next = start - 0.1 * g;
    CHECK(next(0) == doctest::Approx(-7.456782381763049).epsilon(1e-13));
    CHECK(next(1) == doctest::Approx(-18.407148602091286).epsilon(1e-13));
}

TEST_CASE("least_squares: exact on noiseless data, and the 1-D closed form")
{
    auto data = three_inputs();
    for (std::size_t i = 0; i < data.size(); ++i)
    {
        data.y(i) = 1.5 + 2.0 * data.x(i, 0) - 3.0 * data.x(i, 1) + 0.5 * data.x(i, 2);
    }
    check_close(xoptim::least_squares(data), vec{1.5, 2.0, -3.0, 0.5}, 1e-12, 1e-12);

    // One input: slope = cov(x, y) / var(x), intercept = mean(y) - slope mean(x).
    const auto seed = xoptim::load_csv(data_dir / "data.csv");
    double mx = 0, my = 0;
    for (std::size_t i = 0; i < seed.size(); ++i)
    {
        mx += seed.x(i, 0);
        my += seed.y(i);
    }
    mx /= 100;
    my /= 100;
    double sxy = 0, sxx = 0;
    for (std::size_t i = 0; i < seed.size(); ++i)
    {
        sxy += (seed.x(i, 0) - mx) * (seed.y(i) - my);
        sxx += (seed.x(i, 0) - mx) * (seed.x(i, 0) - mx);
    }
    const xoptim::linear_regression<xoptim::mse> problem(seed);
    const vec opt = problem.least_squares();
    check_close(opt, vec{my - sxy / sxx * mx, sxy / sxx}, 1e-13);
    // The gradient of MSE vanishes there; the seed's line sits near (3.5, 5).
    vec g;
    problem.gradient(opt, g);
    CHECK(std::abs(g(0)) < 1e-12);
    CHECK(std::abs(g(1)) < 1e-12);
    CHECK(opt(0) == doctest::Approx(3.5).epsilon(0.05));
    CHECK(opt(1) == doctest::Approx(5.0).epsilon(0.05));

    xoptim::dataset flat{xt::ones<double>({std::size_t{4}, std::size_t{1}}), vec{1, 2, 3, 4}};
    CHECK_THROWS_AS(xoptim::least_squares(flat), std::domain_error);
}

TEST_CASE("linear_regression: bad input")
{
    const xoptim::linear_regression<xoptim::mse> problem(three_inputs());
    CHECK_THROWS_WITH_AS(problem.value(vec{1.0, 2.0}), "theta: size 2, expected 4 (intercept and one weight per input)",
                         std::invalid_argument);
    const std::vector<std::size_t> bad_batch = {0, 7};
    CHECK_THROWS_WITH_AS(problem.value(vec{0, 0, 0, 0}, bad_batch), "batch: index 7 out of range for 7 samples",
                         std::invalid_argument);
    CHECK_THROWS_AS(
        xoptim::linear_regression<xoptim::mse>(xt::zeros<double>({std::size_t{3}, std::size_t{1}}), vec{1, 2}),
        std::invalid_argument);
    xoptim::dataset with_nan{xt::zeros<double>({std::size_t{2}, std::size_t{1}}), vec{1, NAN}};
    CHECK_THROWS_WITH_AS(xoptim::linear_regression<xoptim::mse>{with_nan}, "y: non-finite value at row 1",
                         std::invalid_argument);
}

TEST_CASE("seed_data: the seed's line, the same numbers for the same seed")
{
    // The engine itself is the standard one: its 10000th draw from the default seed is fixed
    // by the C++ standard.
    std::mt19937_64 engine;
    engine.discard(9999);
    CHECK(engine() == 9981545732273789042ULL);

    const auto a = xoptim::seed_data(42);
    const auto b = xoptim::seed_data(42);
    const auto c = xoptim::seed_data(43);
    REQUIRE(a.x.shape() == (std::array<std::size_t, 2>{100, 1}));
    REQUIRE(a.y.size() == 100);
    CHECK(xt::all(xt::equal(a.x, b.x)));
    CHECK(xt::all(xt::equal(a.y, b.y)));
    CHECK_FALSE(xt::all(xt::equal(a.x, c.x)));
    for (std::size_t i = 0; i < 100; ++i)
    {
        CHECK(a.x(i, 0) >= -1.0);
        CHECK(a.x(i, 0) < 1.0);
        const double e = a.y(i) - 3.0 - 5.0 * a.x(i, 0);
        CHECK(e >= -1e-15);
        CHECK(e < 1.0 + 1e-15);
    }
    // The first x: the top 53 bits of the engine's first draw from seed 42, mapped to [-1, 1).
    std::mt19937_64 rng(42);
    const double u = static_cast<double>(rng() >> 11) / 9007199254740992.0;
    CHECK(a.x(0, 0) == -1.0 + 2.0 * u);

    xoptim::seed_data_options small;
    small.size = 5;
    CHECK(xoptim::seed_data(0, small).size() == 5);
    small.size = 0;
    CHECK_THROWS_AS(xoptim::seed_data(0, small), std::invalid_argument);
}

TEST_CASE("batches: every sample exactly once per epoch, the last batch partial")
{
    const std::size_t n = 23;
    xoptim::batch_sampler sampler(n, 5, 7);
    CHECK(sampler.batches_per_epoch() == 5);
    std::vector<std::vector<std::size_t>> epochs;
    for (int e = 0; e < 4; ++e)
    {
        std::vector<std::size_t> seen;
        std::vector<std::size_t> sizes;
        for (std::size_t b = 0; b < sampler.batches_per_epoch(); ++b)
        {
            const auto batch = sampler.next();
            sizes.push_back(batch.size());
            seen.insert(seen.end(), batch.begin(), batch.end());
        }
        CHECK(sampler.epoch() == static_cast<std::size_t>(e + 1));
        CHECK(sizes == std::vector<std::size_t>{5, 5, 5, 5, 3});
        std::vector<std::size_t> sorted = seen;
        std::sort(sorted.begin(), sorted.end());
        for (std::size_t i = 0; i < n; ++i) { CHECK(sorted[i] == i); }
        epochs.push_back(seen);
    }
    // Shuffled, differently each epoch, and the same again from the same seed.
    CHECK(epochs[0] != epochs[1]);
    std::vector<std::size_t> identity(n);
    for (std::size_t i = 0; i < n; ++i) identity[i] = i;
    CHECK(epochs[0] != identity);
    xoptim::batch_sampler again(n, 5, 7);
    std::vector<std::size_t> first;
    for (std::size_t b = 0; b < 5; ++b)
    {
        const auto batch = again.next();
        first.insert(first.end(), batch.begin(), batch.end());
    }
    CHECK(first == epochs[0]);

    xoptim::batch_sampler whole(4, 10, 1);
    CHECK(whole.batches_per_epoch() == 1);
    CHECK(whole.next().size() == 4);
    CHECK_THROWS_AS(xoptim::batch_sampler(4, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(xoptim::batch_sampler(0, 2, 1), std::invalid_argument);
}

TEST_CASE("batches: uniform_below stays in range and is close to uniform")
{
    std::mt19937_64 rng(123);
    std::vector<int> counts(6, 0);
    int out_of_range = 0;
    for (int i = 0; i < 60000; ++i)
    {
        const auto v = xoptim::detail::uniform_below(rng, 6);
        if (v >= 6)
        {
            ++out_of_range;
            continue;
        }
        ++counts[v];
    }
    CHECK(out_of_range == 0);
    for (int c : counts)
    {
        CHECK(c > 9500);  // 10000 expected each; the standard deviation is about 91
        CHECK(c < 10500);
    }
}

TEST_CASE("csv: the reference data set")
{
    const auto data = xoptim::load_csv(data_dir / "data.csv");
    REQUIRE(data.x.shape() == (std::array<std::size_t, 2>{100, 1}));
    CHECK(data.x(0, 0) == 0.25019093320933394);
    CHECK(data.y(0) == 5.218102901444038);
    CHECK(data.x(1, 0) == 0.794427601939151);
    CHECK(data.y(1) == 7.629898739734269);
}

TEST_CASE("csv: accepted forms")
{
    std::istringstream in("a, b ,target\r\n1,2,3\r\n\n  -4.5e1 ,+0.25,.5\n\n");
    const auto data = xoptim::parse_csv(in, "mem.csv");
    REQUIRE(data.x.shape() == (std::array<std::size_t, 2>{2, 2}));
    CHECK(data.x(0, 0) == 1.0);
    CHECK(data.x(0, 1) == 2.0);
    CHECK(data.y(0) == 3.0);
    CHECK(data.x(1, 0) == -45.0);
    CHECK(data.x(1, 1) == 0.25);
    CHECK(data.y(1) == 0.5);
}

TEST_CASE("csv: malformed input names the file and the line")
{
    const auto message = [](const std::string& text) {
        std::istringstream in(text);
        try
        {
            (void)xoptim::parse_csv(in, "d.csv");
        }
        catch (const xoptim::csv_error& e)
        {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(message("") == "d.csv:1: empty file (expected a header line)");
    CHECK(message("x,y\n") == "d.csv:2: no data rows after the header");
    CHECK(message("y\n1\n") == "d.csv:1: header has 1 column; expected at least 2 (inputs, then y last)");
    CHECK(message("x,y\n1,2\n3\n") == "d.csv:3: 1 columns; the header has 2");
    CHECK(message("x,y\n1,2\n3,4,5\n") == "d.csv:3: 3 columns; the header has 2");
    CHECK(message("x,y\n1,2\n\n3,abc\n") == "d.csv:4: column 2: 'abc' is not a number");
    CHECK(message("x,y\n1,2x\n") == "d.csv:2: column 2: '2x' is not a number");
    CHECK(message("x,y\n,2\n") == "d.csv:2: column 1: '' is not a number");
    CHECK(message("x,y\nnan,2\n") == "d.csv:2: column 1: 'nan' is not finite");
    CHECK(message("x,y\n1,-inf\n") == "d.csv:2: column 2: '-inf' is not finite");
    CHECK(message("x,y\n1,1e999\n") == "d.csv:2: column 2: '1e999' is out of range for a double");
    // A NUL or control byte in a field is shown escaped: what() is a C string, and a raw NUL
    // would cut the message short.
    CHECK(message(std::string("x,y\n1,2\0003\n", 10)) == "d.csv:2: column 2: '2\\x003' is not a number");
    CHECK(message("x,y\n1,\x1b[2J\n") == "d.csv:2: column 2: '\\x1b[2J' is not a number");

    try
    {
        (void)xoptim::load_csv("/nonexistent/file.csv");
        FAIL("no error for a missing file");
    }
    catch (const xoptim::csv_error& e)
    {
        CHECK(std::string(e.what()) == "/nonexistent/file.csv: cannot open the file");
        CHECK(e.line() == 0);
    }
}

namespace
{

    template <class F>
    void check_test_function(const F& f, const std::vector<std::array<double, 2>>& points)
    {
        CAPTURE(F::name);
        for (const auto& p : points)
        {
            CAPTURE(p[0]);
            CAPTURE(p[1]);
            const vec theta = {p[0], p[1]};
            vec g;
            f.gradient(theta, g);
            check_close(g, xoptim_test::central_differences([&](const vec& t) { return f.value(t); }, theta, 1e-6),
                        1e-6, 1e-6);
        }
        const auto box = f.view_box();
        for (const auto& m : f.minima())
        {
            const vec theta = {m.x, m.y};
            CHECK(f.value(theta) == doctest::Approx(m.value).epsilon(1e-12).scale(1.0));
            vec g;
            f.gradient(theta, g);
            CHECK(std::abs(g(0)) < 1e-9);
            CHECK(std::abs(g(1)) < 1e-9);
            // A minimum: nearby points are higher.
            for (double dx : {-1e-3, 1e-3})
            {
                CHECK(f.value(vec{m.x + dx, m.y}) > m.value);
                CHECK(f.value(vec{m.x, m.y + dx}) > m.value);
            }
            CHECK(m.x > box.x_min);
            CHECK(m.x < box.x_max);
            CHECK(m.y > box.y_min);
            CHECK(m.y < box.y_max);
        }
        const auto s = f.start();
        CHECK(s[0] > box.x_min);
        CHECK(s[0] < box.x_max);
        CHECK(s[1] > box.y_min);
        CHECK(s[1] < box.y_max);
    }

}  // namespace

TEST_CASE("test functions: gradients, minima, boxes")
{
    const std::vector<std::array<double, 2>> points = {{0.3, -0.7}, {-1.2, 1.0}, {1.7, 0.4}, {-0.45, -1.9}, {2.2, 2.9}};
    check_test_function(xoptim::rosenbrock{}, points);
    check_test_function(xoptim::beale{}, points);
    check_test_function(xoptim::himmelblau{}, points);
    check_test_function(xoptim::rastrigin{}, points);
    check_test_function(xoptim::ill_conditioned_quadratic{}, points);
    check_test_function(xoptim::ill_conditioned_quadratic{100.0}, points);
    check_test_function(xoptim::saddle{}, points);

    // Hand values.
    CHECK(xoptim::rosenbrock{}.value(vec{0, 0}) == 1.0);
    CHECK(xoptim::beale{}.value(vec{0, 0}) == doctest::Approx(1.5 * 1.5 + 2.25 * 2.25 + 2.625 * 2.625));
    CHECK(xoptim::himmelblau{}.value(vec{0, 0}) == 170.0);
    CHECK(xoptim::rastrigin{}.value(vec{0.5, 0.5}) == doctest::Approx(20.5 + 20.0));
    CHECK(xoptim::ill_conditioned_quadratic{}.value(vec{1, 1}) == 13.0);
    // The saddle: zero gradient at the origin, a maximum along y and a minimum along x.
    vec g;
    xoptim::saddle{}.gradient(vec{0, 0}, g);
    CHECK(g(0) == 0.0);
    CHECK(g(1) == 0.0);
    CHECK(xoptim::saddle{}.value(vec{0, 0.1}) < 0.0);
    CHECK(xoptim::saddle{}.value(vec{0.1, 0}) > 0.0);
}

TEST_CASE("test functions: chosen by name; bad input")
{
    for (const auto name : xoptim::test_function_names)
    {
        const auto f = xoptim::make_test_function(name);
        REQUIRE(f.has_value());
        std::visit([&](const auto& fn) { CHECK(fn.name == name); }, *f);
    }
    CHECK_FALSE(xoptim::make_test_function("sphere").has_value());
    CHECK_THROWS_WITH_AS(xoptim::rosenbrock{}.value(vec{1, 2, 3}), "theta: size 3, expected 2 (x, y)",
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(xoptim::ill_conditioned_quadratic{0.5}, "kappa: must be finite and at least 1, got 0.5",
                         std::invalid_argument);
}
