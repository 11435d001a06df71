#pragma once
// The named optimizers: compositions of rules with PyTorch's hyperparameter names, meanings and
// defaults (where PyTorch has the optimizer). Each factory checks its options and names the
// optimizer in its errors; `optimizer<...>` is the type that holds groups and state.

#include <cstdint>
#include <string>

#include "core/chain.hpp"
#include "core/optimizer.hpp"
#include "core/state.hpp"
#include "core/validate.hpp"
#include "rules/add_decayed_weights.hpp"
#include "rules/scale_by_adam.hpp"
#include "rules/scale_by_lars_ratio.hpp"
#include "rules/scale_by_lion.hpp"
#include "rules/scale_by_lr.hpp"
#include "rules/scale_by_rms.hpp"
#include "rules/scale_by_rss.hpp"
#include "rules/scale_by_trust_ratio.hpp"
#include "rules/trace.hpp"
#include "schedules.hpp"

namespace xoptim
{
    // ---- chains ------------------------------------------------------------------------
    template <schedule S = double>
    using sgd_rule = chain<add_weight_decay, trace, scale_by_lr<S>>;
    template <schedule S = double>
    using adam_rule = chain<add_weight_decay, scale_by_adam, scale_by_lr<S>>;
    template <schedule S = double>
    using adamw_rule = chain<scale_by_adam, add_decayed_weights, scale_by_lr<S>>;
    template <schedule S = double>
    using lamb_rule = chain<scale_by_adam, add_decayed_weights, scale_by_trust_ratio, scale_by_lr<S>>;
    template <schedule S = double>
    using lars_rule = chain<scale_by_lars_ratio, scale_by_lr<S>, trace>;
    template <schedule S = double>
    using rmsprop_rule = chain<add_weight_decay, scale_by_rms, trace, scale_by_lr<S>>;
    template <schedule S = inverse_time_decay>
    using adagrad_rule = chain<add_weight_decay, scale_by_rss, scale_by_lr<S>>;
    template <schedule S = double>
    using lion_rule = chain<scale_by_lion, add_decayed_weights, scale_by_lr<S>>;

    // ---- options (PyTorch's names and defaults) -------------------------------------------
    struct sgd_options
    {
        double lr = 1e-3;
        double momentum = 0.0;
        double dampening = 0.0;
        double weight_decay = 0.0;
        bool nesterov = false;
    };
    // `momentum` and `nesterov` are SGD with other defaults.
    struct momentum_options
    {
        double lr = 1e-3;
        double momentum = 0.9;
        double dampening = 0.0;
        double weight_decay = 0.0;
    };
    struct nesterov_options
    {
        double lr = 1e-3;
        double momentum = 0.9;
        double weight_decay = 0.0;
    };
    struct adam_options
    {
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0.0;
    };
    struct adamw_options
    {
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 1e-2;
        bool amsgrad = false;
    };
    struct lamb_options
    {
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-6;
        double weight_decay = 0.0;
        double trust_clip = 0.0;  // upper clamp of the trust ratio; 0: none
    };
    struct lars_options
    {
        double lr = 0.1;
        double momentum = 0.9;
        double weight_decay = 0.0;
        double trust_coefficient = 0.001;
    };
    struct rmsprop_options
    {
        double lr = 1e-2;
        double alpha = 0.99;
        double eps = 1e-8;
        double weight_decay = 0.0;
        double momentum = 0.0;
        bool centered = false;
    };
    struct adagrad_options
    {
        double lr = 1e-2;
        double lr_decay = 0.0;
        double weight_decay = 0.0;
        double initial_accumulator_value = 0.0;
        double eps = 1e-10;
    };
    struct lion_options
    {
        double lr = 1e-4;
        double beta1 = 0.9;
        double beta2 = 0.99;
        double weight_decay = 0.0;
    };

    namespace detail
    {
        inline void check_lr(const char* who, double lr) { require_non_negative(who, "lr", lr); }
        inline void check_betas(const char* who, double b1, double b2)
        {
            require_unit_interval(who, "beta1", b1);
            require_unit_interval(who, "beta2", b2);
        }
        template <schedule S>
        void check_schedule(const char* who, const S& s)
        {
            validate_schedule(s, who);
        }
        inline void check_momentum(const char* who, double momentum, double dampening, bool nesterov)
        {
            require_non_negative(who, "momentum", momentum);
            require_closed_unit_interval(who, "dampening", dampening);
            if (nesterov && momentum <= 0.0)
            {
                invalid(who, "momentum", momentum, "> 0 with nesterov");
            }
            if (nesterov && dampening != 0.0)
            {
                invalid(who, "dampening", dampening, "0 with nesterov");
            }
        }
    }

    // ---- factories -------------------------------------------------------------------------
    // Each takes its options, and optionally a schedule that replaces the constant `lr`.

    template <class V = double, schedule S>
    auto sgd(const sgd_options& o, S lr)
    {
        detail::check_schedule("sgd", lr);
        detail::check_momentum("sgd", o.momentum, o.dampening, o.nesterov);
        detail::require_non_negative("sgd", "weight_decay", o.weight_decay);
        return optimizer<sgd_rule<S>, V>(sgd_rule<S>(add_weight_decay{o.weight_decay},
                                                     trace{o.momentum, o.dampening, o.nesterov}, scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto sgd(const sgd_options& o = {})
    {
        detail::check_lr("sgd", o.lr);
        return sgd<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto momentum(const momentum_options& o, S lr)
    {
        detail::check_schedule("momentum", lr);
        detail::check_momentum("momentum", o.momentum, o.dampening, false);
        return sgd<V>(sgd_options{o.lr, o.momentum, o.dampening, o.weight_decay, false}, lr);
    }
    template <class V = double>
    auto momentum(const momentum_options& o = {})
    {
        detail::check_lr("momentum", o.lr);
        return momentum<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto nesterov(const nesterov_options& o, S lr)
    {
        detail::check_schedule("nesterov", lr);
        detail::check_momentum("nesterov", o.momentum, 0.0, true);
        return sgd<V>(sgd_options{o.lr, o.momentum, 0.0, o.weight_decay, true}, lr);
    }
    template <class V = double>
    auto nesterov(const nesterov_options& o = {})
    {
        detail::check_lr("nesterov", o.lr);
        return nesterov<V>(o, o.lr);
    }

    namespace detail
    {
        template <class V, schedule S>
        auto make_adam(const char* who, const adam_options& o, S lr, bool amsgrad)
        {
            check_schedule(who, lr);
            check_betas(who, o.beta1, o.beta2);
            require_positive(who, "eps", o.eps);
            require_non_negative(who, "weight_decay", o.weight_decay);
            return optimizer<adam_rule<S>, V>(adam_rule<S>(add_weight_decay{o.weight_decay},
                                                           scale_by_adam{o.beta1, o.beta2, o.eps, amsgrad},
                                                           scale_by_lr<S>{lr}));
        }
    }

    template <class V = double, schedule S>
    auto adam(const adam_options& o, S lr)
    {
        return detail::make_adam<V>("adam", o, lr, false);
    }
    template <class V = double>
    auto adam(const adam_options& o = {})
    {
        detail::check_lr("adam", o.lr);
        return adam<V>(o, o.lr);
    }

    // Adam with the maximum of past second moments in the denominator.
    template <class V = double, schedule S>
    auto amsgrad(const adam_options& o, S lr)
    {
        return detail::make_adam<V>("amsgrad", o, lr, true);
    }
    template <class V = double>
    auto amsgrad(const adam_options& o = {})
    {
        detail::check_lr("amsgrad", o.lr);
        return amsgrad<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto adamw(const adamw_options& o, S lr)
    {
        detail::check_schedule("adamw", lr);
        detail::check_betas("adamw", o.beta1, o.beta2);
        detail::require_positive("adamw", "eps", o.eps);
        detail::require_non_negative("adamw", "weight_decay", o.weight_decay);
        return optimizer<adamw_rule<S>, V>(adamw_rule<S>(scale_by_adam{o.beta1, o.beta2, o.eps, o.amsgrad},
                                                         add_decayed_weights{o.weight_decay}, scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto adamw(const adamw_options& o = {})
    {
        detail::check_lr("adamw", o.lr);
        return adamw<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto lamb(const lamb_options& o, S lr)
    {
        detail::check_schedule("lamb", lr);
        detail::check_betas("lamb", o.beta1, o.beta2);
        detail::require_positive("lamb", "eps", o.eps);
        detail::require_non_negative("lamb", "weight_decay", o.weight_decay);
        if (!(o.trust_clip >= 0.0)) { detail::invalid("lamb", "trust_clip", o.trust_clip, ">= 0 (0: no clamp)"); }
        return optimizer<lamb_rule<S>, V>(lamb_rule<S>(scale_by_adam{o.beta1, o.beta2, o.eps, false},
                                                       add_decayed_weights{o.weight_decay},
                                                       scale_by_trust_ratio{o.trust_clip}, scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto lamb(const lamb_options& o = {})
    {
        detail::check_lr("lamb", o.lr);
        return lamb<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto lars(const lars_options& o, S lr)
    {
        detail::check_schedule("lars", lr);
        detail::check_momentum("lars", o.momentum, 0.0, false);
        detail::require_non_negative("lars", "weight_decay", o.weight_decay);
        detail::require_positive("lars", "trust_coefficient", o.trust_coefficient);
        return optimizer<lars_rule<S>, V>(lars_rule<S>(scale_by_lars_ratio{o.trust_coefficient, o.weight_decay},
                                                       scale_by_lr<S>{lr}, trace{o.momentum, 0.0, false}));
    }
    template <class V = double>
    auto lars(const lars_options& o = {})
    {
        detail::check_lr("lars", o.lr);
        return lars<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto rmsprop(const rmsprop_options& o, S lr)
    {
        detail::check_schedule("rmsprop", lr);
        detail::require_closed_unit_interval("rmsprop", "alpha", o.alpha);
        detail::require_positive("rmsprop", "eps", o.eps);
        detail::require_non_negative("rmsprop", "weight_decay", o.weight_decay);
        detail::require_non_negative("rmsprop", "momentum", o.momentum);
        return optimizer<rmsprop_rule<S>, V>(rmsprop_rule<S>(add_weight_decay{o.weight_decay},
                                                             scale_by_rms{o.alpha, o.eps, o.centered},
                                                             trace{o.momentum, 0.0, false}, scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto rmsprop(const rmsprop_options& o = {})
    {
        detail::check_lr("rmsprop", o.lr);
        return rmsprop<V>(o, o.lr);
    }

    template <class V = double, schedule S>
    auto adagrad(const adagrad_options& o, S lr)
    {
        detail::check_schedule("adagrad", lr);
        detail::require_non_negative("adagrad", "weight_decay", o.weight_decay);
        detail::require_non_negative("adagrad", "initial_accumulator_value", o.initial_accumulator_value);
        detail::require_positive("adagrad", "eps", o.eps);
        return optimizer<adagrad_rule<S>, V>(adagrad_rule<S>(add_weight_decay{o.weight_decay},
                                                             scale_by_rss{o.eps, o.initial_accumulator_value},
                                                             scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto adagrad(const adagrad_options& o = {})
    {
        detail::check_lr("adagrad", o.lr);
        detail::require_non_negative("adagrad", "lr_decay", o.lr_decay);
        return adagrad<V>(o, inverse_time_decay{o.lr, o.lr_decay});
    }

    template <class V = double, schedule S>
    auto lion(const lion_options& o, S lr)
    {
        detail::check_schedule("lion", lr);
        detail::check_betas("lion", o.beta1, o.beta2);
        detail::require_non_negative("lion", "weight_decay", o.weight_decay);
        return optimizer<lion_rule<S>, V>(lion_rule<S>(scale_by_lion{o.beta1, o.beta2},
                                                       add_decayed_weights{o.weight_decay}, scale_by_lr<S>{lr}));
    }
    template <class V = double>
    auto lion(const lion_options& o = {})
    {
        detail::check_lr("lion", o.lr);
        return lion<V>(o, o.lr);
    }
}
