#pragma once
// Muon for the 2-D parameters and AdamW for the rest, in one optimizer: add_params routes each
// tensor by rank, step(grads) steps both in the order the tensors were added. Every Muon
// implementation recommends this split (Jordan et al. 2024; torch.optim.Muon's documentation:
// "Other parameters, such as bias, and embedding, should be optimized by a standard method
// such as AdamW"). The AdamW part is xoptim::adamw itself, so a 1-D tensor moves exactly as it
// would under a plain adamw.
//
// A 2-D tensor that should not go to Muon (an embedding, a classifier head, as Jordan et al.
// advise) is added with add_adamw_params.

#include "matrix_with_adamw.hpp"
#include "muon.hpp"

namespace xoptim
{
    // Muon for the 2-D tensors, AdamW for the others (muon/matrix_with_adamw.hpp), with the
    // Muon part named muon().
    template <class V = double>
    class muon_adamw : public matrix_with_adamw<muon_rule, V>
    {
    public:
        using matrix_with_adamw<muon_rule, V>::matrix_with_adamw;
        using muon_type = muon_optimizer<V>;

        muon_type& muon() noexcept { return this->matrix(); }
        const muon_type& muon() const noexcept { return this->matrix(); }
    };

    // Muon for the 2-D tensors, AdamW for the others: add them with add_params.
    template <class V = double>
    muon_adamw<V> muon_with_adamw(const muon_options& m = {}, const adamw_options& a = {})
    {
        return muon_adamw<V>(m, a);
    }
}
