#pragma once
// Global norm clipping: total = || (||g_1||_p, ..., ||g_n||_p) ||_p, every g_i *= min(1, max_norm / (total + 1e-6)).
// PyTorch 1.13 torch.nn.utils.clip_grad_norm_ (Pascanu, Mikolov & Bengio 2013), with the sums accumulated in double.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <xtensor/xexpression.hpp>
#include <xtensor/xtensor_forward.hpp>

#include "core/validate.hpp"

namespace xoptim
{
    // ---- what can be clipped ----------------------------------------------------------------

    // A gradient tensor: an xtensor expression of floating-point elements that can be scaled in
    // place (an xt::xtensor of any rank, xt::xarray, xt::xtensor_fixed, a view into one, an
    // xt::adapt). Const tensors and read-only expressions (2.0 * g) are not.
    template <class T>
    concept gradient_tensor = xt::is_xexpression<std::remove_cv_t<T>>::value && std::floating_point<
        typename std::remove_cv_t<T>::value_type> && requires(T& t, typename std::remove_cv_t<T>::value_type v)
    {
        {
            t.size()
            } -> std::convertible_to<std::size_t>;
        *t.begin() *= v;
    };

    class gradient_ref;

    namespace detail
    {
        template <class T>
        struct is_reference_wrapper : std::false_type
        {};
        template <class T>
        struct is_reference_wrapper<std::reference_wrapper<T>> : std::true_type
        {};

        // Tensors that own their elements: a temporary one is a copy, and clipping it is lost.
        template <class T>
        struct owns_elements : std::false_type
        {};
        template <class EC, std::size_t N, xt::layout_type L, class Tag>
        struct owns_elements<xt::xtensor_container<EC, N, L, Tag>> : std::true_type
        {};
        template <class EC, xt::layout_type L, class SC, class Tag>
        struct owns_elements<xt::xarray_container<EC, L, SC, Tag>> : std::true_type
        {};
        template <class ET, class S, xt::layout_type L, bool SH, class Tag>
        struct owns_elements<xt::xfixed_container<ET, S, L, SH, Tag>> : std::true_type
        {};
        template <class T>
        inline constexpr bool owns_elements_v = owns_elements<std::remove_cvref_t<T>>::value;
    }

    // One entry of a list of gradients: a gradient tensor, a pointer (raw or smart) to one, a
    // std::reference_wrapper of one, or an xoptim::gradient_ref (any tensor type, type-erased).
    // H may be a reference type (a range's reference type); a const tensor is not an entry.
    template <class H>
    concept gradient_handle =
        gradient_tensor<std::remove_reference_t<H>> || std::same_as<std::remove_cvref_t<H>, gradient_ref> ||(
            detail::is_reference_wrapper<std::remove_cvref_t<H>>::value&&
                gradient_tensor<typename std::remove_cvref_t<H>::type>)
        || requires(std::remove_reference_t<H>& h)
    {
        {static_cast<bool>(h)};
        requires gradient_tensor<std::remove_reference_t<decltype(*h)>>;
    };

    // A range of gradients (std::vector, std::array, std::span, ...) that can be read twice.
    template <class R>
    concept gradient_range = std::ranges::forward_range<R> && gradient_handle<std::ranges::range_reference_t<R>>;

    namespace detail
    {
        template <class T, std::size_t... I>
        constexpr bool tuple_of_handles(std::index_sequence<I...>)
        {
            return (gradient_handle<decltype(std::get<I>(std::declval<T&>()))> && ...);
        }
    }

    // A tuple of gradients of different types: std::tie(gW1, gb1, gW2, gb2).
    template <class T>
    concept gradient_tuple = !std::ranges::range<T> && requires
    {
        typename std::tuple_size<std::remove_cvref_t<T>>::type;
    }
    &&detail::tuple_of_handles<std::remove_reference_t<T>>(
        std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<T>>>{});

    namespace detail
    {
        template <class T, std::size_t... I>
        constexpr bool tuple_owns_elements(std::index_sequence<I...>)
        {
            return ((!std::is_reference_v<std::tuple_element_t<I, T>> && owns_elements_v<std::tuple_element_t<I, T>>)
                    || ...);
        }

        // A temporary that holds its own tensors (std::vector{gW, gb}, std::make_tuple(gW, gb),
        // xt::xtensor<double, 1>{...}): it holds copies, so clipping it would change nothing the
        // caller can see. L is the type a forwarding reference deduces (X& for an lvalue).
        template <class L>
        constexpr bool temporary_copy()
        {
            if constexpr (std::is_reference_v<L>) { return false; }
            else if constexpr (gradient_tensor<L>) { return owns_elements_v<L>; }
            else if constexpr (gradient_range<L>)
            {
                return !std::ranges::borrowed_range<L> && owns_elements_v<std::ranges::range_value_t<L>>;
            }
            else
            {
                using T = std::remove_cv_t<L>;
                return tuple_owns_elements<T>(std::make_index_sequence<std::tuple_size_v<T>>{});
            }
        }
    }

    // What clip_grad_norm takes, as its forwarding reference deduces it: one gradient tensor (a
    // list of one, as in PyTorch), a gradient_range or a gradient_tuple; a temporary only if it
    // refers to the caller's tensors (std::span, std::tie, pointers, reference wrappers, views).
    template <class L>
    concept gradient_list =
        (gradient_tensor<
             std::remove_reference_t<L>> || gradient_range<L> || gradient_tuple<L>)&&!detail::temporary_copy<L>();

    // ---- the error ----------------------------------------------------------------------------

    // Thrown by clip_grad_norm with error_if_nonfinite = true when the total norm is nan or
    // infinite (PyTorch raises a RuntimeError). The gradients are as they were.
    class nonfinite_norm : public std::domain_error
    {
    public:
        nonfinite_norm(double norm, double norm_type, std::optional<std::size_t> tensor = std::nullopt)
            : std::domain_error(message(norm, norm_type, tensor)), m_norm(norm), m_norm_type(norm_type),
              m_tensor(tensor)
        {}

        // The total norm (nan, inf) and its order.
        double norm() const noexcept { return m_norm; }
        double norm_type() const noexcept { return m_norm_type; }
        // The position in the list of the first tensor whose own norm is not finite; none when
        // every tensor's norm is finite and only their combination overflows.
        std::optional<std::size_t> tensor() const noexcept { return m_tensor; }

    private:
        static std::string message(double norm, double norm_type, std::optional<std::size_t> tensor)
        {
            std::string m = "xoptim::clip_grad_norm: the total norm of order " + detail::format_value(norm_type)
                            + " of the gradients is "
                            + (std::isnan(norm) ? std::string("nan") : detail::format_value(norm));
            if (tensor) { m += " (tensor " + std::to_string(*tensor) + "'s norm is not finite)"; }
            return m
                   + ", so they cannot be clipped; nothing was changed (error_if_nonfinite = false scales them "
                     "by the non-finite norm anyway)";
        }

        double m_norm, m_norm_type;
        std::optional<std::size_t> m_tensor;
    };

    // ---- the arithmetic -----------------------------------------------------------------------

    namespace detail::grad_norm
    {
        enum class kind
        {
            one,
            two,
            infinity,
            general,
        };

        struct order
        {
            kind k;
            double p;
        };

        inline order order_of(double p) noexcept
        {
            if (p == 1.0) { return {kind::one, p}; }
            if (p == 2.0) { return {kind::two, p}; }
            if (std::isinf(p)) { return {kind::infinity, p}; }
            return {kind::general, p};
        }

        // s <- s + |x|^p, or s <- max(s, |x|) for p = inf (a nan stays, as torch's max keeps it).
        template <kind K>
        inline void add_magnitude(double& s, double x, double p) noexcept
        {
            const double a = std::fabs(x);
            if constexpr (K == kind::one) { s += a; }
            else if constexpr (K == kind::two) { s += a * a; }
            else if constexpr (K == kind::general) { s += std::pow(a, p); }
            else if (!std::isnan(s) && (a > s || std::isnan(a))) { s = a; }
        }

        // The norm from its sum (or maximum): s, sqrt(s), s^(1/p).
        inline double root(order o, double s) noexcept
        {
            switch (o.k)
            {
            case kind::two: return std::sqrt(s);
            case kind::general: return std::pow(s, 1.0 / o.p);
            default: return s;
            }
        }

        // The p-norm of numbers added one at a time (the per-tensor norms); 0 for none.
        class accumulator
        {
        public:
            explicit accumulator(order o) noexcept : m_order(o) {}

            void add(double x) noexcept
            {
                switch (m_order.k)
                {
                case kind::one: add_magnitude<kind::one>(m_sum, x, m_order.p); break;
                case kind::two: add_magnitude<kind::two>(m_sum, x, m_order.p); break;
                case kind::infinity: add_magnitude<kind::infinity>(m_sum, x, m_order.p); break;
                case kind::general: add_magnitude<kind::general>(m_sum, x, m_order.p); break;
                }
            }

            double value() const noexcept { return root(m_order, m_sum); }

        private:
            order m_order;
            double m_sum = 0.0;
        };

        // The first element of t in memory when t is row-major contiguous, else nullptr.
        template <class T>
        auto contiguous_data(T& t)
        {
            using pointer = decltype(std::addressof(*t.begin()));
            if constexpr (requires {
                              t.data();
                              t.data_offset();
                              t.strides();
                              t.shape();
                          })
            {
                const auto& shape = t.shape();
                const auto& strides = t.strides();
                std::ptrdiff_t expected = 1;
                for (std::size_t d = shape.size(); d-- > 0;)
                {
                    if (shape[d] != 1 && static_cast<std::ptrdiff_t>(strides[d]) != expected) { return pointer{}; }
                    expected *= static_cast<std::ptrdiff_t>(shape[d]);
                }
                return pointer{t.data() + t.data_offset()};
            }
            else { return pointer{}; }
        }

        // The sum of |x|^p (or the largest |x|) over t, each element converted to double. A
        // contiguous tensor is summed in four interleaved partial sums, added pairwise at the end
        // (independent additions the processor overlaps); anything else in row-major order.
        template <kind K, class T>
        double magnitude_sum(T& t, double p)
        {
            const std::size_t n = t.size();
            if (const auto* x = contiguous_data(t))
            {
                double s[4] = {0.0, 0.0, 0.0, 0.0};
                std::size_t i = 0;
                for (; i + 4 <= n; i += 4)
                {
                    for (std::size_t j = 0; j < 4; ++j) { add_magnitude<K>(s[j], static_cast<double>(x[i + j]), p); }
                }
                for (; i < n; ++i) { add_magnitude<K>(s[0], static_cast<double>(x[i]), p); }
                if constexpr (K == kind::infinity)
                {
                    for (std::size_t j = 1; j < 4; ++j) { add_magnitude<K>(s[0], s[j], p); }
                    return s[0];
                }
                else { return (s[0] + s[1]) + (s[2] + s[3]); }
            }
            double s = 0.0;
            for (auto it = t.begin(); it != t.end(); ++it) { add_magnitude<K>(s, static_cast<double>(*it), p); }
            return s;
        }

        // ||t||_p; 0 for a zero-size tensor.
        template <class T>
        double tensor_norm(T& t, order o)
        {
            if (t.size() == 0) { return 0.0; }
            switch (o.k)
            {
            case kind::one: return magnitude_sum<kind::one>(t, o.p);
            case kind::two: return root(o, magnitude_sum<kind::two>(t, o.p));
            case kind::infinity: return magnitude_sum<kind::infinity>(t, o.p);
            case kind::general: return root(o, magnitude_sum<kind::general>(t, o.p));
            }
            return 0.0;
        }

        // t *= coef, the coefficient rounded to t's value type once. Multiplying by 1 changes no
        // value (IEEE 754: x * 1 == x for every x, zeros keep their sign, infinities and nan
        // stay), so a coefficient of 1 skips the pass over memory that torch makes.
        template <class T>
        void scale_tensor(T& t, double coef)
        {
            using V = typename std::remove_cv_t<T>::value_type;
            const V c = static_cast<V>(coef);
            if (c == V(1) || t.size() == 0) { return; }
            if (auto* p = contiguous_data(t))
            {
                const std::size_t n = t.size();
                for (std::size_t i = 0; i < n; ++i) { p[i] *= c; }
            }
            else
            {
                for (auto it = t.begin(); it != t.end(); ++it) { *it *= c; }
            }
        }

        struct erased_ops
        {
            double (*norm)(void*, order);
            void (*scale)(void*, double);
            std::size_t (*size)(const void*);
        };

        template <class T>
        inline constexpr erased_ops erased_ops_for{
            [](void* t, order o) { return tensor_norm(*static_cast<T*>(t), o); },
            [](void* t, double c) { scale_tensor(*static_cast<T*>(t), c); },
            [](const void* t) -> std::size_t { return static_cast<const T*>(t)->size(); },
        };

        struct access;
    }

    // A reference to a gradient tensor of any type and rank, so that one std::vector holds
    // them all: std::vector<xoptim::gradient_ref> grads{gW1, gb1, gW2, gb2}. It refers to the
    // tensor (which must outlive it) and is built from lvalues only: a temporary would dangle.
    class gradient_ref
    {
    public:
        template <gradient_tensor T>
        gradient_ref(
            T& tensor) noexcept  // NOLINT(google-explicit-constructor): a list of tensors converts entry by entry
            : m_tensor(static_cast<void*>(std::addressof(tensor))), m_ops(&detail::grad_norm::erased_ops_for<T>)
        {}
        template <gradient_tensor T>
        gradient_ref(const T&&) = delete;

        std::size_t size() const { return m_ops->size(m_tensor); }

    private:
        friend struct detail::grad_norm::access;
        void* m_tensor;
        const detail::grad_norm::erased_ops* m_ops;
    };

    namespace detail::grad_norm
    {
        struct access
        {
            static double norm(const gradient_ref& r, order o) { return r.m_ops->norm(r.m_tensor, o); }
            static void scale(const gradient_ref& r, double c) { r.m_ops->scale(r.m_tensor, c); }
        };

        // f(tensor) for the tensor an entry refers to; nothing for a null pointer (a parameter
        // without a gradient, which torch skips).
        template <class H, class F>
        void visit(H& h, F&& f)
        {
            using D = std::remove_cvref_t<H>;
            if constexpr (std::same_as<D, gradient_ref> || gradient_tensor<H>) { f(h); }
            else if constexpr (is_reference_wrapper<D>::value) { f(h.get()); }
            else if (static_cast<bool>(h)) { f(*h); }
        }

        inline double norm_of(const gradient_ref& r, order o) { return access::norm(r, o); }
        template <gradient_tensor T>
        double norm_of(T& t, order o)
        {
            return tensor_norm(t, o);
        }
        inline void scale(const gradient_ref& r, double c) { access::scale(r, c); }
        template <gradient_tensor T>
        void scale(T& t, double c)
        {
            scale_tensor(t, c);
        }

        // f(entry) for every entry of the list, in order.
        template <class L, class F>
        void for_each_entry(L& grads, F&& f)
        {
            if constexpr (gradient_tensor<L>) { f(grads); }
            else if constexpr (std::ranges::range<L>)
            {
                for (auto&& h : grads) { f(h); }
            }
            else
            {
                std::apply([&](auto&... h) { (f(h), ...); }, grads);
            }
        }

        inline void check_arguments(double max_norm, double norm_type)
        {
            if (!(max_norm >= 0.0))
            {
                invalid("xoptim::clip_grad_norm", "max_norm", max_norm, ">= 0 (inf: no clipping)");
            }
            if (!(norm_type > 0.0))
            {
                invalid("xoptim::clip_grad_norm", "norm_type", norm_type, "> 0 (inf: the maximum norm)");
            }
        }
    }

    // Scales every gradient of `grads` by min(1, max_norm / (total + 1e-6)), where total is the
    // norm of order norm_type of all of them together (the norm of their norms), and returns
    // total, as torch.nn.utils.clip_grad_norm_ does.
    //
    // - norm_type: any p > 0, or infinity for the largest magnitude. Sums of |g|^p are
    //   accumulated in double whatever the tensors' type (torch: in the tensors' type; for double
    //   tensors the two differ by rounding only, float tensors here do not overflow below 1e38).
    // - Each tensor is scaled in its own type, by the coefficient rounded to that type. When the
    //   coefficient is 1 nothing is written (torch multiplies by 1, which changes no value).
    // - A non-finite total: with error_if_nonfinite, throws nonfinite_norm and changes nothing;
    //   without, scales as torch does: an infinite total gives a coefficient of 0 (finite elements
    //   become 0 of their sign, infinite ones nan), a nan total makes every element nan.
    // - An empty list, or only zero-size tensors, has norm 0 and changes nothing; null pointers
    //   are skipped. A zero-size tensor's maximum norm is 0 (torch 1.13 raises there instead).
    // - max_norm < 0 or nan, norm_type <= 0 or nan: std::invalid_argument, nothing changed.
    template <gradient_list L>
    double clip_grad_norm(L&& grads, double max_norm, double norm_type = 2.0, bool error_if_nonfinite = false)
    {
        namespace gn = detail::grad_norm;
        gn::check_arguments(max_norm, norm_type);
        const gn::order o = gn::order_of(norm_type);

        gn::accumulator total_acc(o);
        std::optional<std::size_t> first_nonfinite;
        std::size_t index = 0;
        gn::for_each_entry(grads, [&](auto& entry) {
            gn::visit(entry, [&](auto& g) {
                const double n = gn::norm_of(g, o);
                if (!std::isfinite(n) && !first_nonfinite) { first_nonfinite = index; }
                total_acc.add(n);
            });
            ++index;
        });
        const double total = total_acc.value();
        if (error_if_nonfinite && !std::isfinite(total)) { throw nonfinite_norm(total, norm_type, first_nonfinite); }

        const double coef = max_norm / (total + 1e-6);
        const double clamped = std::isnan(coef) || coef < 1.0 ? coef : 1.0;  // torch.clamp(max=1) keeps a nan
        if (clamped != 1.0)
        {
            gn::for_each_entry(grads, [&](auto& entry) { gn::visit(entry, [&](auto& g) { gn::scale(g, clamped); }); });
        }
        return total;
    }
}
