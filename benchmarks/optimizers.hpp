#pragma once
// Calls f with a freshly made named optimizer (library defaults, value type V).

#include <stdexcept>
#include <string>

#include <xoptim/optimizers.hpp>

namespace xoptim_bench
{
    template <class V, class F>
    decltype(auto) with_optimizer(const std::string& name, F&& f)
    {
        if (name == "sgd") { return f(xoptim::sgd<V>()); }
        if (name == "momentum") { return f(xoptim::momentum<V>()); }
        if (name == "nesterov") { return f(xoptim::nesterov<V>()); }
        if (name == "adam") { return f(xoptim::adam<V>()); }
        if (name == "adamw") { return f(xoptim::adamw<V>()); }
        if (name == "amsgrad") { return f(xoptim::amsgrad<V>()); }
        if (name == "lamb") { return f(xoptim::lamb<V>()); }
        if (name == "lars") { return f(xoptim::lars<V>()); }
        if (name == "rmsprop") { return f(xoptim::rmsprop<V>()); }
        if (name == "adagrad") { return f(xoptim::adagrad<V>()); }
        if (name == "lion") { return f(xoptim::lion<V>()); }
        if (name == "nadam") { return f(xoptim::nadam<V>()); }
        if (name == "radam") { return f(xoptim::radam<V>()); }
        if (name == "adamax") { return f(xoptim::adamax<V>()); }
        if (name == "adadelta") { return f(xoptim::adadelta<V>()); }
        if (name == "rprop") { return f(xoptim::rprop<V>()); }
        if (name == "asgd") { return f(xoptim::asgd<V>()); }
        if (name == "adafactor") { return f(xoptim::adafactor<V>()); }
        if (name == "sgd_schedule_free") { return f(xoptim::sgd_schedule_free<V>()); }
        if (name == "adamw_schedule_free") { return f(xoptim::adamw_schedule_free<V>()); }
        throw std::invalid_argument("with_optimizer: unknown optimizer " + name);
    }
}
