#pragma once
// The checkpoint files of the matrix optimizers (muon/matrix_optimizer.hpp) and of their pairing
// with AdamW (muon/matrix_with_adamw.hpp), in xoptim's envelope (io/checkpoint.hpp). The payload:
// the kind ("muon", "muon_with_adamw", ...), the rule's own part, and for the pairing then the
// AdamW optimizer's own checkpoint. Each rule says what its part holds by specialising
// matrix_checkpoint<Rule> beside its own headers (muon/checkpoint.hpp, shampoo/checkpoint.hpp):
//   kind (a string), write(writer&, const matrix_optimizer<Rule, V>&) and
//   read(reader&, const matrix_optimizer<Rule, V>&), which checks everything and returns a staged
//   state whose commit(opt) cannot fail.
// A matrix optimizer's file may end with the parameter section of io/checkpoint.hpp (when it is
// saved with its parameters); a file without one is byte for byte what it was before.
// A failed load leaves the optimizer (and the parameters) as they were.

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../io/checkpoint.hpp"
#include "matrix_optimizer.hpp"
#include "matrix_with_adamw.hpp"

namespace xoptim
{
    template <class Rule>
    struct matrix_checkpoint;

    namespace detail::ckpt
    {
        // Opens the envelope (checking the identity when one is expected) and the kind.
        inline reader open_kind(std::span<const unsigned char> bytes, const std::string& want,
                                const checkpoint_identity* expected)
        {
            reader r = open_payload(bytes, expected).r;
            const std::string kind = r.str("optimizer kind", checkpoint_format::max_kind_length);
            if (kind != want)
            {
                throw checkpoint_error("optimizer kind: expected \"" + want + "\", found \"" + kind + "\"");
            }
            return r;
        }

        // A registered tensor takes state of its own shape only: a step would start a state of
        // another shape afresh, dropping what the file held.
        template <class Rule, class V>
        void check_registered_shape(const matrix_optimizer<Rule, V>& opt, std::size_t t, const std::string& what,
                                    std::size_t rows, std::size_t cols)
        {
            if (t >= opt.registered_count()) { return; }
            const auto registered = opt.registered_shape(t);
            if (registered[0] != rows || registered[1] != cols)
            {
                throw checkpoint_error(what + ": expected the shape of the tensor registered, "
                                       + shape_text({registered[0], registered[1]}) + ", found "
                                       + shape_text({rows, cols}));
            }
        }

        template <class Rule>
        std::string adamw_pair_kind()
        {
            return std::string(matrix_checkpoint<Rule>::kind) + "_with_adamw";
        }

        // The file, with the parameter section (io/checkpoint.hpp's) after the rule's part when
        // `params` is given; without, the bytes are those of a file that never held any.
        template <class Rule, class V, class Params = no_params>
        std::vector<unsigned char> matrix_bytes(const matrix_optimizer<Rule, V>& opt,
                                                const checkpoint_identity& identity, const Params* params = nullptr)
        {
            if (params != nullptr) { check_identity_names(identity, param_count(*params)); }
            writer w;
            const std::size_t at = begin_file(w, identity);
            w.str(matrix_checkpoint<Rule>::kind);
            matrix_checkpoint<Rule>::write(w, opt);
            if (params != nullptr) { write_params<matrix_optimizer<Rule, V>>(w, *params); }
            return seal(w, at);
        }

        // Reads a file made by matrix_bytes: the parameter section, when bytes remain after the
        // rule's part, is checked (and, when `params` is given, which it must then hold, restored
        // after the optimizer); nothing changes unless everything is valid.
        template <class Rule, class V, class Params = no_params>
        void read_matrix_file(std::span<const unsigned char> bytes, matrix_optimizer<Rule, V>& opt,
                              const checkpoint_identity* expected, Params* params = nullptr)
        {
            const std::string kind = matrix_checkpoint<Rule>::kind;
            payload file = open_payload(bytes, expected);
            reader& r = file.r;
            const std::string found = r.str("optimizer kind", checkpoint_format::max_kind_length);
            if (found != kind)
            {
                throw checkpoint_error("optimizer kind: expected \"" + kind + "\", found \"" + found + "\"");
            }
            auto staged = matrix_checkpoint<Rule>::read(r, opt);
            const bool has_params = r.remaining() != 0;
            if (params != nullptr && !has_params)
            {
                throw checkpoint_error("parameters: expected the checkpoint to hold them, found none");
            }
            std::vector<staged_param<V>> staged_params;
            if (has_params) { staged_params = read_params<V>(r, params, file.identity); }
            if (r.remaining() != 0)
            {
                throw checkpoint_error(kind + ": " + std::to_string(r.remaining()) + " bytes left over");
            }
            if (params != nullptr) { check_param_shapes(*params, staged_params); }
            staged.commit(opt);
            if (params != nullptr) { commit_params(*params, staged_params); }
        }

        template <class Rule, class V>
        std::vector<unsigned char> matrix_adamw_bytes(const matrix_with_adamw<Rule, V>& opt,
                                                      const checkpoint_identity& identity)
        {
            writer w;
            const std::size_t at = begin_file(w, identity);
            w.str(adamw_pair_kind<Rule>());
            matrix_checkpoint<Rule>::write(w, opt.matrix());
            const auto inner = xoptim::to_bytes(opt.adamw());
            w.u64(inner.size());
            w.bytes(inner.data(), inner.size());
            return seal(w, at);
        }

        template <class Rule, class V>
        void read_matrix_adamw_file(std::span<const unsigned char> bytes, matrix_with_adamw<Rule, V>& opt,
                                    const checkpoint_identity* expected)
        {
            auto r = open_kind(bytes, adamw_pair_kind<Rule>(), expected);
            auto staged = matrix_checkpoint<Rule>::read(r, opt.matrix());
            const std::uint64_t n = r.u64("adamw checkpoint size");
            if (n != r.remaining())
            {
                throw checkpoint_error("adamw checkpoint size: the file says " + std::to_string(n) + ", "
                                       + std::to_string(r.remaining()) + " bytes are left");
            }
            std::vector<unsigned char> inner(static_cast<std::size_t>(n));
            for (auto& b : inner) { b = r.u8("adamw checkpoint"); }
            // AdamW's reader stages and checks everything before it changes its optimizer; the
            // matrix part is committed after it, so a failure in either leaves both as they were.
            auto adamw_copy = opt.adamw();
            xoptim::from_bytes(std::span<const unsigned char>(inner), adamw_copy);
            opt.adamw() = std::move(adamw_copy);
            staged.commit(opt.matrix());
        }
    }

    template <class Rule, class V>
    std::vector<unsigned char> to_bytes(const matrix_optimizer<Rule, V>& opt, const checkpoint_identity& identity = {})
    {
        return detail::ckpt::matrix_bytes(opt, identity);
    }

    template <class Rule, class V>
    void from_bytes(std::span<const unsigned char> bytes, matrix_optimizer<Rule, V>& opt)
    {
        detail::ckpt::read_matrix_file(bytes, opt, nullptr);
    }

    template <class Rule, class V>
    void from_bytes(std::span<const unsigned char> bytes, matrix_optimizer<Rule, V>& opt,
                    const checkpoint_identity& identity)
    {
        detail::ckpt::read_matrix_file(bytes, opt, &identity);
    }

    // With the parameters: saved after the optimizer's part, restored with it (the same count and
    // shapes, finite values), as the elementwise optimizers' files hold theirs.
    template <class Rule, class V, detail::ckpt::parameters Params>
    std::vector<unsigned char> to_bytes(const matrix_optimizer<Rule, V>& opt, const Params& params,
                                        const checkpoint_identity& identity = {})
    {
        return detail::ckpt::matrix_bytes(opt, identity, &params);
    }

    template <class Rule, class V, detail::ckpt::parameters Params>
    void from_bytes(std::span<const unsigned char> bytes, matrix_optimizer<Rule, V>& opt, Params& params)
    {
        detail::ckpt::read_matrix_file(bytes, opt, nullptr, &params);
    }

    template <class Rule, class V, detail::ckpt::parameters Params>
    void from_bytes(std::span<const unsigned char> bytes, matrix_optimizer<Rule, V>& opt, Params& params,
                    const checkpoint_identity& identity)
    {
        detail::ckpt::read_matrix_file(bytes, opt, &identity, &params);
    }
}
