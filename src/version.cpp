#include "pixxel/version.hpp"

namespace pixxel {

const char* version() noexcept { return PIXXEL_VERSION_STRING; }

}  // namespace pixxel
