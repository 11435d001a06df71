#pragma once
// What an optimizer does with a gradient that holds a NaN or an infinity: the policy, the error
// it throws, and the scan that finds the first non-finite element of any xtensor expression.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <xtensor/xlayout.hpp>

namespace xoptim
{
    // propagate: apply the step as is (PyTorch's behaviour); costs nothing.
    // skip_step: scan every gradient of the group first; if one element is not finite, change
    //            nothing (parameters, state, step count), count the skip and return false.
    // throw_error: scan likewise; if one element is not finite, throw nonfinite_gradient naming
    //            the tensor and the element, with nothing changed.
    // The two checking policies read each gradient once more before the step (evaluating it,
    // if it is an expression): one extra read pass over the gradients, no extra writes.
    enum class nonfinite_policy : std::uint8_t
    {
        propagate = 0,
        skip_step = 1,
        throw_error = 2,
    };

    inline const char* to_string(nonfinite_policy p) noexcept
    {
        switch (p)
        {
        case nonfinite_policy::propagate: return "propagate";
        case nonfinite_policy::skip_step: return "skip_step";
        case nonfinite_policy::throw_error: return "throw_error";
        }
        return "unknown";
    }

    // Thrown under nonfinite_policy::throw_error. The optimizer is as it was before the step.
    class nonfinite_gradient : public std::domain_error
    {
    public:
        nonfinite_gradient(std::size_t group, std::size_t tensor, std::size_t element, double value,
                           const std::string& index)
            : std::domain_error("xoptim::optimizer::step: gradient of tensor " + std::to_string(tensor) + " (group "
                                + std::to_string(group) + ") is " + describe(value) + " at element "
                                + std::to_string(element) + " (index " + index + "); nothing was changed"),
              m_group(group), m_tensor(tensor), m_element(element), m_value(value)
        {}

        std::size_t group() const noexcept { return m_group; }
        std::size_t tensor() const noexcept { return m_tensor; }
        // The row-major position of the first non-finite element.
        std::size_t element() const noexcept { return m_element; }
        double value() const noexcept { return m_value; }

    private:
        static std::string describe(double v)
        {
            if (std::isnan(v)) { return "nan"; }
            if (std::isfinite(v))
            {
                // Finite as given, not in the optimizer's value type (1e39 for a float optimizer).
                char buf[40];
                for (int digits = 15; digits <= 17; ++digits)
                {
                    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
                    if (std::strtod(buf, nullptr) == v) { break; }
                }
                return std::string(buf) + " (not finite in the optimizer's value type)";
            }
            return v > 0 ? "inf" : "-inf";
        }

        std::size_t m_group, m_tensor, m_element;
        double m_value;
    };

    namespace detail
    {
        // The first element of expression e, in row-major order, that is not finite once in V
        // (the parameter's value type: a double 1e39 is not finite for a float optimizer), and
        // its value as given. V = void: e's own value type.
        struct nonfinite_hit
        {
            std::size_t element;
            double value;
        };

        // Whether x is finite once converted to V (compared, not converted: a double beyond
        // V's range has no defined conversion).
        template <class V, class T>
        bool finite_as(T x) noexcept
        {
            if constexpr (std::is_floating_point_v<V> && std::is_floating_point_v<T> && sizeof(V) < sizeof(T))
            {
                return std::isfinite(x) && std::abs(x) <= static_cast<T>(std::numeric_limits<V>::max());
            }
            else { return std::isfinite(x); }
        }

        template <class V = void, class E>
        std::optional<nonfinite_hit> find_nonfinite(const E& e)
        {
            using value_type = std::remove_cv_t<typename std::decay_t<E>::value_type>;
            using checked_type = std::conditional_t<std::is_void_v<V>, value_type, V>;
            const std::size_t n = e.size();
            if constexpr (requires {
                              e.data();
                              e.data_offset();
                              e.strides();
                              e.shape();
                          })
            {
                // Contiguous row-major operands are scanned through their pointer.
                const auto& shape = e.shape();
                const auto& strides = e.strides();
                std::ptrdiff_t expected = 1;
                bool contiguous = true;
                for (std::size_t d = shape.size(); d-- > 0;)
                {
                    if (shape[d] != 1 && static_cast<std::ptrdiff_t>(strides[d]) != expected)
                    {
                        contiguous = false;
                        break;
                    }
                    expected *= static_cast<std::ptrdiff_t>(shape[d]);
                }
                if (contiguous && n > 0)
                {
                    const value_type* p = e.data() + e.data_offset();
                    for (std::size_t i = 0; i < n; ++i)
                    {
                        if (!finite_as<checked_type>(p[i])) { return nonfinite_hit{i, static_cast<double>(p[i])}; }
                    }
                    return std::nullopt;
                }
            }
            std::size_t i = 0;
            for (auto it = e.template cbegin<xt::layout_type::row_major>(); i < n; ++it, ++i)
            {
                const value_type v = *it;
                if (!finite_as<checked_type>(v)) { return nonfinite_hit{i, static_cast<double>(v)}; }
            }
            return std::nullopt;
        }

        // "{i, j, ...}": the multi-index of row-major position `flat` in `shape`.
        template <class S>
        std::string index_string(const S& shape, std::size_t flat)
        {
            std::string out;
            std::size_t rest = flat;
            std::size_t stride = 1;
            for (std::size_t d = 0; d < shape.size(); ++d) { stride *= shape[d] == 0 ? 1 : shape[d]; }
            for (std::size_t d = 0; d < shape.size(); ++d)
            {
                const std::size_t extent = shape[d] == 0 ? 1 : shape[d];
                stride /= extent;
                out += (d ? ", " : "") + std::to_string(rest / stride);
                rest %= stride;
            }
            return "{" + out + "}";
        }

        // A positive hyperparameter narrowed to V: never rounded to zero or a subnormal, where it
        // would divide by zero (an eps of 1e-50 becomes the smallest normal float, not 0).
        template <class V>
        V positive_as(double x) noexcept
        {
            const V v = static_cast<V>(x);
            if (x > 0.0 && v < std::numeric_limits<V>::min()) { return std::numeric_limits<V>::min(); }
            return v;
        }
    }
}
