#pragma once
// State policies: who makes the slots of a parameter tensor, and when. A slot is a tensor of
// the parameter's shape in 64-byte aligned memory, owned by the optimizer, never by a rule.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <xsimd/xsimd.hpp>
#include <xtensor/xarray.hpp>

namespace xoptim
{
    template <class V>
    using slot_tensor = xt::xarray<V, xt::layout_type::row_major, xsimd::aligned_allocator<V, 64>>;

    // The slots of one parameter tensor; slot k is empty when the rule does not use it.
    template <class V>
    struct tensor_state
    {
        std::vector<std::size_t> shape;
        std::vector<slot_tensor<V>> slots;
        // Steps of its group this tensor sat out (a registered tensor without a gradient): its
        // own step count is the group's minus this, as PyTorch counts steps per tensor.
        std::uint64_t lag = 0;
    };

    // A state policy makes a slot of a shape filled with an initial value, and says whether
    // slots are made on the first step (lazy) or must be made beforehand by `init` (eager).
    template <class S>
    concept state_policy = std::semiregular<S> && requires(const S& s, const std::vector<std::size_t>& shape,
                                                           double init)
    {
        {
            S::lazy
            } -> std::convertible_to<bool>;
        {
            s.template make_slot<float>(shape, init)
            } -> std::same_as<slot_tensor<float>>;
        {
            s.template make_slot<double>(shape, init)
            } -> std::same_as<slot_tensor<double>>;
    };

    namespace detail
    {
        template <class V>
        slot_tensor<V> filled_slot(const std::vector<std::size_t>& shape, double init)
        {
            slot_tensor<V> s(shape);
            s.fill(static_cast<V>(init));
            return s;
        }
    }

    // Slots are made on the first step that sees a tensor (PyTorch's behaviour).
    struct lazy_state
    {
        static constexpr bool lazy = true;
        template <class V>
        slot_tensor<V> make_slot(const std::vector<std::size_t>& shape, double init) const
        {
            return detail::filled_slot<V>(shape, init);
        }
    };

    // Slots are made up front by `optimizer::init`; a step on tensors without state throws,
    // so that a training loop's memory is fixed before it starts.
    struct eager_state
    {
        static constexpr bool lazy = false;
        template <class V>
        slot_tensor<V> make_slot(const std::vector<std::size_t>& shape, double init) const
        {
            return detail::filled_slot<V>(shape, init);
        }
    };
}
