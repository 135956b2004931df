# -DSPV=in.spv -DHDR=out.h -DIDENT=name: writes `inline constexpr uint32_t name[]`.
file(READ ${SPV} hex HEX)
string(LENGTH "${hex}" n)
set(words "")
math(EXPR last "${n} - 8")
foreach(i RANGE 0 ${last} 8)
  string(SUBSTRING "${hex}" ${i} 8 w)
  # SPIR-V words are little-endian in the file.
  string(REGEX REPLACE "(..)(..)(..)(..)" "0x\\4\\3\\2\\1u," w "${w}")
  string(APPEND words "${w}")
endforeach()
file(WRITE ${HDR} "#pragma once\n#include <cstdint>\ninline constexpr std::uint32_t ${IDENT}[] = {${words}};\n")
