# Builds and runs examples/consumer/main.cpp with nothing but pkg-config's flags for an
# installed pixxel: what a Makefile user would do. Called by CTest with -P.
# A plain `pkg-config --libs pixxel` must link whatever was installed (a static-only install
# included: users do not know to add --static); a static install is also linked with --static.
find_program(PKG_CONFIG pkg-config REQUIRED)
set(ENV{PKG_CONFIG_PATH} "${PREFIX}/${LIBDIR}/pkgconfig")
set(variants plain)
if(NOT SHARED)
  list(APPEND variants static)
endif()
foreach(variant IN LISTS variants)
  set(static_flag "")
  if(variant STREQUAL "static")
    set(static_flag "--static")
  endif()
  execute_process(COMMAND ${PKG_CONFIG} --cflags --libs ${static_flag} pixxel
    OUTPUT_VARIABLE flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config does not know pixxel")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  set(program ${OUTPUT}-${variant})
  execute_process(COMMAND ${COMPILER} -std=c++17 ${SOURCE} -o ${program} ${flags}
    -Wl,-rpath,${PREFIX}/${LIBDIR} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "building against `pkg-config --libs ${static_flag} pixxel` failed")
  endif()
  execute_process(COMMAND ${program} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "the pkg-config consumer (${variant}) failed")
  endif()
endforeach()
