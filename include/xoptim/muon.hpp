#pragma once
// Muon (momentum orthogonalised by Newton-Schulz) and its split with AdamW. The optional
// component xoptim::muon: link it (it brings xtensor-blas and a BLAS); no other xoptim header
// includes this one.

#include "muon/checkpoint.hpp"
#include "muon/muon.hpp"
#include "muon/newton_schulz.hpp"
#include "muon/with_adamw.hpp"
