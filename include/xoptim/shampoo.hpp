#pragma once
// Shampoo (left and right Kronecker-factor preconditioners of 2-D parameters, inverse 4th roots
// by LAPACK's symmetric eigendecomposition, grafted to Adam's step size) and its split with
// AdamW. Part of the optional component xoptim::muon (it brings xtensor-blas, a BLAS and
// LAPACK); no other xoptim header includes this one.

#include "shampoo/checkpoint.hpp"
#include "shampoo/shampoo.hpp"
#include "shampoo/with_adamw.hpp"
