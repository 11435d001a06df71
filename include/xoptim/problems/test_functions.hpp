#pragma once
// Two-dimensional test functions for watching optimizers move: value, gradient, known minima
// and a box worth drawing. theta = (x, y); each is an objective over a 1-D tensor of size 2.

#include <array>
#include <cmath>
#include <numbers>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <xoptim/problems/objective.hpp>

#include "../core/scalar_math.hpp"

namespace xoptim
{

    /// A point of a 2-D function and the function's value there.
    struct point2
    {
        double x;
        double y;
        double value;
    };

    /// The rectangle [x_min, x_max] x [y_min, y_max].
    struct box2
    {
        double x_min;
        double x_max;
        double y_min;
        double y_max;
    };

    namespace detail
    {

        template <class P>
        void check_point2(const P& theta)
        {
            if (theta.dimension() != 1 || theta.size() != 2)
            {
                throw std::invalid_argument("theta: size " + std::to_string(theta.size()) + ", expected 2 (x, y)");
            }
        }

        template <class G>
        void write_gradient2(G& g, double gx, double gy)
        {
            if (g.dimension() != 1 || g.size() != 2)
            {
                if constexpr (requires { g.resize({std::size_t{}}); }) { g.resize({std::size_t{2}}); }
                else { throw std::invalid_argument("gradient: size " + std::to_string(g.size()) + ", expected 2"); }
            }
            g(0) = gx;
            g(1) = gy;
        }

        /// The common shape of the 2-D functions: Derived provides static f(x, y) and df(x, y).
        template <class Derived>
        struct function2
        {
            static constexpr std::size_t dimension() noexcept { return 2; }

            // Stateless: lets a function with parameters default its own ==.
            friend constexpr bool operator==(const function2&, const function2&) noexcept { return true; }

            template <class P>
            double value(const P& theta) const
            {
                check_point2(theta);
                return self().f(static_cast<double>(theta(0)), static_cast<double>(theta(1)));
            }

            template <class P, class G>
            void gradient(const P& theta, G& g) const
            {
                check_point2(theta);
                const auto d = self().df(static_cast<double>(theta(0)), static_cast<double>(theta(1)));
                write_gradient2(g, d[0], d[1]);
            }

        private:
            const Derived& self() const { return static_cast<const Derived&>(*this); }
        };

    }  // namespace detail

    /// Rosenbrock's banana: f = (a - x)^2 + b (y - x^2)^2, a = 1, b = 100; minimum f(1, 1) = 0
    /// at the end of a long curved valley.
    struct rosenbrock : detail::function2<rosenbrock>
    {
        static constexpr std::string_view name = "rosenbrock";
        static double f(double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); }
        static std::array<double, 2> df(double x, double y)
        {
            return {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)};
        }
        static std::vector<point2> minima() { return {{1.0, 1.0, 0.0}}; }
        static box2 view_box() { return {-2.0, 2.0, -1.0, 3.0}; }
        static std::array<double, 2> start() { return {-1.2, 1.0}; }
    };

    /// Beale: f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2; minimum
    /// f(3, 0.5) = 0, flat plateaus and steep walls.
    struct beale : detail::function2<beale>
    {
        static constexpr std::string_view name = "beale";
        static double f(double x, double y)
        {
            const double t1 = 1.5 - x + x * y;
            const double t2 = 2.25 - x + x * y * y;
            const double t3 = 2.625 - x + x * y * y * y;
            return t1 * t1 + t2 * t2 + t3 * t3;
        }
        static std::array<double, 2> df(double x, double y)
        {
            const double t1 = 1.5 - x + x * y;
            const double t2 = 2.25 - x + x * y * y;
            const double t3 = 2.625 - x + x * y * y * y;
            return {2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y * y * y - 1),
                    2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y * y};
        }
        static std::vector<point2> minima() { return {{3.0, 0.5, 0.0}}; }
        static box2 view_box() { return {-4.5, 4.5, -4.5, 4.5}; }
        static std::array<double, 2> start() { return {1.0, 1.5}; }
    };

    /// Himmelblau: f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2; four minima of value 0.
    struct himmelblau : detail::function2<himmelblau>
    {
        static constexpr std::string_view name = "himmelblau";
        static double f(double x, double y)
        {
            const double a = x * x + y - 11;
            const double b = x + y * y - 7;
            return a * a + b * b;
        }
        static std::array<double, 2> df(double x, double y)
        {
            const double a = x * x + y - 11;
            const double b = x + y * y - 7;
            return {4 * x * a + 2 * b, 2 * a + 4 * y * b};
        }
        static std::vector<point2> minima()
        {
            return {{3.0, 2.0, 0.0},
                    {-2.805118086952745, 3.131312518250573, 0.0},
                    {-3.779310253377747, -3.283185991286170, 0.0},
                    {3.584428340330492, -1.848126526964404, 0.0}};
        }
        static box2 view_box() { return {-5.0, 5.0, -5.0, 5.0}; }
        static std::array<double, 2> start() { return {0.0, 0.0}; }
    };

    /// Rastrigin (A = 10, two dimensions): f = 20 + sum (t^2 - 10 cos(2 pi t)); a regular grid of
    /// local minima around the global one, f(0, 0) = 0.
    struct rastrigin : detail::function2<rastrigin>
    {
        static constexpr std::string_view name = "rastrigin";
        static double f(double x, double y)
        {
            return 20 + x * x - 10 * math::cos_pi(2 * x) + y * y - 10 * math::cos_pi(2 * y);
        }
        static std::array<double, 2> df(double x, double y)
        {
            constexpr double w = 2 * std::numbers::pi;
            return {2 * x + 10 * w * math::sin_pi(2 * x), 2 * y + 10 * w * math::sin_pi(2 * y)};
        }
        static std::vector<point2> minima() { return {{0.0, 0.0, 0.0}}; }
        static box2 view_box() { return {-5.12, 5.12, -5.12, 5.12}; }
        static std::array<double, 2> start() { return {3.2, -2.2}; }
    };

    /// An ill-conditioned quadratic: f = (x^2 + kappa y^2) / 2, condition number kappa (default
    /// 25); minimum f(0, 0) = 0. Plain gradient descent zig-zags across the narrow direction.
    class ill_conditioned_quadratic : public detail::function2<ill_conditioned_quadratic>
    {
    public:
        static constexpr std::string_view name = "ill_conditioned";

        explicit ill_conditioned_quadratic(double kappa = 25.0) : m_kappa(kappa)
        {
            if (!(kappa >= 1.0) || !std::isfinite(kappa))
            {
                std::ostringstream msg;
                msg << "kappa: must be finite and at least 1, got " << kappa;
                throw std::invalid_argument(msg.str());
            }
        }
        double kappa() const noexcept { return m_kappa; }

        double f(double x, double y) const { return 0.5 * (x * x + m_kappa * y * y); }
        std::array<double, 2> df(double x, double y) const { return {x, m_kappa * y}; }
        static std::vector<point2> minima() { return {{0.0, 0.0, 0.0}}; }
        static box2 view_box() { return {-5.0, 5.0, -2.0, 2.0}; }
        static std::array<double, 2> start() { return {-4.5, 1.5}; }

        friend bool operator==(const ill_conditioned_quadratic&, const ill_conditioned_quadratic&) = default;

    private:
        double m_kappa;
    };

    /// A saddle between two minima: f = x^2 + y^4/4 - y^2/2. Saddle point f(0, 0) = 0, minima
    /// f(0, +-1) = -1/4. Started near the x axis, gradient descent slows down at the saddle
    /// before it rolls off to one of the minima.
    struct saddle : detail::function2<saddle>
    {
        static constexpr std::string_view name = "saddle";
        static double f(double x, double y) { return x * x + 0.25 * y * y * y * y - 0.5 * y * y; }
        static std::array<double, 2> df(double x, double y) { return {2 * x, y * y * y - y}; }
        static std::vector<point2> minima() { return {{0.0, -1.0, -0.25}, {0.0, 1.0, -0.25}}; }
        static point2 saddle_point() { return {0.0, 0.0, 0.0}; }
        static box2 view_box() { return {-2.0, 2.0, -2.0, 2.0}; }
        static std::array<double, 2> start() { return {1.5, 0.01}; }
    };

    static_assert(objective<rosenbrock, xt::xtensor<double, 1>>);
    static_assert(objective<ill_conditioned_quadratic, xt::xtensor<double, 1>>);
    static_assert(!separable_objective<rosenbrock, xt::xtensor<double, 1>>);

    /// Any of the test functions, chosen at run time.
    using any_test_function = std::variant<rosenbrock, beale, himmelblau, rastrigin, ill_conditioned_quadratic, saddle>;

    /// The names accepted by make_test_function, in a fixed order.
    inline constexpr std::array<std::string_view, 6> test_function_names = {
        rosenbrock::name, beale::name, himmelblau::name, rastrigin::name, ill_conditioned_quadratic::name,
        saddle::name};

    /// The test function called `name` (with its default parameters), or nothing.
    inline std::optional<any_test_function> make_test_function(std::string_view name)
    {
        if (name == rosenbrock::name) return rosenbrock{};
        if (name == beale::name) return beale{};
        if (name == himmelblau::name) return himmelblau{};
        if (name == rastrigin::name) return rastrigin{};
        if (name == ill_conditioned_quadratic::name) return ill_conditioned_quadratic{};
        if (name == saddle::name) return saddle{};
        return std::nullopt;
    }

}  // namespace xoptim
