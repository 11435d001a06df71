#pragma once
// xoptim: gradient-based optimizers as stateless rules composed at compile time, run by one engine.
// What steps tensors: the core, every rule, the named optimizers, schedules, clipping by the
// global norm and the plateau scheduler. The rest of the library (losses, problems, fit, L-BFGS,
// checkpoints, make_optimizer) is xoptim/all.hpp, or each header on its own; the optional parts
// are the MPI component (xoptim/mpi/distributed.hpp), Muon and Shampoo (xoptim/muon.hpp,
// xoptim/shampoo.hpp: a BLAS) and the pictures (xoptim/viz/viz.hpp).

#include "version.hpp"

#include "core/chain.hpp"
#include "core/engine.hpp"
#include "core/finite.hpp"
#include "core/optimizer.hpp"
#include "core/parallel.hpp"
#include "core/reducing_rule.hpp"
#include "core/simd.hpp"
#include "core/slots.hpp"
#include "core/state.hpp"
#include "core/step_info.hpp"
#include "core/update_rule.hpp"
#include "core/validate.hpp"

#include "rules/add_decayed_weights.hpp"
#include "rules/clip_by_global_norm.hpp"
#include "rules/clip_by_norm.hpp"
#include "rules/clip_by_value.hpp"
#include "rules/ewma.hpp"
#include "rules/scale_by_adam.hpp"
#include "rules/scale_by_lars_ratio.hpp"
#include "rules/scale_by_lion.hpp"
#include "rules/scale_by_lr.hpp"
#include "rules/scale_by_rms.hpp"
#include "rules/scale_by_rss.hpp"
#include "rules/scale_by_trust_ratio.hpp"
#include "rules/trace.hpp"

#include "optimizers.hpp"
#include "schedules.hpp"

#include "clip_grad_norm.hpp"
#include "reduce_on_plateau.hpp"
