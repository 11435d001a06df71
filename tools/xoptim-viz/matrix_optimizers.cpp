// Muon and Shampoo for xoptim-viz (matrix_optimizers.hpp), when the xoptim::muon component was
// built (XOPTIM_VIZ_MATRIX); without it, naming them is an error that says so.

#include "matrix_optimizers.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <utility>

#ifdef XOPTIM_VIZ_MATRIX
#include <optional>

#include <xoptim/muon.hpp>
#include <xoptim/muon/flat_matrix.hpp>
#include <xoptim/shampoo.hpp>
#endif

namespace xoptim_viz
{
    namespace
    {
        constexpr std::string_view names[] = {"muon", "shampoo"};

#ifdef XOPTIM_VIZ_MATRIX
        /// The declared hyperparameters of Options as named entries of a one-link chain.
        template <class Options>
        std::vector<xoptim::optimizer_option> declared_options(const Options& o)
        {
            const std::tuple<Options> links{o};
            std::vector<xoptim::optimizer_option> out;
            for (const auto& e : xoptim::detail::named_entries(links))
            {
                out.push_back({e.path, e.is_bool, xoptim::detail::get_named(links, e.path, {}, "options"), e.help});
            }
            return out;
        }

        /// "momentum: expected 0.95, found 0.9" for the first declared hyperparameter that differs.
        template <class Options>
        std::string options_difference(const Options& a, const Options& b)
        {
            const auto wanted = declared_options(a);
            const auto found = declared_options(b);
            for (std::size_t i = 0; i < wanted.size(); ++i)
            {
                if (wanted[i].default_value != found[i].default_value)
                {
                    return wanted[i].name + ": expected " + xoptim::detail::format_value(wanted[i].default_value)
                           + ", found " + xoptim::detail::format_value(found[i].default_value);
                }
            }
            if constexpr (requires { a.ns_coefficients; })
            {
                const auto text = [](const auto& c) {
                    return "(" + xoptim::detail::format_value(c[0]) + ", " + xoptim::detail::format_value(c[1]) + ", "
                           + xoptim::detail::format_value(c[2]) + ")";
                };
                if (a.ns_coefficients != b.ns_coefficients)
                {
                    return "ns_coefficients: expected " + text(a.ns_coefficients) + ", found "
                           + text(b.ns_coefficients);
                }
            }
            return a == b ? std::string() : std::string("the options differ");
        }

        template <class M>
        class matrix_run_of final : public matrix_run
        {
        public:
            using options_type = typename M::options_type;

            // Throws std::invalid_argument naming a hyperparameter that is out of its range.
            explicit matrix_run_of(const options_type& o) : m_options(o) { M::rule_type::validate(o); }

            std::unique_ptr<matrix_run> clone() const override { return std::make_unique<matrix_run_of>(*this); }

            void set_shape(std::size_t rows, std::size_t cols) override { m_run.emplace(M(m_options), rows, cols); }

            void step(vector& theta, const vector& grad) override { shaped().step(theta, grad); }

            double learning_rate() const override { return m_options.lr; }

            std::uint64_t step_count() const override { return m_run ? m_run->step_count() : 0; }

            void save(const std::filesystem::path& file, const vector& theta,
                      const xoptim::checkpoint_identity& made_on) const override
            {
                const auto& run = shaped();
                xt::xtensor<double, 2> w = xt::zeros<double>({run.rows(), run.cols()});
                std::copy(theta.begin(), theta.end(), w.begin());
                xoptim::save_checkpoint(file, run.optimizer(), w, made_on);
            }

            void resume(const std::filesystem::path& file, vector& theta,
                        const xoptim::checkpoint_identity& made_on) override
            {
                auto& run = shaped();
                M loaded = run.optimizer();
                xt::xtensor<double, 2> w = xt::zeros<double>({run.rows(), run.cols()});
                xoptim::load_checkpoint(file, loaded, w, made_on);
                const std::string diff = options_difference(m_options, loaded.options());
                if (!diff.empty())
                {
                    throw xoptim::checkpoint_error("hyperparameters differ from the command line's: " + diff);
                }
                run.optimizer() = std::move(loaded);
                std::copy(w.begin(), w.end(), theta.begin());
            }

        private:
            xoptim::flat_matrix<M>& shaped()
            {
                if (!m_run)
                {
                    throw std::logic_error("xoptim-viz: a matrix optimizer stepped before its shape was set");
                }
                return *m_run;
            }
            const xoptim::flat_matrix<M>& shaped() const { return const_cast<matrix_run_of*>(this)->shaped(); }

            options_type m_options;
            std::optional<xoptim::flat_matrix<M>> m_run;
        };

        template <class M>
        std::unique_ptr<matrix_run> make_run(std::string_view name,
                                             const std::vector<xoptim::hyperparameter_setting>& settings)
        {
            std::tuple<typename M::options_type> links{};
            for (const auto& s : settings) { xoptim::detail::set_named(links, s.first, s.second, {}, name); }
            return std::make_unique<matrix_run_of<M>>(std::get<0>(links));
        }
#endif
    }  // namespace

    bool has_matrix_optimizers()
    {
#ifdef XOPTIM_VIZ_MATRIX
        return true;
#else
        return false;
#endif
    }

    std::vector<std::string_view> matrix_optimizer_names() { return {std::begin(names), std::end(names)}; }

    bool is_matrix_optimizer(std::string_view name)
    {
        return std::find(std::begin(names), std::end(names), name) != std::end(names);
    }

    std::string_view matrix_optimizer_summary(std::string_view name)
    {
        if (name == "muon")
        {
            return "Muon (torch.optim.Muon): Nesterov momentum, the update of W orthogonalised by Newton-Schulz; "
                   "weight_decay is decoupled; needs --outputs";
        }
        return "Shampoo (Distributed Shampoo): left and right preconditioners of W, grafted to Adam's step size; "
               "needs --outputs";
    }

    std::string not_built(std::string_view name)
    {
        return std::string(name)
               + " is not in this xoptim-viz: it was built without the xoptim::muon component (xtensor-blas and a "
                 "BLAS)";
    }

    std::vector<xoptim::optimizer_option> matrix_optimizer_options(std::string_view name)
    {
#ifdef XOPTIM_VIZ_MATRIX
        if (name == "muon") { return declared_options(xoptim::muon_options{}); }
        if (name == "shampoo") { return declared_options(xoptim::shampoo_options{}); }
#endif
        (void)name;
        return {};
    }

    std::unique_ptr<matrix_run> make_matrix_run(std::string_view name,
                                                const std::vector<xoptim::hyperparameter_setting>& settings)
    {
#ifdef XOPTIM_VIZ_MATRIX
        if (name == "muon") { return make_run<xoptim::muon_optimizer<double>>(name, settings); }
        if (name == "shampoo") { return make_run<xoptim::shampoo_optimizer<double>>(name, settings); }
        throw std::invalid_argument("unknown matrix optimizer '" + std::string(name) + "'");
#else
        (void)settings;
        throw std::logic_error(not_built(name));
#endif
    }

}  // namespace xoptim_viz
