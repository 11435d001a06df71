#pragma once
// Shampoo for the 2-D parameters and AdamW for the rest, in one optimizer: add_params routes each
// tensor by rank, step(grads) steps both in the order the tensors were added (the split of
// muon_with_adamw, muon/with_adamw.hpp). The AdamW part is xoptim::adamw itself, so a 1-D tensor
// moves exactly as it would under a plain adamw; with Shampoo's betas and grafting epsilon it
// takes the step Shampoo grafts its matrices to. A 2-D tensor that should stay on AdamW is added
// with add_adamw_params.

#include "../muon/matrix_with_adamw.hpp"
#include "shampoo.hpp"

namespace xoptim
{
    // Shampoo for the 2-D tensors, AdamW for the others (muon/matrix_with_adamw.hpp), with the
    // Shampoo part named shampoo().
    template <class V = double>
    class shampoo_adamw : public matrix_with_adamw<shampoo_rule, V>
    {
    public:
        using matrix_with_adamw<shampoo_rule, V>::matrix_with_adamw;
        using shampoo_type = shampoo_optimizer<V>;

        shampoo_type& shampoo() noexcept { return this->matrix(); }
        const shampoo_type& shampoo() const noexcept { return this->matrix(); }
    };

    // Shampoo for the 2-D tensors, AdamW for the others: add them with add_params.
    template <class V = double>
    shampoo_adamw<V> shampoo_with_adamw(const shampoo_options& m = {}, const adamw_options& a = {})
    {
        return shampoo_adamw<V>(m, a);
    }
}
