// threads/: placeholder until the threaded step exists.
#include "common.hpp"

namespace xoptim_bench
{
    void register_threads() {}
}
